"""The typed shape of a problem and its tests: what every other room consumes."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

from dcode.problem.project import Project

# How the parent compares output: dcode's own rules, or LiveCodeBench's (sandbox/compare.py says both).
Match = Literal["tolerant", "lcb"]


@dataclass(frozen=True)
class IOTest:
    """Feed `input` on stdin; stdout must match `output` (whitespace-tolerant, float-tolerant)."""

    input: str
    output: str
    name: str = ""
    hidden: bool = False
    match: Match = "tolerant"


@dataclass(frozen=True)
class CallTest:
    """Call `fn(*args)`; the JSON-serialised result must equal `expected`, compared in the parent."""

    fn: str
    args: tuple[Any, ...]
    expected: Any
    name: str = ""
    hidden: bool = False
    match: Match = "tolerant"


@dataclass(frozen=True)
class AssertTest:
    """Python statements (asserts, a `check(candidate)` call) run after the candidate's code."""

    source: str
    name: str = ""
    hidden: bool = False


@dataclass(frozen=True)
class PytestTest:
    """Tests run by pytest in a project: `targets` (paths or node ids, relative to the project's root).

    The candidate's code takes the place of the file `module_path` (default `<module>.py` at
    the root) and is imported as `module`. `hide` names files of hidden tests that this test
    must not see. Without a `project`, `path` (a test file or folder) is the whole of it.
    """

    path: Path
    module: str = "solution"
    name: str = ""
    hidden: bool = False
    project: Project | None = field(default=None, compare=False)
    targets: tuple[str, ...] = ()
    module_path: str = ""
    hide: tuple[str, ...] = ()


TestCase = Union[IOTest, CallTest, AssertTest, PytestTest]

Style = Literal["stdin", "function"]


@dataclass
class Problem:
    """A task to solve: statement, tests and limits, parsed from Markdown, a stub or test files."""

    statement: str
    tests: list[TestCase] = field(default_factory=list)
    style: Style = "stdin"
    title: str = ""
    function_name: str | None = None
    starter_code: str | None = None
    time_limit_s: float | None = None
    memory_limit_mb: int | None = None
    source: Path | None = None
    # A function inside a module (a trainer's task from the user's own code): the code before its
    # `def` and after its end. The candidate function goes between them, and the whole module is
    # what its tests import; `starter_code` is then the function's own header and docstring.
    surrounding: tuple[str, str] | None = None

    @property
    def has_tests(self) -> bool:
        """False for a problem that came with no tests: the loops must write their own."""
        return bool(self.tests)

    @property
    def visible_tests(self) -> list[TestCase]:
        """The tests a candidate may be shown; pytest tests among them cannot read the hidden ones' files."""
        from dcode.problem.testfiles import hold_back

        return hold_back([t for t in self.tests if not t.hidden], self.hidden_tests)

    @property
    def hidden_tests(self) -> list[TestCase]:
        return [t for t in self.tests if t.hidden]
