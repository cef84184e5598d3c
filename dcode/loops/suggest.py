"""Tested suggestions: before an editor shows a completion, run the function it completes on its docstring's examples.

This is what a cloud assistant cannot do cheaply and a local one can: the document with
the suggestion put in runs in the sandbox against the examples its own docstring gives
(`>>>` doctests and the other ways people write examples, as `dcode solve` reads them).
A suggestion is "passed" when every example passes, "failed" when one does not, and
"untested" when there is nothing to run (no enclosing function, no examples, or text that
does not parse yet while the user is still typing).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

from dcode.problem.types import TestCase
from dcode.sandbox.verdict import Limits
from dcode.pyast import parse_python

CHECK_TIMEOUT_S = 2.0  # an example that runs longer than this is not what an editor waits for


@dataclass(frozen=True)
class SuggestionCheck:
    status: Literal["passed", "failed", "untested"]
    function: str | None = None
    passed: int = 0
    total: int = 0
    message: str = ""  # the first failure, or why nothing ran
    time_s: float = 0.0


def enclosing_function(tree: ast.Module, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost function whose body holds `line` (1-based)."""
    found = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.end_lineno or 0):
            if found is None or node.lineno >= found.lineno:
                found = node
    return found


def examples_at(code: str, line: int) -> tuple[str | None, list[TestCase]]:
    """The function enclosing `line` (1-based) and the tests its docstring's examples make; (None, []) when none."""
    from dcode.problem.pysource import stub_tests

    try:
        tree = parse_python(code)
    except (SyntaxError, ValueError):
        return None, []
    fn = enclosing_function(tree, line)
    if fn is None:
        return None, []
    known = frozenset(n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    try:
        return fn.name, stub_tests(fn, code, known)
    except (SyntaxError, ValueError):
        return fn.name, []


def check_suggestion(code: str, line: int, *, timeout_s: float = CHECK_TIMEOUT_S) -> SuggestionCheck:
    """Run the document `code` (a suggestion already put in) on the examples of the function at `line` (1-based)."""
    from dcode.sandbox import check

    try:
        parse_python(code)
    except (SyntaxError, ValueError) as e:
        return SuggestionCheck("untested", message=f"does not parse yet: {getattr(e, 'msg', e)}")
    name, tests = examples_at(code, line)
    if name is None:
        return SuggestionCheck("untested", message="not inside a function")
    if not tests:
        return SuggestionCheck("untested", function=name, message=f"{name} has no examples in its docstring")
    result = check(code, tests, Limits(timeout_s=timeout_s))
    failed = next((r for r in result.results if not r.passed), None)
    return SuggestionCheck("passed" if result.passed else "failed", function=name, passed=result.n_passed,
                           total=len(result.results), time_s=result.time_s,
                           message="" if failed is None else (failed.message or str(failed.verdict)))
