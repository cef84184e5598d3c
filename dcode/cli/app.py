"""The `dcode` command line: a thin typer layer over the library.

Each command parses arguments, calls one library function and maps the outcome to an
exit code: 0 success, 1 the check or solve failed, 2 bad input (one line on stderr).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from dcode import __version__
from dcode import backends
from dcode.cli.cluster import RAY, bare_ray_flag
from dcode.errors import BadInput, ServerDown

app = typer.Typer(
    name="dcode",
    help="A local coding assistant that runs every candidate program against real tests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# stdout carries results (code, JSON); stderr carries summaries, progress and errors.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _version(value: bool) -> None:
    if value:
        print(f"dcode {__version__}")
        raise typer.Exit()


# Options that solve, fix and test share (typer reads each as a default; one definition serves all three).
SEED = typer.Option(None, "--seed", help="Seed for repeatable sampling.")
TRACE = typer.Option(None, "--trace", help="Folder to write every prompt, completion and verdict (JSONL).")
MODEL = typer.Option(None, "--model", "-m", help="Model name or GGUF path.")
ENGINE = typer.Option(None, "--engine", help=f"{backends.CHOICES}.")
SERVER_URL = typer.Option(None, "--server-url",
                          help="OpenAI-compatible server, for --engine openai (repeat for several).")
MAX_TOKENS_PER_PROPOSAL = typer.Option(None, "--max-tokens", help="Generated tokens at most per proposal.")


def _joined(server_urls: list[str] | None) -> str | None:
    """A repeated --server-url as the one setting: the URLs, comma-separated."""
    return ",".join(server_urls) if server_urls else None


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """dcode: generate, test and fix code with a local model."""


@app.command()
def check(
    candidate: Path = typer.Argument(..., help="The Python file to test."),
    tests: Path = typer.Option(..., "--tests", "-t",
                               help="A problem .md, a pytest file or folder, or a JSON test file."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (a stable contract)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds per test."),
    memory: Optional[int] = typer.Option(None, "--memory", help="Megabytes of memory per test."),
) -> None:
    """Run CANDIDATE against every test in TESTS. Exit 0 if all pass, 1 if any fails."""
    from dcode.eval.check import check_file
    from dcode.cli.report import render_check
    from dcode.eval.check import check_json

    result = check_file(candidate, tests, timeout_s=timeout, memory_mb=memory)
    if as_json:
        import json

        print(json.dumps(check_json(result)))
    else:
        render_check(result, out)
    raise typer.Exit(0 if result.passed else 1)


from dcode.cli.evaluate import eval_app  # noqa: E402

app.add_typer(eval_app, name="eval")


from dcode.cli.models import models_app  # noqa: E402

app.add_typer(models_app, name="models")


@app.command("config")
def config(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    path: bool = typer.Option(False, "--path", help="Only print where the config file lives."),
) -> None:
    """Show the effective settings and where each came from (defaults, TOML file, DCODE_* env)."""
    from dcode.cli.models import show_config

    show_config(as_json=as_json, path_only=path)


@app.command("sandbox")
def sandbox_status(ray: Optional[str] = RAY) -> None:
    """Say which isolation runs candidates here (builds one sandbox), or what is missing. Exit 1 if none.

    With --ray: the same for each node of the Ray cluster."""
    if ray is not None:
        from dcode.cli.cluster import show_nodes

        raise typer.Exit(show_nodes(ray, err))
    from dcode.sandbox import isolation_status

    status = isolation_status()
    print(status)
    raise typer.Exit(1 if status.startswith("no sandbox") else 0)


@app.command()
def solve(
    problem: Path = typer.Argument(..., help="A problem .md, or a Python stub (signature + docstring with examples)."),
    samples: int = typer.Option(8, "--samples", "-n", help="Programs to generate at most (fixes included)."),
    rounds: Optional[int] = typer.Option(None, "--rounds", "-r",
                                         help="Fix rounds in a row on a failing candidate (0: resample; "
                                              "default 1 for chat models, 0 for base models)."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Generated tokens at most, all calls together."),
    time_s: Optional[float] = typer.Option(None, "--time", help="Wall-clock seconds at most."),
    seed: Optional[int] = SEED,
    out_path: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the code here instead of stdout."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with the outcome and the code."),
    trace: Optional[Path] = TRACE,
    hidden_tests: Optional[Path] = typer.Option(None, "--hidden-tests", help="Tests used only for the final verdict."),
    model: Optional[str] = MODEL,
    engine: Optional[str] = ENGINE,
    server_url: Optional[list[str]] = SERVER_URL,
    style: str = typer.Option("auto", "--style", help="Prompt style: auto, chat or complete (base models)."),
    batch: int = typer.Option(4, "--batch", help="Samples per engine call."),
    tui: bool = typer.Option(False, "--tui", help="Watch and steer the run in the terminal UI (as `dcode tui`)."),
) -> None:
    """Generate code for PROBLEM until a candidate passes its tests. Exit 0 passed, 1 none passed."""
    from dcode.cli.loops import solve_command

    if tui:
        from dcode.cli.tui import tui_command

        tui_command(problem, samples=samples, rounds=rounds, max_tokens=max_tokens, time_s=time_s, seed=seed,
                    model=model, engine=engine, server_url=_joined(server_url), style=style, batch=batch)
        return

    raise typer.Exit(solve_command(problem, samples=samples, rounds=rounds, max_tokens=max_tokens, time_s=time_s,
                                   seed=seed, out_path=out_path, as_json=as_json, trace_dir=trace,
                                   hidden_tests=hidden_tests, model=model, engine=engine,
                                   server_url=_joined(server_url), style=style, batch=batch, out=out, err=err))


@app.command()
def fix(
    module: Path = typer.Argument(..., help="The Python file to fix."),
    tests: Path = typer.Option(..., "--tests", "-t", help="The pytest file or folder it must pass (never changed)."),
    write: bool = typer.Option(False, "--write", help="Apply the change (keeping FILE.py.bak); default: show the diff."),
    rounds: int = typer.Option(3, "--rounds", "-r", help="Rounds of fix and re-run."),
    samples: int = typer.Option(2, "--samples", "-n", help="Proposals per round."),
    max_tokens: Optional[int] = MAX_TOKENS_PER_PROPOSAL,
    trace: Optional[Path] = TRACE,
    seed: Optional[int] = SEED,
    model: Optional[str] = MODEL,
    engine: Optional[str] = ENGINE,
    server_url: Optional[list[str]] = SERVER_URL,
) -> None:
    """Make MODULE pass the pytest TESTS: show a diff; write only with --write. Exit 0 when they pass."""
    from dcode.cli.loops import fix_command

    raise typer.Exit(fix_command(module, tests, write=write, rounds=rounds, samples=samples, max_tokens=max_tokens,
                                 trace_dir=trace, seed=seed, model=model, engine=engine,
                                 server_url=_joined(server_url), out=out, err=err))


@app.command("tui")
def tui(
    problem: Optional[Path] = typer.Argument(None, help="A problem .md or a Python stub; none: choose one in the app."),
    samples: int = typer.Option(8, "--samples", "-n", help="Programs to generate at most (fixes included)."),
    seed: Optional[int] = SEED,
    model: Optional[str] = MODEL,
    engine: Optional[str] = ENGINE,
    server_url: Optional[list[str]] = SERVER_URL,
) -> None:
    """Watch and steer a solve in the terminal: candidates, tests, diffs, the model's stream (r run, Esc stop)."""
    from dcode.cli.tui import tui_command

    tui_command(problem, samples=samples, seed=seed, model=model, engine=engine, server_url=_joined(server_url))


