"""From paths and settings to a solve: what the CLI, a TUI or an editor call with a file in hand."""
from __future__ import annotations

from pathlib import Path

from dcode.config import Settings
from dcode.engines.base import Cancel
from dcode.loops.events import OnEvent
from dcode.loops.solve import Budget, SolveOptions, SolveResult, solve
from dcode.loops.trace import TraceWriter
from dcode.models.progress import OnProgress


def solve_file(problem_path: Path, settings: Settings, budget: Budget, options: SolveOptions | None = None, *,
               hidden_tests: Path | None = None, trace_dir: Path | None = None, on_event: OnEvent | None = None,
               cancel: Cancel | None = None, on_progress: OnProgress | None = None) -> SolveResult:
    """Load the problem (and any extra hidden tests), load the engine, solve, and trace if asked.

    Files are read before the model is loaded, so a bad path fails in milliseconds.
    """
    from dcode.engines import load_engine
    from dcode.problem import load_problem, load_tests

    problem = load_problem(Path(problem_path))
    extra = load_tests(Path(hidden_tests), hidden=True) if hidden_tests is not None else []
    if options is None:
        options = SolveOptions.from_settings(settings)
    trace = TraceWriter(Path(trace_dir)) if trace_dir is not None else None
    subscribers = [s for s in (trace, on_event) if s is not None]

    def fan_out(event) -> None:
        for subscriber in subscribers:
            subscriber(event)

    try:
        engine = load_engine(settings, on_progress=on_progress)
        return solve(problem, engine, budget, options, hidden_tests=extra, on_event=fan_out, cancel=cancel)
    finally:
        if trace is not None:
            trace.close()
