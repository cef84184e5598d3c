"""`dcode tui`: watch a solve run and steer it from the terminal.

Every piece of work (solve, fix, a request, a re-check) runs in one Textual thread worker;
its loop events are posted back as messages, folded into a `Session`, and only the panes
they changed redraw, so the interface never waits on the model or the sandbox. Stop (Esc)
sets the loop's Cancel, which stops generation at once (the engine checks it between tokens).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Callable, TypeVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, ListView, Markdown, ProgressBar, Static, TabbedContent, TabPane, \
    TextArea

from dcode.engines.base import Cancel, Engine
from dcode.errors import BadInput
from dcode.loops import Budget, SolveOptions, solve
from dcode.loops.events import Event, OnEvent
from dcode.loops.revise import recheck, revise
from dcode.problem.types import Problem
from dcode.tui.accept import write_new_file
from dcode.tui.diff import DiffView
from dcode.tui.panes import Panes, problem_markdown, statement_markdown
from dcode.tui.screens import AskScreen, EditScreen, ModelScreen, PickerScreen
from dcode.tui.session import CandidateRow, Session
from dcode.tui.state import ProblemState

EngineFactory = Callable[[str], Engine]  # a model name -> its engine (called in the worker thread)
Job = Callable[[Engine, Cancel, OnEvent], object]
W = TypeVar("W", bound=Widget)


class Arrived(Message):
    """One loop event, posted from the worker thread (posting is thread-safe and never waits for a redraw)."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class RunEnded(Message):
    """The worker is done (posted after its last event, so it is handled after them)."""


# (action, palette title, what it does): the keys in the footer and the palette's commands are the same actions.
COMMANDS = [
    ("run", "Run", "Solve the problem from scratch"),
    ("stop", "Stop", "Stop the model and the sandbox now"),
    ("fix", "Fix this candidate", "Show the model this candidate's failures and take its rewrites"),
    ("tell", "Tell the model what to change", "A request such as 'use O(n log n)' for this candidate"),
    ("add_test", "Add a test case", "A call and its answer, or an input and its output"),
    ("recheck", "Re-run tests", "Check every candidate again on the tests as they are now"),
    ("accept", "Accept", "Write this candidate's code to a new file you name"),
    ("copy", "Copy", "Copy this candidate's code to the clipboard"),
    ("switch_model", "Switch model", "Use another installed model from the next run on"),
    ("open", "Open a problem", "Choose a problem file"),
    ("edit", "Edit the problem", "Change the statement or its tests (in memory; the file is not written)"),
    ("toggle_thinking", "Show or hide thinking", "The model's <think> text in the Stream tab"),
]


