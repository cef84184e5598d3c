"""From a run's rows to its numbers: pass@k, per-problem counts, tokens per solved problem, time per problem.

A (problem, sample) pair counts once, whatever the file holds: the first row written for
it wins, so two rows for one sample (a file appended to twice by hand) never count twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dcode.eval.passk import mean_pass_at_k
from dcode.eval.runfile import RunConfig, config_of


@dataclass(frozen=True)
class ProblemStats:
    problem: str
    n: int
    passed: int
    tokens: int  # generated tokens, all samples together
    model_samples: int
    time_s: float

    @property
    def rate(self) -> float:
        return self.passed / self.n if self.n else 0.0


@dataclass
class RunSummary:
    config: RunConfig
    problems: list[ProblemStats]
    pass_at_k: dict[int, float]
    ks_skipped: list[int] = field(default_factory=list)  # asked for, but some problem has fewer samples
    command: str = ""

    @property
    def samples(self) -> int:
        return sum(p.n for p in self.problems)

    @property
    def passed(self) -> int:
        return sum(p.passed for p in self.problems)

    @property
    def solved(self) -> int:
        """Problems with at least one passing sample."""
        return sum(p.passed > 0 for p in self.problems)

    @property
    def tokens(self) -> int:
        return sum(p.tokens for p in self.problems)

    @property
    def model_samples(self) -> int:
        return sum(p.model_samples for p in self.problems)

    @property
    def tokens_per_solved(self) -> float | None:
        """Generated tokens spent per problem solved (every problem's tokens, over the problems solved)."""
        return self.tokens / self.solved if self.solved else None

    @property
    def time_per_problem_s(self) -> float:
        return sum(p.time_s for p in self.problems) / len(self.problems) if self.problems else 0.0

    def as_json(self) -> dict:
        return {
            "config": self.config.__dict__ | {"id": self.config.id}, "budget": self.config.budget,
            "command": self.command, "problems": len(self.problems), "samples": self.samples,
            "passed": self.passed, "solved": self.solved,
            "pass_at_k": {str(k): round(v, 6) for k, v in self.pass_at_k.items()},
            "ks_skipped": self.ks_skipped, "completion_tokens": self.tokens, "model_samples": self.model_samples,
            "tokens_per_solved": None if self.tokens_per_solved is None else round(self.tokens_per_solved, 1),
            "time_per_problem_s": round(self.time_per_problem_s, 3),
            "per_problem": [{"problem": p.problem, "n": p.n, "passed": p.passed, "tokens": p.tokens,
                             "time_s": round(p.time_s, 3)} for p in self.problems],
        }


def unique_rows(rows: list[dict]) -> list[dict]:
    seen: set[tuple[str, int]] = set()
    out = []
    for row in rows:
        key = (row["problem"], row["sample"])
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def summarize(rows: list[dict], ks: tuple[int, ...] = (1,), *, config: RunConfig | None = None) -> RunSummary:
    """The summary of one configuration's rows (the first row's configuration when none is given)."""
    rows = unique_rows(rows)
    if config is None:
        if not rows:
            raise ValueError("no rows to summarize")
        config = config_of(rows[0])
    by_problem: dict[str, list[dict]] = {}
    for row in rows:
        by_problem.setdefault(row["problem"], []).append(row)
    problems = [ProblemStats(problem=pid, n=len(rs), passed=sum(bool(r.get("passed")) for r in rs),
                             tokens=sum(int(r.get("completion_tokens") or 0) for r in rs),
                             model_samples=sum(int(r.get("model_samples") or 1) for r in rs),
                             time_s=sum(float(r.get("time_s") or 0.0) for r in rs))
                for pid, rs in by_problem.items()]
    fewest = min((p.n for p in problems), default=0)
    return RunSummary(config=config, problems=problems,
                      pass_at_k=mean_pass_at_k([(p.n, p.passed) for p in problems], ks),
                      ks_skipped=[k for k in ks if k > fewest],
                      command=next((r.get("command", "") for r in rows if r.get("command")), ""))
