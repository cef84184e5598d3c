"""`dcode tui`: watch a solve run and steer it from the terminal.

The loop runs in a Textual thread worker; its events come back to the app through
`call_from_thread`, are folded into a `Session`, and only the panes they changed redraw,
so the interface never waits on the model or the sandbox. Stop (Esc) sets the loop's
Cancel, which stops generation at once (the engine checks it between tokens).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Label, ListItem, ListView, Markdown, Static, TabbedContent, TabPane, \
    TextArea

from dcode.engines.base import Cancel, Engine
from dcode.errors import BadInput
from dcode.loops import Budget, SolveOptions, solve
from dcode.loops.events import Event
from dcode.problem.types import Problem
from dcode.tui.accept import AcceptScreen, write_new_file
from dcode.tui.session import CandidateRow, Pane, Session, split_thinking

EngineFactory = Callable[[], Engine]
STREAM_REDRAW_S = 0.1  # a model streams faster than a person reads; the stream pane redraws at most this often
MARKS = {"passed": "✓", None: "…"}


class Arrived(Message):
    """One loop event, posted from the worker thread (posting is thread-safe and never waits for a redraw)."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class RunEnded(Message):
    """The worker is done (posted after its last event, so it is handled after them)."""


class SolveApp(App):
    """One problem, its candidates as they are checked, and the model's stream."""

    TITLE = "dcode"
    CSS = """
    #candidates { width: 28; border-right: solid $panel; }
    #status { height: 1; background: $panel; padding: 0 1; }
    TextArea { height: 1fr; }
    """
    BINDINGS = [
        Binding("r", "run", "Run"),
        Binding("escape", "stop", "Stop"),
        Binding("t", "toggle_thinking", "Thinking"),
        Binding("a", "accept", "Accept"),
        Binding("c", "copy", "Copy"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, problem: Problem, engine: EngineFactory, *, budget: Budget = Budget(),
                 options: SolveOptions = SolveOptions(), model: str = "") -> None:
        super().__init__()
        self.problem, self.engine_factory, self.budget, self.options, self.model = problem, engine, budget, options, model
        self.session = Session()
        self.cancel: Cancel | None = None
        self.show_thinking = False
        self._engine: Engine | None = None
        self._stream_drawn = 0.0
        self._stream_pending = False
        self._labels: list[Label] = []  # one per candidate row, kept: a just-appended item has no children yet

    # --- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ListView(id="candidates")
            with TabbedContent(initial="problem"):
                with TabPane("Problem", id="problem"):
                    yield Markdown(statement_markdown(self.problem))
                with TabPane("Code", id="code"):
                    yield TextArea.code_editor("", language=None, read_only=True, id="code-view")
                with TabPane("Tests", id="tests"):
                    yield DataTable(id="tests-table", cursor_type="row")
                with TabPane("Stream", id="stream"):
                    yield TextArea("", read_only=True, id="stream-view")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tests-table", DataTable).add_columns("test", "verdict", "time", "message")
        self._draw({"status"})

    # --- actions -------------------------------------------------------------------------
    def action_run(self) -> None:
        if self.cancel is not None:
            self.notify("dcode: a run is already going; Esc stops it", severity="warning")
            return
        self.session = Session()
        self.query_one("#candidates", ListView).clear()
        self._labels = []
        self.cancel = Cancel()
        self._solve(self.cancel)

    def action_stop(self) -> None:
        if self.cancel is not None:
            self.cancel.set()
            self.notify("dcode: stopping")

    def action_toggle_thinking(self) -> None:
        self.show_thinking = not self.show_thinking
        self._draw({"stream"})

    def action_accept(self) -> None:
        row = self.selected()
        if row is None or not row.code:
            self.notify("dcode: no candidate to accept yet", severity="warning")
            return
        source = self.problem.source
        suggested = source.with_name(f"{source.stem}_solution.py") if source is not None else Path("solution.py")

        def chosen(path: Path | None) -> None:
            if path is not None:
                message = write_new_file(path, row.code)
                self.notify(message, severity="information" if message.startswith("dcode: wrote") else "warning")

        self.push_screen(AcceptScreen(suggested), chosen)

    def action_copy(self) -> None:
        row = self.selected()
        if row is None or not row.code:
            self.notify("dcode: no candidate to copy yet", severity="warning")
            return
        self.copy_to_clipboard(row.code)  # OSC 52: works over SSH in terminals that allow it
        self.notify(f"dcode: candidate #{row.index} copied")

    @work(thread=True, exclusive=True, group="solve")
    def _solve(self, cancel: Cancel) -> None:
        try:
            if self._engine is None:
                self.call_from_thread(self._phase, "loading the model")
                self._engine = self.engine_factory()
            # Events are posted, not awaited: the loop never waits for the screen to redraw.
            solve(self.problem, self._engine, self.budget, self.options,
                  on_event=lambda e: self.post_message(Arrived(e)), cancel=cancel)
        except (BadInput, OSError, RuntimeError, ValueError) as e:
            self.call_from_thread(self.notify, f"dcode: {e}", severity="error", timeout=10)
        finally:
            self.post_message(RunEnded())

    def _phase(self, text: str) -> None:
        self.query_one("#status", Static).update(f"dcode · {text}")

    def on_run_ended(self, _message: RunEnded) -> None:
        self.cancel = None
        self._draw({"status"})

    def on_arrived(self, message: Arrived) -> None:
        self._draw(self.session.apply(message.event))

    # --- drawing -------------------------------------------------------------------------
    def selected(self) -> CandidateRow | None:
        view = self.query_one("#candidates", ListView)
        if view.index is None or not self.session.candidates:
            return None
        rows = self.session.rows()
        return rows[min(view.index, len(rows) - 1)]

    def on_list_view_highlighted(self, _event: ListView.Highlighted) -> None:
        self._draw({"tests"})

    def _draw(self, panes: set[Pane]) -> None:
        if "candidates" in panes:
            self._draw_candidates()
        if "tests" in panes or "candidates" in panes:
            self._draw_selected()
        if "stream" in panes:
            self._draw_stream()
        if "status" in panes:
            self.query_one("#status", Static).update(self.status_line())

    def _draw_stream(self, *, timer: bool = False) -> None:
        if timer:
            self._stream_pending = False
        elif time.monotonic() - self._stream_drawn < STREAM_REDRAW_S:
            if not self._stream_pending:
                self._stream_pending = True
                self.set_timer(STREAM_REDRAW_S, lambda: self._draw_stream(timer=True))
            return
        self._stream_drawn = time.monotonic()
        parts = [split_thinking(t) for t in self.session.stream.values()]
        thinking, text = [p[0] for p in parts], "\n\n".join(p[1] for p in parts)
        if self.show_thinking and any(thinking):
            text = "\n\n".join(f"<think>\n{t}\n</think>" for t in thinking) + "\n\n" + text
        self.query_one("#stream-view", TextArea).load_text(text)

    def _draw_candidates(self) -> None:
        view = self.query_one("#candidates", ListView)
        rows = self.session.rows()
        for i, row in enumerate(rows):
            text = f"#{row.index} {MARKS.get(row.verdict, '✗')} {row.badge}"
            if i < len(self._labels):
                self._labels[i].update(text)
            else:
                self._labels.append(label := Label(text))
                view.append(ListItem(label))
        if view.index is None and rows:
            view.index = 0

    def _draw_selected(self) -> None:
        row = self.selected()
        table = self.query_one("#tests-table", DataTable)
        table.clear()
        if row is None:
            return
        self.query_one("#code-view", TextArea).load_text(row.code)
        for t in row.tests:
            table.add_row(t.test, t.verdict, f"{t.time_s * 1000:.0f} ms", t.message[:60])

    def status_line(self) -> str:
        s = self.session
        parts = [f"dcode {self.model}".strip()]
        if s.finished is not None:
            f = s.finished
            outcome = "passed" if f.passed else "stopped" if f.stop_reason == "cancelled" else f.status
            parts.append(f"{outcome} after {f.samples} samples")
        elif self.cancel is not None:
            parts.append(s.phase or "starting")
        else:
            parts.append("r to run")
        if s.tokens_per_s:
            parts.append(f"{s.tokens_per_s:.0f} tok/s")
        if left := s.budget_left():
            parts.append(left)
        return " · ".join(parts)


def statement_markdown(problem: Problem) -> str:
    """A Markdown problem as it is; a Python stub as a code block (its docstring's examples keep their lines)."""
    if problem.source is not None and problem.source.suffix == ".py":
        return f"```python\n{problem.statement.rstrip()}\n```"
    return problem.statement


def run_tui(problem_path: Path, engine: EngineFactory, *, budget: Budget = Budget(),
            options: SolveOptions = SolveOptions(), model: str = "") -> None:
    """Load the problem (bad input raises BadInput before the screen opens) and run the app."""
    from dcode.problem import load_problem

    SolveApp(load_problem(problem_path), engine, budget=budget, options=options, model=model).run()
