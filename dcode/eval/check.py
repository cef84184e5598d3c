"""`dcode check`: one candidate file against one tests file, in the sandbox, and its JSON form.

The JSON shape is relied on by other tools (editors, CI scripts):
`{"passed": bool, "verdict": str, "n_passed": int, "n_tests": int, "time_s": float,
  "tests": [{"name", "kind", "hidden", "verdict", "time_s", "expected"?, "actual"?,
             "stderr"?, "message"?}]}`
Optional keys appear only when they carry something.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from dcode.errors import BadInput, read_user_text
from dcode.problem import bind_module, load_tests
from dcode.problem.loader import load_problem
from dcode.problem.types import AssertTest, CallTest, IOTest, PytestTest, TestCase
from dcode.sandbox.verdict import CheckResult, Limits, TestResult


def check_limits(tests_path: Path, timeout_s: float | None, memory_mb: int | None) -> Limits:
    """Flags win; then the limits a Markdown problem states; then the sandbox's defaults."""
    if timeout_s is not None and timeout_s <= 0:
        raise BadInput(f"--timeout must be positive, got {timeout_s}")
    if memory_mb is not None and memory_mb < 16:
        raise BadInput(f"--memory must be at least 16 MB, got {memory_mb}")
    base = Limits()
    if tests_path.suffix.lower() in (".md", ".markdown") and tests_path.is_file():
        problem = load_problem(tests_path)
        timeout_s = timeout_s if timeout_s is not None else problem.time_limit_s
        memory_mb = memory_mb if memory_mb is not None else problem.memory_limit_mb
    return Limits(
        timeout_s=timeout_s if timeout_s is not None else base.timeout_s,
        memory_mb=memory_mb if memory_mb is not None else base.memory_mb,
    )


def check_file(candidate: Path, tests_path: Path, *, timeout_s: float | None = None,
               memory_mb: int | None = None) -> CheckResult:
    """Run every test in `tests_path` (visible and hidden) against the code in `candidate`."""
    from dcode.sandbox import check

    code = read_user_text(candidate, "a Python file")
    limits = check_limits(tests_path, timeout_s, memory_mb)
    tests = bind_module(load_tests(tests_path), candidate)
    if not tests:
        raise BadInput(f"{tests_path}: holds no tests")
    return check(code, tests, limits)


_KIND = {IOTest: "io", CallTest: "call", AssertTest: "assert", PytestTest: "pytest"}

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
