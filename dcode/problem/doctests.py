"""Doctest examples (`>>> f(2)` then `4`) turned into tests.

A literal call with a literal answer becomes a CallTest, so a failure reads "expected 4,
got 5". Anything else (setup lines, names, reprs that are not literals) becomes one
AssertTest per block that replays the session in order, as doctest would.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from dcode.problem.types import AssertTest, CallTest, TestCase
from dcode.problem.values import literal_call, parse_value


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


def _json_safe(value: object) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


def _as_call(ex: Example) -> CallTest | None:
    call = literal_call(ex.source)
    if call is None or not ex.want:
        return None
    try:
        expected = parse_value(ex.want)
    except ValueError:
        return None
    fn, args = call
    if not (_json_safe(list(args)) and _json_safe(expected)):
        return None
    return CallTest(fn=fn, args=args, expected=expected, name=f"line {ex.line}: {ex.source}")


def _assertion(ex: Example) -> str:
    if not ex.want:
        return ex.source
    try:
        parse_value(ex.want)
        return f"assert ({ex.source}) == ({ex.want}), {ex.source!r}"
    except ValueError:
        return f"assert repr({ex.source}) == {ex.want!r}, {ex.source!r}"


def doctest_tests(text: str, first_line: int = 1, *, hidden: bool = False) -> list[TestCase]:
    examples = parse_examples(text, first_line)
    if not examples:
        return []
    calls = [_as_call(ex) for ex in examples]
    if all(calls):
        return [CallTest(c.fn, c.args, c.expected, c.name, hidden) for c in calls if c]
    body = "\n".join(_assertion(ex) for ex in examples) + "\n"
    return [AssertTest(source=body, name=f"doctest at line {examples[0].line}", hidden=hidden)]
