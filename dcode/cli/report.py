"""How a CheckResult is shown on a terminal: a rich table, or plain lines when piped.

The JSON form (a contract other tools rely on) is the library's: `dcode.eval.check.check_json`.
"""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dcode.eval.check import test_name
from dcode.sandbox.verdict import CheckResult, TestResult, Verdict

_STYLE = {Verdict.PASSED: "green", Verdict.WRONG_ANSWER: "red", Verdict.TIMEOUT: "yellow",
          Verdict.MEMORY_LIMIT: "yellow", Verdict.SANDBOX_ERROR: "magenta"}


def _one_line(text: str) -> str:
    """A pytest report is a traceback: its `E ` lines say what went wrong."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    return (errors[-1] if errors else lines[0] if lines else "")[:200]


def _why(r: TestResult) -> str:
    if r.passed:
        return ""
    if r.message:
        return _one_line(r.message)
    if r.expected is not None and r.actual is not None:
        return f"expected {r.expected.strip()[:60]!r}, got {r.actual.strip()[:60]!r}"
    tail = r.stderr.strip().splitlines()
    return tail[-1] if tail else ""


def seconds(t: float) -> str:
    """A test's time, readable at the sizes tests have: 0.4ms, 12.3ms, 1.250s."""
    return f"{t * 1000:.1f}ms" if t < 0.1 else f"{t:.3f}s"


def render_check(result: CheckResult, console: Console) -> None:
    """A table on a terminal; one plain line per test when piped, for grep and CI logs."""
    rows = [(test_name(r.test, i) + (" (hidden)" if r.test.hidden else ""), r) for i, r in
            enumerate(result.results)]
    summary = (f"{result.n_passed}/{len(result.results)} passed, verdict {result.verdict} "
               f"({result.time_s:.2f}s)")
    if not console.is_terminal:
        for name, r in rows:
            why = _why(r)
            print(f"{r.verdict}\t{seconds(r.time_s)}\t{name}" + (f"\t{why}" if why else ""), file=console.file)
        print(summary, file=console.file)
        return
    table = Table(show_edge=False, header_style="bold")
    table.add_column("test")
    table.add_column("verdict")
    table.add_column("time", justify="right")
    table.add_column("why", overflow="fold")
    for name, r in rows:
        style = _STYLE.get(r.verdict, "red")
        table.add_row(escape(name), f"[{style}]{r.verdict}[/]", seconds(r.time_s), escape(_why(r)))
    console.print(table)
    style = "green" if result.passed else "red"
    console.print(f"[{style}]{escape(summary)}[/]")
