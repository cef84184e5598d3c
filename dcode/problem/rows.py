"""A problem from one row of coding-contest data in JSONL: `{"prompt": "...", "tests": [...]}`.

Optional `"id"`, `"starter_code"` and `"fn_name"`; the tests are what a tests JSON file holds
(`{"io": [...]}` or `{"calls": [...]}`), or a plain list of `{"input", "output"}` or
`{"fn", "args", "expected"}` cases.
"""
from __future__ import annotations

from typing import Any

from dcode.errors import BadInput
from dcode.problem.testfiles import json_tests
from dcode.problem.types import CallTest, Problem

ROW_KEYS = {"id", "prompt", "tests", "starter_code", "fn_name"}


def row_problem(row: Any, where: str) -> Problem:
    """The problem of one JSONL row; BadInput names the row."""
    if not isinstance(row, dict):
        raise BadInput(f"{where}: a row must be a JSON object")
    if not isinstance(row.get("prompt"), str) or not row["prompt"].strip():
        raise BadInput(f"{where}: needs a \"prompt\" string")
    if "tests" not in row:
        raise BadInput(f"{where}: needs \"tests\"")
    unknown = set(row) - ROW_KEYS
    if unknown:
        raise BadInput(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(ROW_KEYS))})")
    tests = json_tests(row["tests"], where, bare_list=True)
    calls = [t for t in tests if isinstance(t, CallTest)]
    fn = row.get("fn_name") or (calls[0].fn if calls else None)
    style = "function" if fn else "stdin"
    return Problem(statement=row["prompt"], tests=tests, style=style, title=str(row.get("id") or where),
                   function_name=fn, starter_code=row.get("starter_code") or None)
