"""The typed events a loop emits while it works.

One stream feeds every face: the CLI's live display, the `--trace` JSONL file, a TUI or a
language server. Faces subscribe with a callback; none of them reaches into the loop.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Union

Phase = Literal["tests", "generate", "check", "fix", "rank", "final"]
Origin = Literal["sample", "fix", "given"]  # given: code the caller brought (revise, recheck)


@dataclass(frozen=True)
class Started:
    title: str
    style: str
    prompt_style: str  # "chat" or "complete"
    visible_tests: int
    hidden_tests: int
    budget: dict[str, Any]


@dataclass(frozen=True)
class PhaseChanged:
    phase: Phase
    detail: str = ""


@dataclass(frozen=True)
class PromptSent:
    """One engine call: `prompt` is the text for a completion, `messages` the turns for a chat."""

    call: int
    purpose: Literal["solve", "fix", "tests"]
    n: int
    max_tokens: int
    prompt: str = ""
    messages: tuple[dict[str, str], ...] = ()
    stop: tuple[str, ...] = ()
    seed: int | None = None


@dataclass(frozen=True)
class TokenStreamed:
    """A token arrived; not written to traces (there are too many), only shown live."""

    call: int
    sample: int
    tokens: int  # generated so far in this call, all samples together
    tokens_per_s: float
    text: str = ""  # the piece of text that arrived with this token


@dataclass(frozen=True)
class SampleDone:
    call: int
    sample: int
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    time_s: float
    reasoning: str = ""


@dataclass(frozen=True)
class CandidateChecked:
    """A candidate program and its verdict on the visible tests (never the hidden ones)."""

    candidate: int
    origin: Origin
    code: str
    verdict: str
    passed: int
    total: int
    time_s: float
    parent: int | None = None
    duplicate_of: int | None = None
    feedback: str = ""  # the short failure description a fix prompt would carry


@dataclass(frozen=True)
class TestChecked:
    """One test's verdict, as it lands (the candidate's CandidateChecked comes when all of them have)."""

    candidate: int
    which: Literal["visible", "probes"]
    test: str
    verdict: str
    time_s: float
    message: str = ""
    input: str = ""  # the call or stdin, as the tests table shows it
    expected: str = ""
    actual: str = ""
    position: int = -1  # of the test among the candidate's, so a table lists them in order as they land


@dataclass(frozen=True)
class InputsGenerated:
    """Inputs the model proposed for agreement ranking (CodeT); they judge nothing alone."""

    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Ranked:
    """Candidates in the order the loop trusts them, with the agreement score of each."""

    order: tuple[int, ...]
    agreement: tuple[int, ...]


@dataclass(frozen=True)
class Finished:
    passed: bool
    status: str
    stop_reason: str
    candidate: int | None
    samples: int
    tokens: int
    time_s: float
    hidden_verdict: str | None = None
    hidden_passed: int | None = None
    hidden_total: int | None = None
    error: str = ""  # the engine's or the sandbox's error when the solve ended on one (it is raised too)


Event = Union[Started, PhaseChanged, PromptSent, TokenStreamed, SampleDone, CandidateChecked, TestChecked,
              InputsGenerated,
              Ranked, Finished]
OnEvent = Callable[[Event], None]


def event_record(event: Event) -> dict[str, Any]:
    """A JSON-ready dict with the event's type name under "event"."""
    return {"event": type(event).__name__, **dataclasses.asdict(event)}


@dataclass
class EventLog:
    """Collects events in memory (the result's trace) and forwards them to subscribers."""

    subscribers: list[OnEvent] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        if not isinstance(event, TokenStreamed):
            self.events.append(event)
        for subscriber in self.subscribers:
            subscriber(event)
