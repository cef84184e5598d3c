"""Python found in problems: function signatures, `assert` lines, and HumanEval-style stubs."""
from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from dcode.errors import BadInput, read_user_text
from dcode.problem.doctests import doctest_tests
from dcode.problem.types import AssertTest, Problem, TestCase


@dataclass(frozen=True)
class Signature:
    name: str
    params: tuple[str, ...]  # in call order, without `self`
    method_of: str | None = None  # "Solution" for LeetCode's class wrapper


_DEF_LINE = re.compile(
    r"^(?P<indent>\s*)(?:async\s+)?def\s+(?P<name>\w+)\s*\((?P<params>.*)\)\s*(?:->.*)?:\s*$")
_CLASS_LINE = re.compile(r"^\s*class\s+(?P<name>\w+)\b")


def _params(args: ast.arguments) -> tuple[str, ...]:
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    return tuple(n for n in names if n not in ("self", "cls"))


def _is_stub(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body of only a docstring, `pass` or `...`: a signature to implement, not an implementation."""
    for stmt in fn.body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        return False
    return True


def signatures_in(code: str) -> list[Signature]:
    """Every top-level function and every method of a top-level class, in order.

    Falls back to reading `def` lines when the block does not parse, as LeetCode's
    starter code (`def twoSum(self, ...) -> List[int]:` with no body) does not.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return _signatures_by_line(code)
    found: list[Signature] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(Signature(node.name, _params(node.args)))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                is_function = isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                if is_function and not item.name.startswith("_"):
                    found.append(Signature(item.name, _params(item.args), node.name))
    return found


def _signatures_by_line(code: str) -> list[Signature]:
    found: list[Signature] = []
    current_class: str | None = None
    for line in code.splitlines():
        if m := _CLASS_LINE.match(line):
            current_class = m["name"] if not line[0].isspace() else current_class
            continue
        if m := _DEF_LINE.match(line):
            try:
                fn = ast.parse(f"def {m['name']}({m['params']}): pass").body[0]
            except SyntaxError:
                continue
            assert isinstance(fn, ast.FunctionDef)
            owner = current_class if m["indent"] else None
            if not m["indent"]:
                current_class = None
            if not m["name"].startswith("_") or owner is None:
                found.append(Signature(m["name"], _params(fn.args), owner))
    return found


def assert_tests(code: str, first_line: int, origin: str, *, hidden: bool = False) -> list[TestCase]:
    """Each top-level `assert` becomes a test; the statements before it (imports, helpers) set it up.

    Stub functions (a signature with no body) are left out of the set-up: they would
    shadow the candidate's implementation.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        line = first_line + (e.lineno or 1) - 1
        raise BadInput(f"{origin}:{line}: python block does not parse: {e.msg}") from None
    lines = code.splitlines()
    setup: list[str] = []
    tests: list[TestCase] = []
    for node in tree.body:
        text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
        if isinstance(node, ast.Assert):
            line = first_line + node.lineno - 1
            source = "\n".join([*setup, textwrap.dedent(text)]) + "\n"
            tests.append(AssertTest(source=source, name=f"line {line}: {ast.unparse(node.test)}"[:120],
                                    hidden=hidden))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_stub(node):
            continue
        else:
            setup.append(text)
    return tests


def has_top_level_assert(code: str) -> bool:
    try:
        return any(isinstance(n, ast.Assert) for n in ast.parse(code).body)
    except SyntaxError:
        return any(line.startswith("assert ") for line in code.splitlines())


def load_stub(path: Path) -> Problem:
    """A HumanEval-style prompt: imports, a signature and a docstring with `>>>` examples.

    The function to write is the last top-level stub (helpers written in full may come
    before it); its doctests are the visible tests.
    """
    code = read_user_text(path, "a Python file")
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        raise BadInput(f"{path}:{e.lineno}: stub does not parse: {e.msg}") from None
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    stubs = [n for n in functions if _is_stub(n)]
    if not stubs:
        raise BadInput(f"{path}: no function stub found (a `def` whose body is only a docstring)")
    target = stubs[-1]
    doc = ast.get_docstring(target, clean=False) or ""
    doc_line = target.body[0].lineno if doc else target.lineno
    tests = doctest_tests(doc, doc_line) if doc else []
    return Problem(
        statement=code,
        tests=tests,
        style="function",
        title=target.name,
        function_name=target.name,
        starter_code=code,
        source=path,
    )
