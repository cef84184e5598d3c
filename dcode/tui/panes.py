"""Drawing the app's panes from its Session: only the panes an event changed, the stream at most 10 times a second."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.widgets import DataTable, Label, ListItem, ListView, Markdown, ProgressBar, Static, TextArea

from dcode.problem.types import AssertTest, CallTest, IOTest, Problem, TestCase
from dcode.tui.diff import DiffView
from dcode.tui.session import Pane, split_thinking
from dcode.tui.state import ProblemState

if TYPE_CHECKING:
    from dcode.tui.app import SolveApp

STREAM_REDRAW_S = 0.1  # a model streams faster than a person reads
MARKS = {"passed": "✓", None: "…"}


def statement_markdown(problem: Problem) -> str:
    """A Markdown problem as it is; a Python stub as a code block (its docstring's examples keep their lines)."""
    stub = problem.source is None and problem.style == "function" and problem.statement.lstrip().startswith("def ")
    if stub or (problem.source is not None and problem.source.suffix == ".py"):
        return f"```python\n{problem.statement.rstrip()}\n```"
    return problem.statement


def _test_line(test: TestCase) -> str:
    if isinstance(test, CallTest):
        return f"`{test.fn}({', '.join(repr(a) for a in test.args)}) == {test.expected!r}`"
    if isinstance(test, IOTest):
        return f"input `{test.input.strip()!r}` → `{test.output.strip()!r}`"
    if isinstance(test, AssertTest):
        return f"`{test.source.strip()}`"
    return f"`{test.name}`"


def problem_markdown(state: ProblemState) -> str:
    if state.problem is None:
        return "No problem yet: press **o** to open one (a `.md` problem or a `.py` stub)."
    text = statement_markdown(state.problem)
    if state.added:
        text += "\n\n**Tests you added**\n\n" + "\n".join(f"- {_test_line(t)}" for t in state.added)
    return text


class Panes:
    """The app's widgets as one drawing surface; the app calls `draw(panes)` after each event."""

    def __init__(self, app: SolveApp) -> None:
        self.app = app
        self.show_thinking = False
        self._labels: list[Label] = []  # one per candidate row, kept: a just-appended item has no children yet
        self._stream_drawn = 0.0
        self._stream_pending = False

    def draw(self, panes: set[Pane]) -> None:
        if "candidates" in panes:
            self._candidates()
        if "tests" in panes or "candidates" in panes:
            self._selected()
        if "stream" in panes:
            self._stream()
        if "status" in panes:
            self.app.main("#status", Static).update(self.status_line())
            self._progress()

    def phase(self, text: str) -> None:
        self.app.main("#status", Static).update(f"dcode {self.app.model} · {text}")

    def clear_candidates(self) -> None:
        self.app.main("#candidates", ListView).clear()
        self._labels = []
        self.app.main("#code-view", TextArea).load_text("")
        self.app.main("#diff-view", DiffView).update("")
        self.app.main("#tests-table", DataTable).clear()

    def problem_changed(self) -> None:
        self.app.main("#statement", Markdown).update(problem_markdown(self.app.state))
        self.draw({"status"})

    def _candidates(self) -> None:
        view = self.app.main("#candidates", ListView)
        rows = self.app.session.rows()
        for i, row in enumerate(rows):
            origin = f" ← #{row.parent}" if row.parent is not None else ""
            text = f"#{row.index} {MARKS.get(row.verdict, '✗')} {row.badge}{origin}"
            if i < len(self._labels):
                self._labels[i].update(text)
            else:
                self._labels.append(label := Label(text))
                view.append(ListItem(label))
        if view.index is None and rows:
            view.index = 0

    def _selected(self) -> None:
        row = self.app.selected()
        table = self.app.main("#tests-table", DataTable)
        table.clear()
        if row is None:
            return
        code = self.app.main("#code-view", TextArea)
        if code.text != row.code:
            code.load_text(row.code)
        before = self.app.session.before(row)
        self.app.main("#diff-view", DiffView).show(before.code if before else None, row.code,
                                                        f"#{before.index}" if before else "", f"#{row.index}")
        for t in row.tests:
            table.add_row(f"{MARKS.get(t.verdict, '✗')} {t.verdict}", t.input[:30], t.expected[:20], t.actual[:20], f"{t.time_s * 1000:.0f} ms",
                          t.test)

    def _stream(self, *, timer: bool = False) -> None:
        if timer:
            self._stream_pending = False
        elif time.monotonic() - self._stream_drawn < STREAM_REDRAW_S:
            if not self._stream_pending:
                self._stream_pending = True
                self.app.set_timer(STREAM_REDRAW_S, lambda: self._stream(timer=True))
            return
        self._stream_drawn = time.monotonic()
        parts = [split_thinking(t) for t in self.app.session.stream.values()]
        thinking, text = [p[0] for p in parts], "\n\n".join(p[1] for p in parts)
        if self.show_thinking and any(thinking):
            text = "\n\n".join(f"<think>\n{t}\n</think>" for t in thinking) + "\n\n" + text
        elif any(thinking):
            text = f"({sum(len(t) for t in thinking)} characters of thinking: t shows them)\n\n" + text
        self.app.main("#stream-view", TextArea).load_text(text)

    def _progress(self) -> None:
        bar = self.app.main("#progress", ProgressBar)
        samples = self.app.session.budget.get("samples")
        bar.display = self.app.cancel is not None and bool(samples)
        if samples:
            bar.update(total=samples, progress=min(self.app.session.samples, samples))

    def status_line(self) -> str:
        app, s = self.app, self.app.session
        parts = [f"dcode {app.model}".strip()]
        if app.backend:
            parts.append(app.backend)
        if s.finished is not None:
            f = s.finished
            outcome = "passed" if f.passed else "stopped" if f.stop_reason == "cancelled" else f.status
            parts.append(f"{outcome} after {f.samples} samples")
        elif app.cancel is not None:
            parts.append(s.phase or "starting")
        elif app.problem is None:
            parts.append("o to open a problem")
        else:
            parts.append("r to run")
        if s.tokens_per_s:
            parts.append(f"{s.tokens_per_s:.0f} tok/s")
        if s.finished is None and (left := s.budget_left()):  # once finished, "after N samples" says it
            parts.append(left)
        return " · ".join(parts)
