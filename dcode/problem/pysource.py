"""Python found in problems: function signatures, `assert` lines, and HumanEval-style stubs."""
from __future__ import annotations

import ast
import re
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

from dcode.errors import BadInput, read_user_text
from dcode.problem.doctests import doctest_tests
from dcode.problem.examples import Target, example_tests
from dcode.problem.types import AssertTest, Problem, TestCase
from dcode.pyast import parse_python


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
    """A body of only a docstring, `pass`, `...` or imports: a signature to implement, not an implementation.

    Imports count as stub: HumanEval/115's prompt puts `import math` above its docstring.
    """
    for stmt in fn.body:
        if isinstance(stmt, (ast.Pass, ast.Import, ast.ImportFrom)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        return False
    return True


_STRING_START = re.compile(r"^(?P<prefix>[rRuU]?)(?P<quote>\"\"\"|'''|\"|')")


def stub_docstring(fn: ast.FunctionDef | ast.AsyncFunctionDef, code: str) -> tuple[str, int]:
    """The stub's docstring as its lines read in the file, and the line it starts on; ("", 0) when none.

    The first string in the body, not only `body[0]`: a stub may import before it. Read
    from the source, line by line, so that an escape (`"a\\nb"` in an example) neither
    splits a line in two nor shifts the line numbers of the tests that follow.
    """
    for stmt in fn.body:
        value = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return _as_written(ast.get_source_segment(code, value) or "", value.value), stmt.lineno
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            break
    return "", 0


def _as_written(segment: str, value: str) -> str:
    """A string literal's text between its quotes, each line's escapes decoded (a newline among them as `\\n`)."""
    m = _STRING_START.match(segment)
    if not m or not segment.endswith(m["quote"]) or len(segment) < m.end() + len(m["quote"]):
        return value
    inner = segment[m.end() : len(segment) - len(m["quote"])]
    if m["prefix"].lower() == "r":
        return inner
    return "\n".join(_unescaped(line) for line in inner.split("\n"))


def _unescaped(line: str) -> str:
    """`\\'` and `\\u279e` as Python reads them; a line whose escapes do not decode stays as written."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = line.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return line
    return text.replace("\r", "\\r").replace("\n", "\\n")


def stub_tests(fn: ast.FunctionDef | ast.AsyncFunctionDef, code: str, known: frozenset[str], *,
               hidden: bool = False) -> list[TestCase]:
    """The examples in a stub's docstring: doctests, then examples written any other way people write them."""
    doc, doc_line = stub_docstring(fn, code)
    if not doc:
        return []
    tests = doctest_tests(doc, doc_line, hidden=hidden)
    target = Target(fn.name, _params(fn.args), known | {fn.name})
    return tests + example_tests(doc, doc_line, target, hidden=hidden, existing=tests)


def signatures_in(code: str) -> list[Signature]:
    """Every top-level function and every method of a top-level class, in order.

    Falls back to reading `def` lines when the block does not parse, as LeetCode's
    starter code (`def twoSum(self, ...) -> List[int]:` with no body) does not.
    """
    try:
        tree = parse_python(code)
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
                fn = parse_python(f"def {m['name']}({m['params']}): pass").body[0]
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
        tree = parse_python(code)
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


def block_docstring_tests(code: str, first_line: int, *, existing: list[TestCase],
                          hidden: bool = False) -> list[TestCase]:
    """Examples in the docstrings of a python block's functions, other than doctests (the block's own)."""
    try:
        tree = parse_python(code)
    except SyntaxError:
        return []
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    known = frozenset(f.name for f in functions)
    tests: list[TestCase] = []
    for fn in functions:
        doc, doc_line = stub_docstring(fn, code)
        if doc:
            target = Target(fn.name, _params(fn.args), known)
            tests += example_tests(doc, first_line + doc_line - 1, target, hidden=hidden,
                                   existing=[*existing, *tests])
    return tests


def defines_pytest_tests(code: str) -> bool:
    """True when pytest would find tests here: `test*` functions, `Test*`/TestCase classes, `import *`, asserts.

    A file that does not parse counts as one (pytest reports its error as the file's own).
    """
    try:
        tree = parse_python(code)
    except SyntaxError:
        return True
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            return True
        if isinstance(node, ast.ClassDef) and (node.name.startswith("Test") or any(
                ast.unparse(b).endswith("TestCase") for b in node.bases)):
            return True
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return True
        if isinstance(node, ast.Assert):
            return True
    return False


def has_top_level_assert(code: str) -> bool:
    try:
        return any(isinstance(n, ast.Assert) for n in parse_python(code).body)
    except SyntaxError:
        return any(line.startswith("assert ") for line in code.splitlines())


def load_stub(path: Path) -> Problem:
    """A HumanEval-style prompt: imports, a signature and a docstring with `>>>` examples.

    The function to write is the last top-level stub (helpers written in full may come
    before it); the examples in its docstring are the visible tests.
    """
    return parse_stub(read_user_text(path, "a Python file"), str(path), source=path)


def parse_stub(code: str, origin: str = "<stub>", *, source: Path | None = None) -> Problem:
    """load_stub for text that is not in a file (a benchmark's prompt); `origin` names it in errors."""
    if not code.strip():
        raise BadInput(f"{origin}: is empty, expected a function stub (a `def` with a docstring)")
    try:
        tree = parse_python(code)
    except SyntaxError as e:
        raise BadInput(f"{origin}:{e.lineno}: stub does not parse: {e.msg}") from None
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    stubs = [n for n in functions if _is_stub(n)]
    if not stubs:
        raise BadInput(f"{origin}: no function stub found (a `def` whose body is only a docstring)")
    target = stubs[-1]
    tests = stub_tests(target, code, frozenset(f.name for f in functions))
    return Problem(
        statement=code,
        tests=tests,
        style="function",
        title=target.name,
        function_name=target.name,
        starter_code=code,
        source=source,
    )
