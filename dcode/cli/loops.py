"""The bodies of `dcode solve`, `dcode fix` and `dcode test`: check arguments, run a loop, show the outcome.

Kept out of cli.py so the CLI stays a list of typer signatures, and so tests can call
these with consoles of their own.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
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


def check_solve_flags(samples: int, rounds: int | None, max_tokens: int | None, time_s: float | None, batch: int,
                      style: str) -> None:
    """A solve's budget and style flags (dcode solve, dcode tui): a bad one is BadInput naming it."""
    _positive("--samples", samples)
    _positive("--rounds", rounds, zero_ok=True)
    _positive("--max-tokens", max_tokens)
    _positive("--time", time_s)
    _positive("--batch", batch)
    if style not in ("auto", "chat", "complete"):
        raise BadInput(f"--style must be auto, chat or complete, got {style!r}")


def solve_command(problem: Path, *, samples: int, rounds: int | None, max_tokens: int | None, time_s: float | None,
                  seed: int | None, out_path: Path | None, as_json: bool, trace_dir: Path | None,
                  hidden_tests: Path | None, model: str | None, engine: str | None, server_url: str | None,
                  style: str, batch: int, out: Console, err: Console) -> int:
    """Solve PROBLEM; print the code that passed (stdout or --out) and a summary (stderr). Returns the exit code."""
    from dcode.loops.files import solve_file
    from dcode.cli.live import LiveProgress, summary_table
    from dcode.loops.solve import Budget, SolveOptions

    check_solve_flags(samples, rounds, max_tokens, time_s, batch, style)
    if out_path is not None:
        _writable_target(out_path, problem)
    if trace_dir is not None and trace_dir.exists() and not trace_dir.is_dir():
        raise BadInput(f"{trace_dir}: exists and is not a folder (--trace takes a folder)")
    settings = settings_for(model, engine, server_url, seed)
    options = SolveOptions.from_settings(settings, prompt_style=style)
    budget = Budget(samples=samples, rounds=rounds, max_tokens=max_tokens, time_s=time_s, batch=min(batch, samples))
    with LiveProgress(err) as live:
        result = solve_file(problem, settings, budget, options, hidden_tests=hidden_tests, trace_dir=trace_dir,
                            on_event=live, on_progress=live.progress)
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


def _backup(path: Path) -> Path:
    backup = path.with_name(path.name + ".bak")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bak{n}")
        n += 1
    backup.write_bytes(path.read_bytes())
    return backup


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


@contextmanager
def _traced(trace_dir: Path | None):
    """The --trace subscriber (None without --trace), closed afterwards; a path that is a file is bad input."""
    from dcode.loops.trace import TraceWriter

    if trace_dir is None:
        yield None
        return
    if trace_dir.exists() and not trace_dir.is_dir():
        raise BadInput(f"{trace_dir}: exists and is not a folder (--trace takes a folder)")
    with TraceWriter(trace_dir) as trace:
        yield trace


def _sampling(settings, max_tokens: int | None) -> dict:
    """fix's and test's sampling: the user's settings, --max-tokens over the configured tokens per proposal."""
    from dcode.engines import sampling_for

    return {"sampling": sampling_for(settings, **({"max_tokens": max_tokens} if max_tokens else {}))}


def fix_command(module: Path, tests_path: Path, *, write: bool, rounds: int, samples: int, seed: int | None,
                model: str | None, engine: str | None, server_url: str | None, out: Console, err: Console,
                max_tokens: int | None = None, trace_dir: Path | None = None) -> int:
    """Make MODULE pass TESTS; print the diff; write (with a backup) only when asked. Returns the exit code."""
    from dcode.engines import load_engine
    from dcode.loops.fix import fix_module, read_module
    from dcode.problem import bind_module, load_tests

    _positive("--rounds", rounds)
    _positive("--samples", samples)
    _positive("--max-tokens", max_tokens)
    read_module(module)
    tests = bind_module(load_tests(tests_path), module)
    if module.resolve() == tests_path.resolve() or (tests_path.is_dir() and _inside(module, tests_path)):
        raise BadInput(f"{module}: is one of the test files; dcode fix changes code, never tests")
    settings = settings_for(model, engine, server_url, seed)
    with _traced(trace_dir) as trace, err.status("fixing: running the tests, asking the model, re-running",
                                                 spinner="dots"):
        result = fix_module(module, tests, load_engine(settings), rounds=rounds, samples_per_round=samples,
                            on_event=trace, **_sampling(settings, max_tokens))
    total = len(result.after.results)
    if result.changed:
        diff = result.diff()
        if out.is_terminal:
            from rich.syntax import Syntax

            out.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
        else:
            print(diff, end="")
    err.print(f"tests: {result.before.n_passed}/{len(result.before.results)} passed before, "
              f"{result.after.n_passed}/{total} after {result.rounds} round(s), {result.samples} sample(s), "
              f"{result.completion_tokens} tokens, {result.time_s:.1f} s", markup=False)
    if not result.changed:
        err.print("no change: " + ("every test already passes" if result.before.passed
                                   else "no proposed version passed more tests"), markup=False)
    elif write:
        backup = _backup(module)
        module.write_text(result.code, encoding="utf-8")
        err.print(f"wrote {module} (the old version is in {backup})", markup=False)
    else:
        err.print("not written: run again with --write to apply it (a backup is kept)", markup=False)
    return 0 if result.passed else 1


def test_command(module: Path, *, write: bool, samples: int, seed: int | None, model: str | None,
                 engine: str | None, server_url: str | None, out: Console, err: Console,
                 max_tokens: int | None = None, trace_dir: Path | None = None) -> int:
    """Propose tests for MODULE, keep those that pass, report coverage; write only when asked."""
    from dcode.engines import load_engine
    from dcode.loops.fix import read_module
    from dcode.loops.testgen import generate_tests

    _positive("--samples", samples)
    _positive("--max-tokens", max_tokens)
    read_module(module)
    if not module.stem.isidentifier():
        raise BadInput(f"{module}: {module.stem!r} is not an importable module name")
    settings = settings_for(model, engine, server_url, seed)
    with _traced(trace_dir) as trace, err.status("writing tests: asking the model, running each proposal",
                                                 spinner="dots"):
        result = generate_tests(module, load_engine(settings), samples=samples, on_event=trace,
                                **_sampling(settings, max_tokens))
    for t in result.dropped:
        reason = t.message.strip().splitlines()[-1] if t.message.strip() else ""
        err.print(f"dropped {t.name}: {t.verdict}" + (f" ({reason[:100]})" if reason else ""), markup=False)
    coverage = f"{result.coverage:.0%} line coverage" if result.coverage is not None else "coverage not measured"
    err.print(f"kept {len(result.kept)} of {len(result.kept) + len(result.dropped)} proposed tests; {coverage}"
              + (f" (lines not run: {', '.join(map(str, result.missing_lines[:20]))})" if result.missing_lines else ""),
              markup=False)
    if not result.kept:
        return 1
    if write:
        result.target.write_text(result.source, encoding="utf-8")
        err.print(f"wrote {result.target}", markup=False)
    else:
        print(result.source, end="")
        err.print(f"not written: run again with --write to save them as {result.target}", markup=False)
    return 0