class SolveApp(App):
    """One problem, its candidates as they are checked, and the model's stream."""

    TITLE = "dcode"
    CSS = """
    #candidates { width: 26; border-right: solid $panel; }
    #statusbar { height: 1; background: $panel; }
    #status { width: 1fr; padding: 0 1; }
    #progress { width: 24; }
    #progress Bar { width: 16; }
    TextArea { height: 1fr; }
    """
    BINDINGS = [
        Binding("r", "run", "Run"),
        Binding("escape", "stop", "Stop"),
        Binding("f", "fix", "Fix"),
        Binding("p", "tell", "Prompt"),
        Binding("n", "add_test", "Test"),
        Binding("R", "recheck", "Re-run"),
        Binding("a", "accept", "Accept"),
        Binding("c", "copy", "Copy", show=False),
        Binding("m", "switch_model", "Model"),
        Binding("o", "open", "Open", show=False),
        Binding("e", "edit", "Edit", show=False),
        Binding("t", "toggle_thinking", "Thinking", show=False),
        Binding("q", "quit", "Quit", show=False),  # the footer fits 80 columns; the palette lists all keys
        *[Binding(str(i), f"show_tab('{tab}')", tab.title(), show=False)
          for i, tab in enumerate(("problem", "code", "diff", "tests", "stream"), start=1)],
    ]

    def __init__(self, problem: Problem | None, engine: EngineFactory, *, budget: Budget = Budget(),
                 options: SolveOptions = SolveOptions(), model: str = "", models: Sequence[str] = (),
                 root: Path | None = None) -> None:
        super().__init__()
        self.state = ProblemState(problem)
        self.engine_factory, self.budget, self.options, self.model = engine, budget, options, model
        self.models = list(models) or ([model] if model else [])
        self.root = root or Path.cwd()
        self.session = Session()
        self.cancel: Cancel | None = None
        self._engine: Engine | None = None
        self._engine_model = ""
        self.panes = Panes(self)

    @property
    def problem(self) -> Problem | None:
        return self.state.problem

    def main(self, selector: str, kind: type[W] = Widget) -> W:  # type: ignore[assignment]
        """A widget of the main screen, also while a dialog is open over it (events keep landing then)."""
        return self.screen_stack[0].query_one(selector, kind)

    @property
    def backend(self) -> str:
        """The engine in use ("llama.cpp", "openai", ...) once a model is loaded."""
        return self._engine.info.backend if self._engine is not None else ""

    # --- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal():
            yield ListView(id="candidates")
            with TabbedContent(initial="problem", id="tabs"):
                with TabPane("Problem", id="problem"):
                    yield Markdown(problem_markdown(self.state), id="statement")
                with TabPane("Code", id="code"):
                    yield TextArea.code_editor("", language="python", theme="css", read_only=True, id="code-view")
                with TabPane("Diff", id="diff"):
                    with VerticalScroll():
                        yield DiffView("", id="diff-view")
                with TabPane("Tests", id="tests"):
                    yield DataTable(id="tests-table", cursor_type="row")
                with TabPane("Stream", id="stream"):
                    yield TextArea("", read_only=True, id="stream-view")
        with Horizontal(id="statusbar"):
            yield Static("", id="status")
            yield ProgressBar(show_eta=False, id="progress")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.main("#tests-table", DataTable).add_columns("verdict", "input", "expected", "actual", "time", "test")  # narrow screens see the first
        self.panes.draw({"status"})
        if self.problem is None:
            self.action_open()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every action the keys do, then Textual's own (theme, keys, quit)."""
        for action, title, help_text in COMMANDS:
            yield SystemCommand(title, help_text, lambda a=action: self.run_action(a))
        for name in self.models:
            yield SystemCommand(f"Use model {name}", "From the next run on", lambda n=name: self.use_model(n),
                                discover=False)
        yield from super().get_system_commands(screen)

    # --- the work ------------------------------------------------------------------------
    def start(self, what: str, job: Job, *, given: dict[int, int] | None = None, keep: bool = True,
              engine: bool = True) -> None:
        """Run one job in the worker; refused while another runs (Esc stops it) or without a problem."""
        if self.cancel is not None:
            self.notify("dcode: a run is already going; Esc stops it", severity="warning")
            return
        if self.problem is None:
            self.notify("dcode: open a problem first (o)", severity="warning")
            return
        self.session.begin(given, keep=keep)
        if not keep:
            self.panes.clear_candidates()
        self.cancel = Cancel()
        self.panes.phase(what)
        self._work(job, self.cancel, engine)

    @work(thread=True, exclusive=True, group="loop")
    def _work(self, job: Job, cancel: Cancel, needs_engine: bool) -> None:
        try:
            engine = self._loaded() if needs_engine else None
            # Events are posted, not awaited: the loop never waits for the screen to redraw.
            job(engine, cancel, lambda e: self.post_message(Arrived(e)))  # type: ignore[arg-type]
        except (BadInput, OSError, RuntimeError, ValueError) as e:
            self.call_from_thread(self.notify, f"dcode: {e}", severity="error", timeout=10)
        finally:
            self.post_message(RunEnded())

    def _loaded(self) -> Engine:
        """The engine of the chosen model, loaded once (in the worker: loading takes seconds); the factory
        frees the last one when the model changes."""
        if self._engine is None or self._engine_model != self.model:
            self._engine = None
            self.call_from_thread(self.panes.phase, f"loading {self.model or 'the model'}")
            self._engine, self._engine_model = self.engine_factory(self.model), self.model
        return self._engine

    def on_run_ended(self, _message: RunEnded) -> None:
        self.cancel = None
        self.panes.draw({"status", "candidates"})

    def on_arrived(self, message: Arrived) -> None:
        self.panes.draw(self.session.apply(message.event))

    def on_list_view_highlighted(self, _event: ListView.Highlighted) -> None:
        self.panes.draw({"tests"})

    # --- actions -------------------------------------------------------------------------
    def selected(self) -> CandidateRow | None:
        view = self.main("#candidates", ListView)
        rows = self.session.rows()
        if view.index is None or not rows:
            return None
        return rows[min(view.index, len(rows) - 1)]

    def _selected_code(self, doing: str) -> CandidateRow | None:
        row = self.selected()
        if row is None or not row.code:
            self.notify(f"dcode: no candidate to {doing} yet", severity="warning")
            return None
        return row

    def action_run(self, request: str = "") -> None:
        problem, budget, options = self.problem, self.budget, replace(self.options, request=request)
        self.start("starting", lambda engine, cancel, on_event: solve(
            problem, engine, budget, options, on_event=on_event, cancel=cancel), keep=False)  # type: ignore[arg-type]

    def action_stop(self) -> None:
        if self.cancel is not None:
            self.cancel.set()
            self.notify("dcode: stopping")

    def action_fix(self, request: str = "") -> None:
        if (row := self._selected_code("fix")) is None:
            return
        problem, budget, options, code = self.problem, self.budget, self.options, row.code
        self.start(f"fixing #{row.index}", lambda engine, cancel, on_event: revise(
            problem, engine, code, budget, options, request=request, on_event=on_event, cancel=cancel),  # type: ignore[arg-type]
            given={1: row.index})

    def action_tell(self) -> None:
        row = self.selected()
        target = f"candidate #{row.index}" if row is not None and row.code else "the next run"

        def told(answer: list[str] | None) -> None:
            if answer and answer[0].strip():
                (self.action_fix if row is not None and row.code else self.action_run)(answer[0].strip())

        self.push_screen(AskScreen(f"Tell the model what to change in {target}:",
                                   [("e.g. use O(n log n)", "")]), told)

    def action_add_test(self) -> None:
        if self.problem is None:
            self.notify("dcode: open a problem first (o)", severity="warning")
            return
        if self.problem.style == "stdin":
            fields = [("input (\\n between lines)", ""), ("expected output", "")]
        else:
            fields = [(f"e.g. {self.problem.function_name or 'f'}(2, 3) == 5", "")]

        def added(answer: list[str] | None) -> None:
            if not answer:
                return
            try:
                test = self.state.add_test(*answer)
            except BadInput as e:
                self.notify(f"dcode: {e}", severity="error")
                return
            self.panes.problem_changed()
            self.notify(f"dcode: added the test {test.name}")
            if self.session.candidates:
                self.action_recheck()

        self.push_screen(AskScreen("Add a test case:", fields), added)

    def action_recheck(self) -> None:
        rows = [r for r in self.session.rows() if r.code]
        if not rows:
            self.notify("dcode: no candidates to check yet", severity="warning")
            return
        problem, options, codes = self.problem, self.options, [r.code for r in rows]
        self.start("checking again", lambda _engine, cancel, on_event: recheck(
            problem, codes, on_event=on_event, options=options, cancel=cancel),  # type: ignore[arg-type]
            given={i: r.index for i, r in enumerate(rows, start=1)}, engine=False)

    def action_accept(self) -> None:
        if (row := self._selected_code("accept")) is None:
            return
        source = self.problem.source if self.problem is not None else None
        suggested = source.with_name(f"{source.stem}_solution.py") if source is not None else Path("solution.py")

        def chosen(answer: list[str] | None) -> None:
            if answer and answer[0].strip():
                message = write_new_file(Path(answer[0].strip()), row.code)
                self.notify(message, severity="information" if message.startswith("dcode: wrote") else "warning")

        self.push_screen(AskScreen("Write the candidate's code to (a new file):", [("path", str(suggested))]), chosen)

    def action_copy(self) -> None:
        if (row := self._selected_code("copy")) is None:
            return
        self.copy_to_clipboard(row.code)  # OSC 52: works over SSH in terminals that allow it
        self.notify(f"dcode: candidate #{row.index} copied")

    def action_switch_model(self) -> None:
        if not self.models:
            self.notify("dcode: no installed models; run `dcode models pull NAME`", severity="warning")
            return
        self.push_screen(ModelScreen(self.models, self.model), lambda name: name and self.use_model(name))

    def use_model(self, name: str) -> None:
        if name != self.model:
            self.model = name
            self.notify(f"dcode: {name} from the next run on")
            self.panes.draw({"status"})

    def action_open(self) -> None:
        def opened(path: Path | None) -> None:
            if path is None:
                return
            try:
                self.state.open(path)
            except BadInput as e:
                self.notify(f"dcode: {e}", severity="error", timeout=10)
                return
            self.session.begin(keep=False)
            self.panes.clear_candidates()
            self.panes.problem_changed()

        if self.cancel is not None:
            self.notify("dcode: a run is going; Esc stops it first", severity="warning")
            return
        self.push_screen(PickerScreen(self.root), opened)

    def action_edit(self) -> None:
        if self.problem is None:
            self.action_open()
            return

        def edited(text: str | None) -> None:
            if text is not None and text != self.state.text:
                self.state.apply_edit(text)
                self.panes.problem_changed()
                self.notify("dcode: the problem changed (in memory; the file is not written)")

        language = "python" if self.state.is_stub else "markdown"
        self.push_screen(EditScreen(self.state.text, language, self.state.error_in), edited)

    def action_toggle_thinking(self) -> None:
        self.panes.show_thinking = not self.panes.show_thinking
        self.panes.draw({"stream"})

    def action_show_tab(self, tab: str) -> None:
        self.main("#tabs", TabbedContent).active = tab


def run_tui(problem_path: Path | None, engine: EngineFactory, *, budget: Budget = Budget(),
            options: SolveOptions = SolveOptions(), model: str = "", models: Sequence[str] = ()) -> None:
    """Load the problem (bad input raises BadInput before the screen opens) and run the app; without
    a problem the app opens on its file picker."""
    from dcode.problem import load_problem

    problem = load_problem(problem_path) if problem_path is not None else None
    SolveApp(problem, engine, budget=budget, options=options, model=model, models=models).run()


__all__ = ["SolveApp", "run_tui", "statement_markdown"]
