"""Test files given on their own (`dcode check --tests`): JSON cases and pytest files."""
from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from dcode.errors import BadInput, read_user_text
from dcode.problem.types import CallTest, IOTest, PytestTest, TestCase

JSON_KEYS = ("io", "calls")


def load_json_tests(path: Path, *, hidden: bool = False) -> list[TestCase]:
    """`{"io": [{"input", "output"}]}` and/or `{"calls": [{"fn", "args", "expected"}]}`.

    Each case may carry `"name"` and `"hidden": true`.
    """
    text = read_user_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    if not isinstance(data, dict) or not any(k in data for k in JSON_KEYS):
        raise BadInput(f"{path}: expected an object with an \"io\" or \"calls\" list")
    unknown = set(data) - set(JSON_KEYS)
    if unknown:
        raise BadInput(f"{path}: unknown key {sorted(unknown)[0]!r} (known: io, calls)")
    tests: list[TestCase] = []
    for key in JSON_KEYS:
        cases = data.get(key, [])
        if not isinstance(cases, list):
            raise BadInput(f"{path}: \"{key}\" must be a list")
        for i, case in enumerate(cases):
            where = f"{path}: {key}[{i}]"
            tests.append(_io_case(case, where, hidden) if key == "io" else _call_case(case, where, hidden))
    return tests


def _fields(case: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    if not isinstance(case, dict):
        raise BadInput(f"{where}: must be an object")
    missing = [k for k in required if k not in case]
    if missing:
        raise BadInput(f"{where}: missing {missing[0]!r}")
    extra = set(case) - set(required) - set(optional)
    if extra:
        raise BadInput(f"{where}: unknown key {sorted(extra)[0]!r}")
    if not isinstance(case.get("name", ""), str) or not isinstance(case.get("hidden", False), bool):
        raise BadInput(f"{where}: \"name\" must be a string and \"hidden\" a boolean")
    return case


def _io_case(case: Any, where: str, hidden: bool) -> IOTest:
    case = _fields(case, where, ("input", "output"), ("name", "hidden"))
    for key in ("input", "output"):
        if not isinstance(case[key], str):
            raise BadInput(f"{where}: \"{key}\" must be a string")
    return IOTest(case["input"], case["output"], case.get("name", ""), hidden or case.get("hidden", False))


def _call_case(case: Any, where: str, hidden: bool) -> CallTest:
    case = _fields(case, where, ("fn", "args", "expected"), ("name", "hidden"))
    if not isinstance(case["fn"], str) or not case["fn"].isidentifier():
        raise BadInput(f"{where}: \"fn\" must be a function name")
    if not isinstance(case["args"], list):
        raise BadInput(f"{where}: \"args\" must be a list")
    return CallTest(case["fn"], tuple(case["args"]), case["expected"], case.get("name", ""),
                    hidden or case.get("hidden", False))


def pytest_test(path: Path, *, hidden: bool = False) -> PytestTest:
    """A pytest file or folder; the candidate is importable as `solution` (see `bind_module`)."""
    if path.is_file():
        try:
            ast.parse(read_user_text(path))
        except SyntaxError as e:
            raise BadInput(f"{path}:{e.lineno}: test file does not parse: {e.msg}") from None
    elif not any(path.rglob("*.py")):
        raise BadInput(f"{path}: folder holds no Python test files")
    return PytestTest(path=path.resolve(), name=path.name, hidden=hidden)


def imported_modules(test: PytestTest) -> set[str]:
    """Top-level module names a pytest file or folder imports."""
    files = [test.path] if test.path.is_file() else sorted(test.path.rglob("*.py"))
    names: set[str] = set()
    for f in files:
        try:
            tree = ast.parse(f.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def bind_module(tests: list[TestCase], candidate: Path) -> list[TestCase]:
    """Let `from my_solution import f` work when the candidate file is `my_solution.py`.

    Pytest files import the code under test by its file name; the sandbox installs the
    candidate as `solution` unless told another name.
    """
    stem = candidate.stem
    if not stem.isidentifier():
        return tests
    bound: list[TestCase] = []
    for t in tests:
        if isinstance(t, PytestTest) and t.module != stem and stem in imported_modules(t):
            t = PytestTest(t.path, stem, t.name, t.hidden)
        bound.append(t)
    return bound
