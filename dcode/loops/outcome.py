"""What a solve is given and what it gives back: its budget, its options, its result and final status."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dcode.config import Settings
from dcode.engines.base import Sampling
from dcode.loops import agreement
from dcode.loops.candidates import Candidate
from dcode.loops.events import Event
from dcode.loops.prompts import PromptStyle
from dcode.sandbox.verdict import CheckResult, Limits

Status = Literal["passed", "failed", "unverified", "no_candidate"]
StopReason = Literal["passed", "agreed", "samples", "tokens", "time", "cancelled"]


@dataclass(frozen=True)
class Budget:
    """Whichever runs out first ends the loop."""

    samples: int = 8  # programs generated, fresh and fixed together
    # Fix rounds in a row before fresh samples again; 0 resamples only. None: 1 for chat models, 0 for
    # base models, for which fixing gained nothing over resampling (bench/RESULTS.md, gemma-3-270m).
    rounds: int | None = None
    max_tokens: int | None = None  # generated tokens, all calls together
    time_s: float | None = None  # wall clock
    batch: int = 4  # samples per engine call


@dataclass(frozen=True)
class SolveOptions:
    # Per sample; `n` and `stop` are the loop's to set. `max_tokens` is tokens per sample.
    sampling: Sampling = Sampling(max_tokens=1024)
    prompt_style: Literal["auto", "chat", "complete"] = "auto"
    min_tests: int = 3  # with fewer visible tests, rank by agreement on generated inputs
    probe_inputs: int = 8  # inputs to ask for when ranking by agreement
    quorum: int = 3  # candidates that must agree before an agreement-ranked loop stops early
    limits: Limits | None = None
    request: str = ""  # what the user asks for beyond the statement ("use O(n log n)"), in every prompt

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> SolveOptions:
        """The sampling the user configured (max_tokens per sample, temperature, top-p, seed)."""
        from dcode.engines.loader import sampling_for

        return cls(**{"sampling": sampling_for(settings), **overrides})


@dataclass
class SolveResult:
    """What a solve produced: the chosen program, how it fared, and what it cost."""

    code: str | None
    status: Status
    stop_reason: StopReason
    prompt_style: PromptStyle
    visible: CheckResult | None
    hidden: CheckResult | None
    candidates: list[Candidate]
    chosen: int | None
    samples: int
    prompt_tokens: int
    completion_tokens: int
    time_s: float
    events: list[Event] = field(default_factory=list)
    probes: int = 0  # generated inputs the candidates ran on, for agreement

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def hidden_failures(self) -> list[tuple[int, str]]:
        """Each failed hidden test as (its number, from 1, and its verdict): never its contents."""
        if self.hidden is None:
            return []
        return [(i, str(r.verdict)) for i, r in enumerate(self.hidden.results, 1) if not r.passed]

    @property
    def basis(self) -> str:
        """Why an unverified program was chosen, in plain words; agreement is claimed only where it was."""
        if self.probes == 0:
            return "no tests to check against, and no generated inputs to compare candidates on"
        inputs = f"{self.probes} generated input{'s' if self.probes != 1 else ''}"
        ran = agreement.compared(self.candidates)
        if ran < 2:
            return f"no tests to check against; fewer than two programs gave outputs on {inputs} to compare"
        chosen = next((c for c in self.candidates if c.id == self.chosen), None)
        if chosen is None or chosen.agreement < 2:
            return f"no tests to check against; no two of {ran} programs agreed on {inputs}"
        return (f"no tests to check against; chosen because {chosen.agreement} of {ran} programs "
                f"agreed on {inputs}")

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def hidden_passed(self) -> bool | None:
        return None if self.hidden is None else self.hidden.passed

    def summary(self) -> dict:
        """A JSON-ready summary (the CLI's --json): verdicts, counts, cost; no tests' contents."""
        def check_dict(check: CheckResult | None) -> dict | None:
            if check is None:
                return None
            return {"passed": check.passed, "verdict": str(check.verdict), "n_passed": check.n_passed,
                    "total": len(check.results),
                    "tests": [{"name": r.test.name, "verdict": str(r.verdict), "time_s": round(r.time_s, 4)}
                              for r in check.results]}
        return {
            "passed": self.passed, "status": self.status, "stop_reason": self.stop_reason,
            "prompt_style": self.prompt_style, "code": self.code, "chosen": self.chosen,
            "visible": check_dict(self.visible), "hidden": check_dict(self.hidden),
            "samples": self.samples, "distinct": sum(1 for c in self.candidates if c.code and not c.duplicate_of),
            "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
            "time_s": round(self.time_s, 3),
            "candidates": [{"id": c.id, "origin": c.origin, "parent": c.parent, "duplicate_of": c.duplicate_of,
                            "verdict": str(c.verdict), "n_passed": c.n_passed, "total": c.n_tests,
                            "agreement": c.agreement} for c in self.candidates],
        }


def final_status(best: Candidate | None, has_visible: bool, hidden: CheckResult | None) -> Status:
    """The verdict a user reports: visible tests choose the program, hidden tests, when there are any, decide.

    A program that passed every visible test but fails a hidden one has failed; with no
    visible tests, passing every hidden test is a pass, and with no tests at all it is unverified.
    """
    if best is None:
        return "no_candidate"
    if hidden is not None and not hidden.passed:  # failed, or could not be run: either way not shown passing
        return "failed"
    if has_visible:
        return "passed" if best.passed else "failed"
    return "passed" if hidden is not None and hidden.passed else "unverified"
