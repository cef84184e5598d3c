"""Problems written in Markdown, as people paste them from judges, issues or their own notes.

One pass over markdown-it's block tokens collects examples of every kind; the kinds are
told apart by what surrounds a code block, never by guessing at its contents:

- a fenced or indented block right after a label `Input` / `Sample Input 1` / `### Output`
  is one half of a stdin/stdout pair (Codeforces, AtCoder);
- `Input: a = 1, b = [2]` / `Output: 3` lines are LeetCode examples, called with the
  arguments in the order of the signature found in a python block;
- `>>>` lines are doctests; top-level `assert`s in a python block are assert tests;
- examples written as people write them, `f(3) ➞ 5`, `For n = 3 the output should be 5`
  (examples.py), in the text and in the docstrings of python blocks, for a function whose
  signature a python block shows, when the problem has no stdin/stdout examples;
- a line `tests: path` points at a pytest file/folder or a JSON test file.

Everything under a heading that says "hidden" is a hidden test and is cut from the
statement a model sees. `docs/problem-format.md` is the user-facing description.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

from dcode.errors import BadInput, read_user_text
from dcode.problem.doctests import doctest_tests, has_doctest
from dcode.problem.limits import memory_limit_mb, time_limit_s
from dcode.problem.examples import Target, example_tests
from dcode.problem.pysource import (Signature, assert_tests, block_docstring_tests, has_top_level_assert,
                                    signatures_in)
from dcode.problem.types import CallTest, IOTest, Problem, TestCase
from dcode.problem.values import parse_assignments, parse_value

PYTHON_LANGS = {"python", "py", "python3", "pycon", "ipython"}

_MARKUP = re.compile(r"[*_`]+")
_IO_LABEL = re.compile(
    r"^(?:sample|example)?\s*(?:test\s*)?(?:expected\s+)?(?P<kind>input|output)"
    r"(?:\s*(?:#\s*)?\d+)?\s*:?\s*(?:copy)?$",
    re.IGNORECASE,
)
_LC_PREFIX = r"^\s*(?:Example\s*\d*\s*:?\s*)?Input\s*:\s*"
_LC_BOTH = re.compile(_LC_PREFIX + r"(?P<input>.+?)\s+Output\s*:\s*(?P<output>.+?)\s*$", re.IGNORECASE)
_LC_INPUT = re.compile(_LC_PREFIX + r"(?P<input>.+?)\s*$", re.IGNORECASE)
_LC_OUTPUT = re.compile(r"^\s*Output\s*:\s*(?P<output>.+?)\s*$", re.IGNORECASE)
_LC_TRAILER = re.compile(r"\s+Explanation\s*:.*$", re.IGNORECASE)
_TESTS_LINE = re.compile(r"^\s*(?P<key>hidden[ _-]tests|tests)\s*:\s*`?(?P<path>[\w./\\~+-]+)`?\s*$",
                         re.IGNORECASE)
_HIDDEN_HEADING = re.compile(r"\bhidden\b", re.IGNORECASE)
_INLINE_MARKS = re.compile(r"`+|\*\*")


def _plain(text: str) -> str:
    return _MARKUP.sub("", text).strip().lstrip("#").strip()


@dataclass
class _LeetCodeExample:
    assignments: list[tuple[str, object]]
    expected: object
    line: int


@dataclass
class _Collector:
    origin: str
    base_dir: Path
    tests: list[TestCase] = field(default_factory=list)
    leetcode: list[tuple[_LeetCodeExample, bool]] = field(default_factory=list)
    signatures: list[tuple[Signature, str]] = field(default_factory=list)  # (signature, its block)
    io_line: int | None = None
    function_line: int | None = None
    pending_input: tuple[str, int, bool] | None = None  # (text, line, hidden)
    pending_lc_input: tuple[str, int] | None = None
    # Examples written as people write them (examples.py): used only when the problem has no stdin/stdout
    # examples, so a docstring in a sketch of a solution never makes a Codeforces problem a mix of both.
    stated: list[TestCase] = field(default_factory=list)  # from the docstrings in python blocks
    prose: list[tuple[str, int, bool]] = field(default_factory=list)  # (text, first line, hidden)

    def fail(self, line: int, message: str) -> BadInput:
        return BadInput(f"{self.origin}:{line}: {message}")

    # --- stdin/stdout pairs -------------------------------------------------------------
    def io_block(self, kind: str, text: str, line: int, hidden: bool) -> None:
        if kind == "input":
            self.close_io()
            self.pending_input = (text, line, hidden)
            return
        if self.pending_input is None:
            raise self.fail(line, "Output block has no Input block before it")
        given, given_line, given_hidden = self.pending_input
        self.pending_input = None
        self.tests.append(IOTest(given, text, name=f"example at line {given_line}",
                                 hidden=given_hidden or hidden))
        self.io_line = self.io_line or given_line

    def close_io(self) -> None:
        if self.pending_input is not None:
            raise self.fail(self.pending_input[1], "Input block has no Output block after it")

    # --- LeetCode lines -----------------------------------------------------------------
    def text_lines(self, text: str, first_line: int, hidden: bool) -> None:
        self.prose.append((text, first_line, hidden))
        for offset, raw in enumerate(text.splitlines()):
            line_no = first_line + offset
            line = _MARKUP.sub("", raw).strip().lstrip(">").strip()
            if m := _LC_BOTH.match(line):
                self.close_lc()
                self.leetcode_example(m["input"], m["output"], line_no, hidden)
            elif m := _LC_INPUT.match(line):
                self.close_lc()
                self.pending_lc_input = (m["input"], line_no)
            elif (m := _LC_OUTPUT.match(line)) and self.pending_lc_input:
                given, given_line = self.pending_lc_input
                self.pending_lc_input = None
                self.leetcode_example(given, m["output"], given_line, hidden, output_line=line_no)
            elif m := _LC_OUTPUT.match(line):
                if self.leetcode or any(isinstance(t, IOTest) for t in self.tests):
                    raise self.fail(line_no, "Output: line has no Input: line before it")

    def close_lc(self) -> None:
        if self.pending_lc_input is not None:
            raise self.fail(self.pending_lc_input[1], "Input: line has no Output: line after it")

    def leetcode_example(self, given: str, want: str, line: int, hidden: bool,
                         output_line: int | None = None) -> None:
        want = _LC_TRAILER.sub("", want)
        if "=" not in given.replace("==", ""):  # `Input: 5` / `Output: 25`: a one-line stdin example
            self.tests.append(IOTest(given + "\n", want + "\n", name=f"example at line {line}",
                                     hidden=hidden))
            self.io_line = self.io_line or line
            return
        try:
            assignments = parse_assignments(given)
        except ValueError as e:
            raise self.fail(line, f"cannot read LeetCode input: {e}") from None
        try:
            expected = parse_value(want)
        except ValueError as e:
            raise self.fail(output_line or line, f"cannot read LeetCode output: {e}") from None
        self.leetcode.append((_LeetCodeExample(assignments, expected, line), hidden))
        self.function_line = self.function_line or line

    # --- python blocks ------------------------------------------------------------------
    def python_block(self, code: str, first_line: int, hidden: bool) -> None:
        for sig in signatures_in(code):
            self.signatures.append((sig, code))
        if has_doctest(code):
            found = doctest_tests(code, first_line, hidden=hidden)
        elif has_top_level_assert(code):
            found = assert_tests(code, first_line, self.origin, hidden=hidden)
        else:
            found = []
        self.stated += block_docstring_tests(code, first_line, existing=found, hidden=hidden)
        self.tests.extend(found)
        if found:
            self.function_line = self.function_line or first_line

    # --- `tests:` lines -----------------------------------------------------------------
    def tests_line(self, key: str, raw_path: str, line: int, hidden: bool) -> None:
        from dcode.problem.loader import load_tests  # a problem may point at any test file

        path = Path(raw_path).expanduser()
        path = path if path.is_absolute() else self.base_dir / path
        if not path.exists():
            raise self.fail(line, f"tests path not found: {raw_path} (looked for {path})")
        hidden = hidden or key.lower().startswith("hidden")
        found = load_tests(path, hidden=hidden)
        self.tests.extend(found)
        if any(isinstance(t, IOTest) for t in found):
            self.io_line = self.io_line or line
        else:
            self.function_line = self.function_line or line


def parse_markdown(text: str, origin: str = "<problem>", base_dir: Path | None = None) -> Problem:
    """Parse a Markdown problem; `origin` names the file in errors, `base_dir` anchors `tests:` paths."""
    c = _Collector(origin=origin, base_dir=base_dir or Path.cwd())
    tokens = MarkdownIt("commonmark").parse(text)
    lines = text.splitlines()
    cut: list[tuple[int, int]] = []  # 0-based [start, end) line ranges left out of the statement
    title = ""
    hidden_level: int | None = None
    hidden_start = 0
    label: tuple[str, int] | None = None  # ("input"|"output", heading/paragraph line) just seen

    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            content = tokens[i + 1].content
            start = tok.map[0] if tok.map else 0
            if hidden_level is not None and level <= hidden_level:
                cut.append((hidden_start, start))
                hidden_level = None
            if hidden_level is None and _HIDDEN_HEADING.search(content):
                c.close_io()
                c.close_lc()
                hidden_level, hidden_start = level, start
            if not title and level == 1:
                title = _plain(content)
        hidden = hidden_level is not None

        if tok.type == "inline" and tok.map:
            first = tok.map[0] + 1
            for offset, raw in enumerate(tok.content.splitlines()):
                if m := _TESTS_LINE.match(raw.replace("*", "")):
                    c.tests_line(m["key"], m["path"], first + offset, hidden)
                    cut.append((tok.map[0] + offset, tok.map[0] + offset + 1))
            m = _IO_LABEL.match(_plain(tok.content))
            label = (m["kind"].lower(), first) if m else None
            if not m:
                c.text_lines(tok.content, first, hidden)
        elif tok.type in ("fence", "code_block") and tok.map:
            first = tok.map[0] + (2 if tok.type == "fence" else 1)
            lang = tok.info.strip().split(" ")[0].lower() if tok.type == "fence" else ""
            if label is not None:
                c.io_block(label[0], tok.content, label[1], hidden)
            elif lang in PYTHON_LANGS:
                c.python_block(tok.content, first, hidden)
            elif has_doctest(tok.content):
                c.tests.extend(doctest_tests(tok.content, first, hidden=hidden))
                c.function_line = c.function_line or first
            else:
                c.text_lines(tok.content, first, hidden)
            label = None
        elif not tok.type.endswith(("_open", "_close")):  # a rule or HTML between label and block
            label = None
    if hidden_level is not None:
        cut.append((hidden_start, len(lines)))
    c.close_io()
    c.close_lc()
    return _assemble(c, lines, cut, title)


def _assemble(c: _Collector, lines: list[str], cut: list[tuple[int, int]], title: str) -> Problem:
    tests = list(c.tests)
    function_name: str | None = None
    starter: str | None = None
    if c.leetcode:
        sig, starter = _leetcode_signature(c)
        function_name = sig.name
        for ex, hidden in c.leetcode:
            values = dict(ex.assignments)
            missing = [p for p in sig.params if p not in values]
            extra = [n for n in values if n not in sig.params]
            if missing or extra:
                what = f"missing {missing[0]!r}" if missing else f"unknown argument {extra[0]!r}"
                raise c.fail(ex.line, f"example does not match {sig.name}({', '.join(sig.params)}): {what}")
            args = tuple(values[p] for p in sig.params)
            call = f"{sig.name}({', '.join(map(repr, args))})"
            tests.append(CallTest(sig.name, args, ex.expected, name=f"line {ex.line}: {_clip(call)}",
                                  hidden=hidden))
    if c.io_line is not None and c.function_line is not None:
        raise c.fail(max(c.io_line, c.function_line),
                     f"mixes stdin/stdout examples (line {c.io_line}) with function tests "
                     f"(line {c.function_line}); a problem is one or the other")
    if function_name is None and c.signatures:
        called = [t.fn for t in tests if isinstance(t, CallTest)]
        chosen = next(((s, code) for s, code in c.signatures if s.name in called), c.signatures[0])
        function_name, starter = chosen[0].name, chosen[1]
    if function_name is None:
        function_name = next((t.fn for t in tests if isinstance(t, CallTest)), None)
    if c.io_line is None:
        tests += [t for t in c.stated if not _repeats(t, tests)]
        tests += _prose_tests(c, function_name, tests)
    is_function = c.io_line is None and (function_name is not None or bool(tests))
    keep = [ln for n, ln in enumerate(lines) if not any(a <= n < b for a, b in cut)]
    statement = "\n".join(keep).strip() + "\n"
    return Problem(
        statement=statement,
        tests=tests,
        style="function" if is_function else "stdin",
        title=title,
        function_name=function_name if is_function else None,
        starter_code=starter if is_function else None,
        time_limit_s=time_limit_s(statement),
        memory_limit_mb=memory_limit_mb(statement),
    )


def _prose_tests(c: _Collector, function_name: str | None, found: list[TestCase]) -> list[TestCase]:
    """Examples in the text (`f(3) ➞ 5`, `For n = 3 the output should be 5`) of a function the problem shows."""
    sig = next((s for s, _ in c.signatures if s.name == function_name), None)
    if sig is None:
        return []
    target = Target(sig.name, sig.params, frozenset(s.name for s, _ in c.signatures))
    tests: list[TestCase] = []
    for text, first_line, hidden in c.prose:
        tests += example_tests(_unmarked(text), first_line, target, hidden=hidden, io_labels=False,
                               existing=[*found, *tests])
    return tests


def _repeats(test: TestCase, tests: list[TestCase]) -> bool:
    """A call another test already makes (a LeetCode example stated again in a docstring)."""
    return isinstance(test, CallTest) and any(
        isinstance(t, CallTest) and (t.fn, repr(t.args)) == (test.fn, repr(test.args)) for t in tests)


def _unmarked(text: str) -> str:
    """Inline code marks and bold out of the way; `_` stays, as it is part of names."""
    return _INLINE_MARKS.sub("", text).replace("\\_", "_")


def _clip(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _leetcode_signature(c: _Collector) -> tuple[Signature, str]:
    names = {n for ex, _ in c.leetcode for n, _ in ex.assignments}
    for sig, code in c.signatures:
        if names <= set(sig.params):
            return sig, code
    first = c.leetcode[0][0].line
    if not c.signatures:
        raise c.fail(first, "LeetCode-style example but no function signature in a python block")
    sig = c.signatures[0][0]
    raise c.fail(first, f"example arguments {sorted(names)} do not match {sig.name}({', '.join(sig.params)})")


def load_markdown(path: Path) -> Problem:
    """A problem file; an empty one is bad input (a problem with only prose is not: the loops write tests)."""
    text = read_user_text(path)
    if not text.strip():
        raise BadInput(f"{path}: is empty, expected a problem statement")
    problem = parse_markdown(text, origin=str(path), base_dir=path.parent)
    problem.source = path
    if not problem.title:
        problem.title = path.stem
    return problem
