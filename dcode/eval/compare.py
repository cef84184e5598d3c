"""`dcode eval compare`: runs side by side, the problems that flipped, and whether the difference is more than noise.

The interval is a paired bootstrap over problems (Efron's bootstrap, paired as in
Koehn 2004 for comparing systems on one test set): resample the common problems with
replacement, and recompute the difference of the two runs' mean pass@1 (each problem's
share of passing samples) on the same resample. When the 95% interval holds zero, the runs
are not told apart by these problems, and the report says so in those words.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from dcode.eval.summary import RunSummary

RESAMPLES = 10_000
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Comparison:
    base: RunSummary
    other: RunSummary
    problems: list[str]  # in both runs
    base_rate: float  # mean pass@1 on the common problems
    other_rate: float
    difference: Interval
    ratio: float | None  # other / base, when base solved anything
    ratio_interval: Interval | None
    gained: list[str]  # solved (some sample passed) in other, in no sample of base
    lost: list[str]

    @property
    def delta(self) -> float:
        return self.other_rate - self.base_rate

    @property
    def within_noise(self) -> bool:
        return self.difference.holds(0.0)

    def verdict(self) -> str:
        lo, hi = self.difference.low, self.difference.high
        span = f"{self.delta:+.3f} (95% interval {lo:+.3f} to {hi:+.3f}, {len(self.problems)} problems)"
        if self.within_noise:
            return f"pass@1 differs by {span}: within noise, these problems do not tell the runs apart"
        better = "better" if self.delta > 0 else "worse"
        return f"pass@1 differs by {span}: {self.other.config.label} is {better} than {self.base.config.label}"

    def as_json(self) -> dict:
        return {"base": self.base.config.label, "other": self.other.config.label, "problems": len(self.problems),
                "base_pass_at_1": round(self.base_rate, 6), "other_pass_at_1": round(self.other_rate, 6),
                "difference": round(self.delta, 6), "interval": [round(self.difference.low, 6),
                                                                 round(self.difference.high, 6)],
                "ratio": None if self.ratio is None else round(self.ratio, 4),
                "ratio_interval": None if self.ratio_interval is None else [round(self.ratio_interval.low, 4),
                                                                             round(self.ratio_interval.high, 4)],
                "within_noise": self.within_noise, "gained": self.gained, "lost": self.lost,
                "verdict": self.verdict()}


def _percentiles(values: list[float], level: float = LEVEL) -> Interval:
    values = sorted(values)
    cut = (1 - level) / 2
    low = values[int(cut * (len(values) - 1))]
    high = values[int(round((1 - cut) * (len(values) - 1)))]
    return Interval(low, high)


def paired_bootstrap(a: list[float], b: list[float], *, resamples: int = RESAMPLES,
                     seed: int = 0) -> tuple[Interval, Interval | None]:
    """Intervals for mean(b) - mean(a) and for mean(b) / mean(a), resampling the pairs together."""
    if len(a) != len(b) or not a:
        raise ValueError("need the same, non-empty list of problems in both runs")
    rng = random.Random(seed)
    count = len(a)
    diffs, ratios = [], []
    for _ in range(resamples):
        picks = rng.choices(range(count), k=count)
        sa = sum(a[i] for i in picks)
        sb = sum(b[i] for i in picks)
        diffs.append((sb - sa) / count)
        # A resample where neither run solves anything shows no gain (1x); one where only the base fails, no bound.
        ratios.append(sb / sa if sa > 0 else (1.0 if sb == 0 else math.inf))
    ratio = _percentiles(ratios) if sum(a) > 0 else None
    return _percentiles(diffs), ratio


def compare(base: RunSummary, other: RunSummary, *, resamples: int = RESAMPLES, seed: int = 0) -> Comparison:
    a = {p.problem: p for p in base.problems}
    b = {p.problem: p for p in other.problems}
    common = [pid for pid in a if pid in b]
    if not common:
        raise ValueError("the runs share no problem")
    ra = [a[pid].rate for pid in common]
    rb = [b[pid].rate for pid in common]
    difference, ratio_interval = paired_bootstrap(ra, rb, resamples=resamples, seed=seed)
    base_rate, other_rate = sum(ra) / len(ra), sum(rb) / len(rb)
    return Comparison(base=base, other=other, problems=common, base_rate=base_rate, other_rate=other_rate,
                      difference=difference, ratio=other_rate / base_rate if base_rate else None,
                      ratio_interval=ratio_interval,
                      gained=[pid for pid in common if b[pid].passed and not a[pid].passed],
                      lost=[pid for pid in common if a[pid].passed and not b[pid].passed])
