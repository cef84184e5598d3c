"""The bodies of `dcode solve`, `dcode fix` and `dcode test`: check arguments, run a loop, show the outcome.

Kept out of cli.py so the CLI stays a list of typer signatures, and so tests can call
these with consoles of their own.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from dcode.errors import BadInput


def _positive(name: str, value: float | None, *, zero_ok: bool = False) -> None:
    if value is None:
        return
    if value < 0 or (value == 0 and not zero_ok):
        raise BadInput(f"{name} must be {'0 or more' if zero_ok else 'more than 0'}, got {value}")


def _writable_target(path: Path, *protected: Path) -> None:
    if not path.parent.exists():
        raise BadInput(f"{path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise BadInput(f"{path}: is a folder, expected a file to write")
    for p in protected:
        if p.exists() and path.exists() and path.resolve() == p.resolve():
            raise BadInput(f"{path}: refusing to overwrite the input file {p}")


def settings_for(model: str | None, engine: str | None, server_url: str | None, seed: int | None = None):
    from dcode.config import load_settings

    return load_settings({"model": model, "engine": engine, "server_url": server_url, "seed": seed})


def solve_command(problem: Path, *, samples: int, rounds: int, max_tokens: int | None, time_s: float | None,
                  seed: int | None, out_path: Path | None, as_json: bool, trace_dir: Path | None,
                  hidden_tests: Path | None, model: str | None, engine: str | None, server_url: str | None,
                  style: str, batch: int, out: Console, err: Console) -> int:
    """Solve PROBLEM; print the code that passed (stdout or --out) and a summary (stderr). Returns the exit code."""
    from dcode.loops.files import solve_file
    from dcode.loops.live import LiveProgress, summary_table
    from dcode.loops.solve import Budget, SolveOptions

    _positive("--samples", samples)
    _positive("--rounds", rounds, zero_ok=True)
    _positive("--max-tokens", max_tokens)
    _positive("--time", time_s)
    _positive("--batch", batch)
    if style not in ("auto", "chat", "complete"):
        raise BadInput(f"--style must be auto, chat or complete, got {style!r}")
    if out_path is not None:
        _writable_target(out_path, problem)
    if trace_dir is not None and trace_dir.exists() and not trace_dir.is_dir():
        raise BadInput(f"{trace_dir}: exists and is not a folder (--trace takes a folder)")
    settings = settings_for(model, engine, server_url, seed)
    options = SolveOptions(tokens_per_sample=settings.max_tokens, temperature=settings.temperature,
                           top_p=settings.top_p, seed=settings.seed if settings.seed >= 0 else None,
                           prompt_style=style)  # type: ignore[arg-type]
    budget = Budget(samples=samples, rounds=rounds, max_tokens=max_tokens, time_s=time_s, batch=min(batch, samples))
    with LiveProgress(err) as live:
        result = solve_file(problem, settings, budget, options, hidden_tests=hidden_tests, trace_dir=trace_dir,
                            on_event=live)
    show = result.code if result.status in ("passed", "unverified") else None
    if as_json:
        print(json.dumps(result.summary()))
    else:
        err.print(summary_table(result))
        if show is None and result.code is not None:
            err.print("[dim]the best attempt failed; it is in --json output and in --trace, not printed[/]")
    if show is not None and out_path is not None:
        out_path.write_text(show, encoding="utf-8")
        if not as_json:
            err.print(f"wrote {out_path}", markup=False)
    elif show is not None and not as_json:
        out.print(show, end="" if show.endswith("\n") else "\n", markup=False, highlight=False, soft_wrap=True)
    return 0 if result.passed else 1


__all__ = ["solve_command", "settings_for", "replace"]
