"""`dcode tui` and `dcode solve --tui`: settings and budget from the command line, then the Textual app."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from dcode.engines.base import Engine
from dcode.cli.loops import check_solve_flags, settings_for


class OneModel:
    """Engines by model name, one loaded at a time: switching models frees the last one's memory."""

    def __init__(self, load: Callable[[str], Engine]) -> None:
        self.load = load
        self.engine: Engine | None = None

    def __call__(self, name: str) -> Engine:
        from dcode.engines.loader import forget

        engine = self.load(name)
        if self.engine is not None and self.engine is not engine:
            self.engine.close()
            forget(self.engine)
        self.engine = engine
        return engine


def tui_command(problem: Path | None, *, samples: int, seed: int | None, model: str | None, engine: str | None,
                server_url: str | None, rounds: int | None = None, max_tokens: int | None = None,
                time_s: float | None = None, style: str = "auto", batch: int = 4) -> None:
    """Check the flags and the problem before the screen opens (bad ones are one line and exit 2), then run."""
    from dataclasses import replace

    from dcode.engines import load_engine
    from dcode.loops import Budget, SolveOptions
    from dcode.models.store import list_models
    from dcode.tui.app import run_tui

    check_solve_flags(samples, rounds, max_tokens, time_s, batch, style)
    settings = settings_for(model, engine, server_url, seed)
    installed = [m.spec.name for m in list_models(settings) if m.installed]
    models = installed if settings.model in installed or not settings.model else [settings.model, *installed]
    run_tui(problem, OneModel(lambda name: load_engine(replace(settings, model=name))),
            budget=Budget(samples=samples, rounds=rounds, max_tokens=max_tokens, time_s=time_s, batch=batch),
            options=SolveOptions.from_settings(settings, prompt_style=style), model=settings.model or "",
            models=models)
