"""Examples as people write them in docstrings and pasted problems, turned into tests.

Besides doctests (doctests.py), people state examples as `f(4) == False`,
`f(148, 412) should return 16.`, `f(3) ➞ 5`, `f(3) => 5`, `f(15)   # returns "db1111db"`,
`For N = 150, ... the output should be "110"`, or `Input: arr = [1], k = 1` / `Output: [1]`.

A wrong test is worse than a missing one (it rejects correct programs, and a loop can only
be as right as its tests), so an example becomes a test only when nothing in it is a guess:
the function called is one the problem defines, every argument and the answer are literals,
arguments are matched to parameters by name (or there is only one parameter), and no other
example states a different answer for the same call. Whatever is unsure is left out.
"""
from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from dcode.problem.types import AssertTest, CallTest, TestCase
from dcode.problem.values import arithmetic_value, crosses_as_json, literal_call, parse_assignments, parse_value
from dcode.pyast import parse_python

_JOIN_LINES = 20  # a call written over more lines than this is not an example
_PREFIX = re.compile(r"^(?:[*\-•>]+\s*|\d+[.)]\s+|(?:for|assert)\b\s*|e\.g\.,?\s*|examples?\s*\d*\s*:\s*)",
                     re.IGNORECASE)
_BULLETS = re.compile(r"^(?:[*\-•>]+\s*|\d+[.)]\s+)+")
_CALL_START = re.compile(r"^(?P<fn>[A-Za-z_]\w*)\s*\(")
_SYMBOL_OPS = r"==>|-->|==|=>|->|➞|→|⇒|=(?!=)"
_OP = re.compile(rf"^(?:#\s*)?(?:(?P<symbol>{_SYMBOL_OPS})|(?:should\s+(?:return|be|give)|will\s+return|returns"
                 r"|gives|is\s+equal\s+to)\b)\s*", re.IGNORECASE)
_REMARK = re.compile(r"\s+(?:#|\((?=\s*[A-Za-z])|explanation\s*:|because\b|since\b)", re.IGNORECASE)
_CHAIN = re.compile(r"(?<![=<>!])=(?![=>])")
_PROSE = re.compile(r"^(?:for|given)\s+(?P<given>.+?),?\s+(?:then\s+)?"
                    r"the\s+(?:output|result|answer|return\s+value)"
                    r"\s+(?:should\s+be|will\s+be|would\s+be|is)\s*:?\s+(?P<want>.+)$", re.IGNORECASE)
_IO_INPUT = re.compile(r"^(?:example\s*\d*\s*:?\s*)?input\s*:\s*(?P<given>.*?)"
                       r"(?:\s+output\s*:\s*(?P<want>.*))?$", re.IGNORECASE)
_IO_OUTPUT = re.compile(r"^output\s*:\s*(?P<want>.*)$", re.IGNORECASE)
_COLON_PAIR = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*:\s*(?=\S)")


@dataclass(frozen=True)
class Target:
    """The function a problem asks for (`params` in call order) and every function it defines."""

    name: str
    params: tuple[str, ...]
    known: frozenset[str] = frozenset()

    def defines(self, fn: str) -> bool:
        return fn == self.name or fn in self.known


@dataclass(frozen=True)
class Stated:
    """One example: `fn(*args)` is said to give `expected`, on `line` of the file."""

    fn: str
    args: tuple[Any, ...]
    expected: Any
    line: int
    call: str  # as written, for the test's name


@dataclass(frozen=True)
class _Formula:
    """A line that defines the function (`tri(n) = 1 + n / 2`): the `=` lines above it are its definition."""

    fn: str
    line: int


# --- lines -------------------------------------------------------------------------------
def doctest_offsets(text: str) -> set[int]:
    """0-based offsets of the lines that belong to `>>>` examples (their source and shown output)."""
    taken: set[int] = set()
    inside = False
    for i, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if line.startswith(">>>"):
            inside = True
        elif not line:
            inside = False
        if inside:
            taken.add(i)
    return taken


