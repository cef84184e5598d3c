"""A solve run as the TUI shows it: the loop's event stream folded into one plain, testable state.

The app's widgets only draw a `Session`; every event goes through `Session.apply`, which says
which panes changed, so a widget redraws only when it must. Nothing here knows Textual,
so the folding is tested without a terminal (Harlequin's split of results from widgets).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from dcode.loops.events import (CandidateChecked, Event, Finished, PhaseChanged, PromptSent, SampleDone, Started,
                                TestChecked, TokenStreamed)

Pane = Literal["status", "candidates", "tests", "stream"]


@dataclass
class TestRow:
    test: str
    verdict: str
    time_s: float
    message: str = ""
    input: str = ""
    expected: str = ""
    actual: str = ""
    position: int = -1


@dataclass
class CandidateRow:
    """A candidate from its first test's verdict on; `verdict` is None while its tests still run."""

    index: int
    tests: list[TestRow] = field(default_factory=list)
    code: str = ""
    origin: str = "sample"
    verdict: str | None = None
    passed: int = 0
    total: int = 0
    parent: int | None = None
    duplicate_of: int | None = None

    @property
    def badge(self) -> str:
        """"3/3 passed", "1/3 wrong_answer", or "checking 2" while the tests land."""
        if self.verdict is None:
            return f"checking {len(self.tests)}"
        if self.duplicate_of is not None:
            return f"same as {self.duplicate_of}"
        return f"{self.passed}/{self.total} {self.verdict}"


def split_thinking(text: str) -> tuple[str, str]:
    """(thinking, answer) of a DeepCoder-style sample: what is inside `<think>…</think>`, and the rest.
    An unclosed `<think>` is all thinking so far (the stream is still inside it)."""
    start = text.find("<think>")
    if start < 0:
        return "", text
    end = text.find("</think>", start)
    if end < 0:
        return text[start + len("<think>"):], text[:start]
    return text[start + len("<think>"):end], text[:start] + text[end + len("</think>"):]


@dataclass
class Session:
    title: str = ""
    phase: str = ""
    detail: str = ""
    budget: dict = field(default_factory=dict)
    candidates: dict[int, CandidateRow] = field(default_factory=dict)
    stream: dict[int, str] = field(default_factory=dict)  # sample -> text, of the engine call in progress
    call: int | None = None
    purpose: str = ""  # of the call in progress: "solve", "fix", or "tests" (inputs for ranking, not programs)
    samples: int = 0  # programs generated, as the budget counts them
    tokens: int = 0
    tokens_per_s: float = 0.0
    finished: Finished | None = None
    # A run numbers its candidates from 1; the rows keep one numbering across runs (a fix adds rows,
    # a re-check updates them). `given` maps a run's ids onto existing rows; the others get new ones.
    given: dict[int, int] = field(default_factory=dict)
    _mapped: dict[int, int] = field(default_factory=dict)
    _renewed: set[int] = field(default_factory=set)

    def begin(self, given: dict[int, int] | None = None, *, keep: bool = True) -> None:
        """A new run starts: its stream, phase, budget and result are its own; the rows stay when `keep`."""
        if not keep:
            self.candidates = {}
        self.phase = self.detail = ""
        self.stream, self.call, self.samples, self.tokens, self.finished = {}, None, 0, 0, None
        self.given, self._mapped, self._renewed = dict(given or {}), {}, set()

    def row_for(self, run_id: int | None) -> int | None:
        """The row a run's candidate id stands for (a new row the first time an unmapped id is seen)."""
        if run_id is None:
            return None
        if run_id not in self._mapped:
            self._mapped[run_id] = self.given.get(run_id) or max(
                [*self.candidates, *self._mapped.values(), 0]) + 1
        return self._mapped[run_id]

    def _row(self, run_id: int) -> CandidateRow:
        index = self.row_for(run_id)
        assert index is not None
        row = self.candidates.setdefault(index, CandidateRow(index))
        if index not in self._renewed:  # checked again in this run: its old verdicts go
            self._renewed.add(index)
            row.tests, row.verdict = [], None
        return row

    def apply(self, event: Event) -> set[Pane]:
        """Fold one event in; the panes it changed."""
        if isinstance(event, Started):
            self.title, self.budget = event.title, dict(event.budget)
            return {"status"}
        if isinstance(event, PhaseChanged):
            self.phase, self.detail = event.phase, event.detail
            return {"status"}
        if isinstance(event, PromptSent):
            self.call, self.purpose, self.stream = event.call, event.purpose, {}
            return {"stream"}
        if isinstance(event, TokenStreamed):
            if event.call == self.call:
                self.stream[event.sample] = self.stream.get(event.sample, "") + event.text
            self.tokens_per_s = event.tokens_per_s
            return {"stream", "status"}
        if isinstance(event, SampleDone):
            self.samples += self.purpose != "tests"
            self.tokens += event.completion_tokens
            if event.call == self.call:
                self.stream[event.sample] = (f"<think>{event.reasoning}</think>" if event.reasoning else "") + event.text
            return {"stream", "status"}
        if isinstance(event, TestChecked):
            if event.which != "visible":
                return set()  # generated inputs judge nothing alone: they are not the user's tests
            row = self._row(event.candidate)
            row.tests.append(TestRow(event.test, event.verdict, event.time_s, event.message, event.input,
                                     event.expected, event.actual, event.position))
            row.tests.sort(key=lambda t: t.position)  # in the problem's order, whatever order they land in
            return {"candidates", "tests"}
        if isinstance(event, CandidateChecked):
            fresh = event.candidate not in self._mapped and event.candidate not in self.given
            row = self._row(event.candidate)
            row.code, row.verdict, row.passed, row.total = event.code, event.verdict, event.passed, event.total
            if event.origin != "given" or fresh:
                row.origin = event.origin
                row.parent, row.duplicate_of = self.row_for(event.parent), self.row_for(event.duplicate_of)
            return {"candidates", "tests"}
        if isinstance(event, Finished):
            self.finished = replace(event, candidate=self.row_for(event.candidate))
            return {"status", "candidates"}
        return set()

    def rows(self) -> list[CandidateRow]:
        """The candidates in the order they were made (their tests may land in another order)."""
        return [self.candidates[i] for i in sorted(self.candidates)]

    def before(self, row: CandidateRow) -> CandidateRow | None:
        """What a candidate is best compared with: the one it was fixed from, else the one made just before."""
        if row.parent is not None and row.parent in self.candidates:
            return self.candidates[row.parent]
        earlier = [i for i in self.candidates if i < row.index and self.candidates[i].code]
        return self.candidates[max(earlier)] if earlier else None

    def budget_left(self) -> str:
        """What is left of the samples and tokens the run may spend, e.g. "5 of 8 samples left"."""
        parts = []
        if (samples := self.budget.get("samples")) is not None:
            parts.append(f"{max(0, samples - self.samples)} of {samples} samples left")
        if (tokens := self.budget.get("max_tokens")) is not None:
            parts.append(f"{max(0, tokens - self.tokens)} of {tokens} tokens left")
        return ", ".join(parts)
