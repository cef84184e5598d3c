"""Doctest examples (`>>> f(2)` then `4`) turned into tests.

A literal call with a literal answer becomes a CallTest, so a failure reads "expected 4,
got 5". Anything else (setup lines, names, reprs that are not literals, arguments that
JSON would change on their way to the candidate) becomes one AssertTest per block that
replays the session in order, as doctest would.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from dcode.problem.types import AssertTest, CallTest, TestCase
from dcode.problem.values import crosses_as_json, literal_call, parse_value
from dcode.pyast import parse_python


@dataclass(frozen=True)
class Example:
    source: str
    want: str  # "" when the line prints nothing (setup)
    line: int  # 1-based, in the file it came from


def has_doctest(text: str) -> bool:
    return any(line.lstrip().startswith(">>>") for line in text.splitlines())


def parse_examples(text: str, first_line: int = 1) -> list[Example]:
    """Split a doctest session into examples; `...` lines continue the source."""
    examples: list[Example] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped.startswith(">>>"):
            i += 1
            continue
        line_no = first_line + i
        source = [stripped[3:].removeprefix(" ")]
        i += 1
        while i < len(lines) and lines[i].strip().startswith("..."):
            source.append(lines[i].strip()[3:].removeprefix(" "))
            i += 1
        want = []
        while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(">>>"):
            want.append(lines[i].strip())
            i += 1
        examples.append(Example("\n".join(source), "\n".join(want), line_no))
    return examples


def _compared_call(source: str) -> tuple[str, str] | None:
    """`f(3) == 5` -> ("f(3)", "5"): a call compared with a value, as source text."""
    try:
        node = parse_python(source.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)
            and isinstance(node.left, ast.Call)):
        return None
    return ast.unparse(node.left), ast.unparse(node.comparators[0])


def _shown_true(ex: Example) -> Example:
    """`>>> f(3) == 5` with nothing shown under it means the comparison holds: it shows `True`."""
    if not ex.want and _compared_call(ex.source) is not None:
        return Example(ex.source, "True", ex.line)
    return ex


def _as_call(ex: Example) -> CallTest | None:
    """`>>> f(3)` shown as `5`, or `>>> f(3) == 5` shown as `True`."""
    source, want = ex.source, ex.want
    if (compared := _compared_call(source)) is not None:
        if want != "True":
            return None
        source, want = compared
    call = literal_call(source)
    if call is None or not want:
        return None
    try:
        expected = parse_value(want)
    except ValueError:
        return None
    fn, args = call
    if not (crosses_as_json(list(args)) and crosses_as_json(expected, tuples=True)):
        return None
    return CallTest(fn=fn, args=args, expected=expected, name=f"line {ex.line}: {ex.source}")


_REPLAY = """\
import contextlib as _contextlib, io as _io


def _dcode_replay(examples):
    for source, want, line in examples:
        out = _io.StringIO()
        try:
            with _contextlib.redirect_stdout(out):
                exec(compile(source, f"<example at line {line}>", "single"), globals())
        except Exception as e:
            if not want.startswith("Traceback"):
                raise
            got = f"{type(e).__name__}: {e}"
            last = want.strip().splitlines()[-1]
            assert last.split(":")[0].split(".")[-1] == type(e).__name__, (
                f"line {line}: >>> {source}\\nexpected {last!r}\\ngot {got!r}")
            continue
        got = out.getvalue()
        assert " ".join(got.split()) == " ".join(want.split()), (
            f"line {line}: >>> {source}\\nexpected {want!r}\\ngot {got.rstrip()!r}")


"""


def _session_source(examples: list[Example]) -> str:
    """Python that replays the session in the candidate's globals, comparing what each line shows.

    Like doctest: an expression shows its repr, `print` shows its text, whitespace is
    normalised, and an expected traceback matches an exception of the same type.
    (The doctest module itself cannot run in the sandbox: it calls sys.settrace.)
    """
    rows = [(ex.source, ex.want, ex.line) for ex in examples]
    return _REPLAY + f"_dcode_replay({rows!r})\n"


def doctest_tests(text: str, first_line: int = 1, *, hidden: bool = False) -> list[TestCase]:
    examples = [_shown_true(ex) for ex in parse_examples(text, first_line)]
    if not examples:
        return []
    calls = [_as_call(ex) for ex in examples]
    if all(calls):
        return [CallTest(c.fn, c.args, c.expected, c.name, hidden) for c in calls if c]
    return [AssertTest(source=_session_source(examples), name=f"doctest at line {examples[0].line}",
                       hidden=hidden)]
