"""How a CheckResult is shown: one JSON object (a contract), a rich table, or plain lines.

The JSON shape is relied on by other tools (editors, CI scripts):
`{"passed": bool, "verdict": str, "n_passed": int, "n_tests": int, "time_s": float,
  "tests": [{"name", "kind", "hidden", "verdict", "time_s", "expected"?, "actual"?,
             "stderr"?, "message"?}]}`
Optional keys appear only when they carry something.
"""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dcode.problem.types import AssertTest, CallTest, IOTest, PytestTest, TestCase
from dcode.sandbox.verdict import CheckResult, TestResult, Verdict

_KIND = {IOTest: "io", CallTest: "call", AssertTest: "assert", PytestTest: "pytest"}
_STYLE = {Verdict.PASSED: "green", Verdict.WRONG_ANSWER: "red", Verdict.TIMEOUT: "yellow",
          Verdict.MEMORY_LIMIT: "yellow", Verdict.SANDBOX_ERROR: "magenta"}


def test_name(test: TestCase, index: int) -> str:
    if test.name:
        return test.name
    if isinstance(test, CallTest):
        return f"{test.fn}({', '.join(map(repr, test.args))})"[:80]
    return f"test {index + 1}"


def result_dict(r: TestResult, index: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": test_name(r.test, index),
        "kind": _KIND.get(type(r.test), "other"),
        "hidden": r.test.hidden,
        "verdict": str(r.verdict),
        "time_s": round(r.time_s, 6),
    }
    for key in ("expected", "actual", "stderr", "message"):
        value = getattr(r, key)
        if value:
            row[key] = value
    return row


def check_json(result: CheckResult) -> dict[str, Any]:
    return {
        "passed": result.passed,
        "verdict": str(result.verdict),
        "n_passed": result.n_passed,
        "n_tests": len(result.results),
        "time_s": round(result.time_s, 4),
        "tests": [result_dict(r, i) for i, r in enumerate(result.results)],
    }


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