@app.command("train")
def train_(
    tests: Optional[Path] = typer.Option(None, "--tests", help="A pytest folder: one task per function its tests need."),
    problems: Optional[Path] = typer.Option(None, "--problems", help="A folder of problem .md files or stubs."),
    jsonl: Optional[Path] = typer.Option(None, "--jsonl", help="Coding-contest rows: {\"prompt\", \"tests\"} per line."),
    model: Optional[str] = typer.Option(None, "--model", "-m",
                                        help="Starting model: a Hugging Face folder or name, a .gguf, or a registry model."),
    output: Path = typer.Option(Path("dcode-train"), "--out", "-o", help="Folder for tasks, checkpoints, metrics, export."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Build and print the tasks (and the dropped ones); train nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    heldout: float = typer.Option(0.2, "--heldout", help="Share of tasks held out for the before/after evaluation."),
    similarity: float = typer.Option(0.9, "--similarity", help="Token-shingle similarity that makes a near-duplicate."),
    min_tests: int = typer.Option(1, "--min-tests", help="Drop tasks with fewer tests (DeepCoder: 5 for contest data)."),
    max_tests: int = typer.Option(15, "--max-tests", help="Reward a contest task on its tests with the longest inputs."),
    filter_samples: int = typer.Option(8, "--filter-samples", help="Samples per task for the difficulty filter (0: off)."),
    too_hard: float = typer.Option(0.0, "--too-hard", help="Drop tasks the starting model solves at most this often."),
    too_easy: float = typer.Option(1.0, "--too-easy", help="Drop tasks the starting model solves at least this often."),
    eval_samples: int = typer.Option(4, "--eval-samples", help="Samples per held-out task, before and after (0: off)."),
    group_size: int = typer.Option(8, "--group-size", help="Samples per prompt (GRPO's group; DeepCoder: 8)."),
    prompts_per_step: int = typer.Option(16, "--prompts-per-step", help="Prompts per optimiser step."),
    learning_rate: float = typer.Option(1e-6, "--lr", help="Learning rate (DeepCoder: 1e-6)."),
    temperature: float = typer.Option(0.6, "--temperature", help="Sampling temperature (DeepCoder: 0.6)."),
    stages: str = typer.Option("16384,32768", "--stages", help="Max completion tokens of each stage."),
    steps: str = typer.Option("160,100", "--steps", help="Optimiser steps of each stage."),
    adapter: str = typer.Option("lora", "--adapter", help="lora, qlora (a CUDA GPU) or full."),
    lora_rank: int = typer.Option(16, "--lora-rank", help="LoRA rank (alpha is twice it)."),
    vllm: bool = typer.Option(False, "--vllm", help="Generate with vLLM on the GPU (TRL's colocate mode)."),
    tensorboard: bool = typer.Option(False, "--tensorboard", help="Also log metrics to TensorBoard."),
    seed: int = typer.Option(0, "--seed", help="Seed for sampling, the held-out split and training."),
    export_name: str = typer.Option("", "--export", help="Register the trained GGUF under this model name."),
    outtype: str = typer.Option("f16", "--outtype", help="GGUF weight type for llama.cpp's converter (f16, q8_0, bf16)."),
    ray: Optional[str] = RAY,
) -> None:
    """GRPO+ on your own tests: tasks from your code, rewards from the sandbox, a GGUF your editor uses (--export)."""
    from dcode.cli.train import train_command

    raise typer.Exit(train_command(
        tests=tests, problems=problems, jsonl=jsonl, model=model, output=output, dry_run=dry_run, as_json=as_json,
        heldout=heldout, similarity=similarity, min_tests=min_tests, max_tests=max_tests,
        filter_samples=filter_samples, too_hard=too_hard, too_easy=too_easy, eval_samples=eval_samples,
        group_size=group_size, prompts_per_step=prompts_per_step, learning_rate=learning_rate,
        temperature=temperature, stages=stages, steps=steps, adapter=adapter, lora_rank=lora_rank, vllm=vllm,
        tensorboard=tensorboard, seed=seed, export_name=export_name, outtype=outtype, ray=ray, out=out, err=err))


@app.command("lsp")
def lsp_server(
    tcp: Optional[str] = typer.Option(None, "--tcp", help="Listen on HOST:PORT instead of stdio (for debugging)."),
) -> None:
    """Start the language server (inline suggestions, code actions) over stdio for an editor."""
    from lsp.server import serve_stdio, serve_tcp

    if tcp is None:
        serve_stdio()
        return
    host, sep, port = tcp.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise BadInput(f"--tcp takes HOST:PORT, e.g. 127.0.0.1:2087; got {tcp!r}")
    serve_tcp(host or "127.0.0.1", int(port))


@app.command("test")
def test_(
    module: Path = typer.Argument(..., help="The Python module to write tests for."),
    write: bool = typer.Option(False, "--write", help="Write tests/test_MODULE.py (or test_MODULE.py beside it)."),
    samples: int = typer.Option(2, "--samples", "-n", help="Proposals to ask the model for."),
    max_tokens: Optional[int] = MAX_TOKENS_PER_PROPOSAL,
    trace: Optional[Path] = TRACE,
    seed: Optional[int] = SEED,
    model: Optional[str] = MODEL,
    engine: Optional[str] = ENGINE,
    server_url: Optional[list[str]] = SERVER_URL,
) -> None:
    """Generate pytest tests for MODULE; keep those that pass; report line coverage. Exit 1 when none pass."""
    from dcode.cli.loops import test_command

    raise typer.Exit(test_command(module, write=write, samples=samples, max_tokens=max_tokens, trace_dir=trace,
                                  seed=seed, model=model, engine=engine, server_url=_joined(server_url),
                                  out=out, err=err))


def _usage_error(e: Exception) -> str | None:
    """One line for click's usage errors (missing argument, bad value, unknown command).

    Matched by shape: recent typer versions raise their own vendored copy of click's classes.
    """
    format_message = getattr(e, "format_message", None)
    if not callable(format_message) or not hasattr(e, "exit_code"):
        return None
    ctx = getattr(e, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    return f"{format_message()}{where}"


def _help_instead_of_error(e: Exception) -> bool:
    """True for "no subcommand given" (`dcode`, `dcode models`): the help is the whole answer.

    typer has printed the help already and leaves the error's message empty (plain click
    carries the help as the message), so there is no error line to add. Matched by name,
    as typer itself does, for the same vendored-copy reason as `_usage_error`.
    """
    if type(e).__name__ != "NoArgsIsHelpError":
        return False
    text = e.format_message() if callable(getattr(e, "format_message", None)) else ""
    if text.strip():
        print(text)
    return True


def main() -> None:
    """Entry point: turns BadInput (and anything unexpected) into one line and an exit code."""
    try:
        # Without standalone mode, click returns a command's typer.Exit code instead of exiting.
        code = app(args=bare_ray_flag(sys.argv[1:]), standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except ServerDown as e:
        print(f"dcode: server down: {e}", file=sys.stderr)
        sys.exit(2)
    except BadInput as e:
        print(f"dcode: error: {e}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        print("dcode: aborted", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print("dcode: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as e:  # click usage errors and our own bugs
        if _help_instead_of_error(e):
            sys.exit(2)  # click's code for a missing subcommand: the command line was incomplete
        usage = _usage_error(e)
        if usage is not None:
            print(f"dcode: error: {usage}", file=sys.stderr)
            sys.exit(2)
        if os.environ.get("DCODE_DEBUG"):
            raise
        print(f"dcode: internal error: {type(e).__name__}: {e} (set DCODE_DEBUG=1 for a traceback)",
              file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