def _outside_strings(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, bracket depth after it) for each character of `text` outside string literals."""
    depth, quote, escaped = 0, "", False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
            continue
        depth += (ch in "([{") - (ch in ")]}")
        yield i, ch, depth


def _closing(text: str, start: int) -> int | None:
    """Index of the bracket closing the one at `start`; None when the text ends first."""
    return next((i for i, ch, depth in _outside_strings(text, start) if depth == 0 and ch in ")]}"), None)


def _strip_prefix(line: str) -> str:
    """Bullets, numbering, `for`, `assert` and `Example:` in front of an example."""
    while (m := _PREFIX.match(line)) and m.end():
        line = line[m.end():].lstrip()
    return line


def logical_lines(text: str, first_line: int, skip: set[int] = frozenset()) -> list[tuple[int, str]]:
    """(line number, text) for each line not in `skip`, a call written over several lines joined into one."""
    raw = text.splitlines()
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(raw):
        if i not in skip:
            end = _call_span(raw, i, skip)
            out.append((first_line + i, " ".join(r.strip() for r in raw[i : end + 1])))
            i = end
        i += 1
    return out


def _call_span(raw: list[str], i: int, skip: set[int]) -> int:
    """The last line of a call that starts on line `i` (`get_row([` ... `], 1) == [...]`); `i` if none."""
    m = _CALL_START.match(_strip_prefix(raw[i].strip()))
    if not m:
        return i
    for j in range(i, min(len(raw), i + _JOIN_LINES)):
        if j > i and j in skip:
            break
        joined = _strip_prefix(" ".join(r.strip() for r in raw[i : j + 1]))
        if _closing(joined, m.end() - 1) is not None:
            return j
    return i


# --- values ------------------------------------------------------------------------------
def _without_period(text: str) -> str:
    return text[:-1].rstrip() if text.endswith((".", ",", ";")) else text


def _one_value(text: str) -> tuple[Any] | None:
    """(value,) for a literal; None when it is not one, or when `("Venus")` may mean a one-tuple."""
    for candidate in dict.fromkeys((_without_period(text), text)):
        try:
            value = parse_value(candidate)
        except ValueError:
            continue
        if candidate.lstrip().startswith("(") and not isinstance(value, tuple):
            return None
        return (value,)
    return None


def _worked_value(text: str) -> tuple[Any] | None:
    """`1 + 9 + 0 + 0 = 10` -> (10,): every step of the working must equal the stated answer."""
    parts = _CHAIN.split(_without_period(text))
    if len(parts) < 2:
        return None
    answer = _one_value(parts[-1])
    if answer is None or type(answer[0]) not in (int, float):
        return None
    steps = [arithmetic_value(p) for p in parts[:-1]]
    if any(s is None or not math.isclose(s, answer[0], rel_tol=1e-9, abs_tol=1e-9) for s in steps):
        return None
    return answer


def stated_value(text: str) -> tuple[Any] | None:
    """The answer an example states, as (value,): a literal, maybe shown with its working or a remark."""
    text = text.strip()
    if not text:
        return None
    if (value := _one_value(text)) is not None or (value := _worked_value(text)) is not None:
        return value
    for m in _REMARK.finditer(text):  # `'No' (the name should start with a letter)`, `24 # 21 + 3`
        if (value := _one_value(text[: m.start()])) is not None:
            return value
    return None


def _bind(pairs: list[tuple[str, Any]], target: Target) -> tuple[Any, ...] | None:
    """Arguments in call order: every parameter named, or a single parameter with a single value."""
    names = [n for n, _ in pairs]
    if len(set(names)) == len(names) == len(target.params) and set(names) == set(target.params):
        values = dict(pairs)
        return tuple(values[p] for p in target.params)
    if len(target.params) == 1 and len(pairs) == 1:
        return (pairs[0][1],)
    return None


def _leading_assignments(text: str) -> list[tuple[str, Any]] | None:
    """`N = 1000, the sum of digits will be 1` -> [("N", 1000)]: the assignments, then prose with no `=`."""
    pieces = _top_level_split(text)
    for k in range(len(pieces), 0, -1):
        if any("=" in p for p in pieces[k:]):
            return None
        try:
            return parse_assignments(",".join(pieces[:k]))
        except ValueError:
            continue
    return None


def _top_level_split(text: str) -> list[str]:
    """Split at the commas outside brackets and strings."""
    cuts = [i for i, ch, depth in _outside_strings(text) if ch == "," and depth == 0]
    return [text[a + 1 : b] for a, b in zip([-1, *cuts], [*cuts, len(text)])]


# --- the forms ---------------------------------------------------------------------------
def _call_example(line_no: int, line: str, target: Target) -> Stated | _Formula | None:
    """`f(3) ➞ 5`, `f(3) == 5`, `f(3) should return 5.`, `f(3)  # returns 5`, `for f(3) == 5`."""
    body = _strip_prefix(line)
    m = _CALL_START.match(body)
    if not m or not target.defines(m["fn"]):
        return None
    end = _closing(body, m.end() - 1)
    if end is None:
        return None
    call_text, rest = body[: end + 1], body[end + 1:].strip()
    op = _OP.match(rest)
    if not op:
        return None
    want = rest[op.end():]
    call, value = literal_call(call_text), stated_value(want)
    formula = re.search(rf"\b{re.escape(m['fn'])}\s*\(", want) or (call is None and value is None)
    if formula:  # `tri(n) = 1 + n / 2`, `tri(3) = tri(2) + tri(1)`
        return _Formula(m["fn"], line_no) if op["symbol"] is not None else None
    if call is None or value is None:  # `is_happy(a) => False`: what is `a`?
        return None
    return Stated(call[0], call[1], value[0], line_no, call_text)


def _prose_example(line_no: int, line: str, target: Target) -> Stated | None:
    """`For N = 150, the sum of digits will be 6 the output should be "110".`"""
    m = _PROSE.match(_strip_prefix_bullets(line))
    if not m:
        return None
    pairs = _leading_assignments(m["given"])
    value = stated_value(m["want"])
    args = _bind(pairs, target) if pairs else None
    if args is None or value is None:
        return None
    return Stated(target.name, args, value[0], line_no, _call_text(target.name, args))


def _strip_prefix_bullets(line: str) -> str:
    return _BULLETS.sub("", line)


def _call_text(fn: str, args: tuple[Any, ...]) -> str:
    return f"{fn}({', '.join(map(repr, args))})"


def _given_args(given: str, target: Target) -> tuple[Any, ...] | None:
    """`arr = [1], k = 1` (each parameter named) or `[4, 2, 3]` (the only parameter)."""
    given = given.strip()
    try:
        pairs = parse_assignments(given)
    except ValueError:
        pairs = None
    if pairs is not None:
        return _bind(pairs, target)
    if len(target.params) != 1 or "=" in given:
        return None
    try:
        node = parse_python(given, mode="eval").body
        value = parse_value(given)
    except (SyntaxError, ValueError):
        return None
    if isinstance(node, ast.Tuple) and not given.startswith("("):
        return None  # `Input: 1, 2` for one parameter: a tuple, or two values?
    return (value,)


def _io_examples(lines: list[tuple[int, str]], target: Target) -> list[Stated]:
    """`Input: arr = [1, 2], k = 1` (or the values on the lines below `Input:`) then `Output: [2]`."""
    found: list[Stated] = []
    pending: tuple[int, list[str], bool] | None = None  # (line, given, the values are below)
    for line_no, raw in lines:
        line = _strip_prefix_bullets(raw)
        if not line:
            continue
        if m := _IO_INPUT.match(line):
            pending = None
            if m["want"] is not None:
                found.extend(_io_example(line_no, m["given"], m["want"], target))
            else:
                pending = (line_no, [m["given"]] if m["given"] else [], not m["given"])
        elif pending and (m := _IO_OUTPUT.match(line)):
            found.extend(_io_example(pending[0], ", ".join(pending[1]), m["want"], target))
            pending = None
        elif pending and pending[2] and len(pending[1]) < 8:  # the values on the lines below `Input:`
            pending[1].append(_COLON_PAIR.sub(lambda c: f"{c['name']} = ", line))
        else:
            pending = None
    return found


def _io_example(line_no: int, given: str, want: str, target: Target) -> list[Stated]:
    args = _given_args(given, target) if given else None
    value = stated_value(want)
    if args is None or value is None:
        return []
    return [Stated(target.name, args, value[0], line_no, _call_text(target.name, args))]


# --- from text to tests ------------------------------------------------------------------
def stated_examples(text: str, first_line: int, target: Target, *, io_labels: bool = True) -> list[Stated]:
    """Every example in `text` (a docstring, or a problem's prose), doctest lines left to doctests.py.

    `io_labels` reads `Input:` / `Output:` pairs too (Markdown problems read those their own way).
    """
    lines = logical_lines(text, first_line, doctest_offsets(text))
    found: list[Stated] = []
    formulas: dict[str, int] = {}
    for line_no, line in lines:
        example = _call_example(line_no, line, target) or _prose_example(line_no, line, target)
        if isinstance(example, _Formula):
            formulas[example.fn] = max(formulas.get(example.fn, 0), example.line)
        elif example is not None:
            found.append(example)
    if io_labels:
        found.extend(_io_examples(lines, target))
    found = [s for s in found if s.line > formulas.get(s.fn, 0)]
    return _agreeing(sorted(found, key=lambda s: s.line))


def _key(fn: str, args: tuple[Any, ...]) -> str:
    return f"{fn}{args!r}"


def _agreeing(found: Iterable[Stated]) -> list[Stated]:
    """One example per call; a call stated with two different answers is left out altogether."""
    by_call: dict[str, list[Stated]] = {}
    for s in found:
        by_call.setdefault(_key(s.fn, s.args), []).append(s)
    return [group[0] for group in by_call.values() if len({repr(s.expected) for s in group}) == 1]


def _clip(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def as_test(s: Stated, *, hidden: bool = False) -> TestCase:
    """A CallTest (compared by value in the parent) when JSON carries the call unchanged, else an AssertTest."""
    name = f"line {s.line}: {_clip(s.call)}"
    if crosses_as_json(list(s.args)) and crosses_as_json(s.expected, tuples=True):
        return CallTest(s.fn, s.args, s.expected, name, hidden)
    source = f"assert {_call_text(s.fn, s.args)} == {s.expected!r}\n"
    return AssertTest(source=source, name=name, hidden=hidden)


def example_tests(text: str, first_line: int, target: Target, *, hidden: bool = False, io_labels: bool = True,
                  existing: Iterable[TestCase] = ()) -> list[TestCase]:
    """The tests stated in `text`, leaving out calls that `existing` tests (doctests) already make."""
    made = {_key(t.fn, tuple(t.args)) for t in existing if isinstance(t, CallTest)}
    found = stated_examples(text, first_line, target, io_labels=io_labels)
    return [as_test(s, hidden=hidden) for s in found if _key(s.fn, s.args) not in made]
