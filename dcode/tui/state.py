"""The problem the app works on: loaded from a file, edited in memory, with the tests the user added."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from dcode.errors import BadInput, read_user_text
from dcode.problem import load_problem, parse_problem, typed_test
from dcode.problem.types import Problem, TestCase


@dataclass
class ProblemState:
    """`text` is what the user edits (the file's text, or the statement); `added` survive an edit."""

    problem: Problem | None
    text: str = ""
    added: list[TestCase] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.problem is not None and not self.text:
            source = self.problem.source
            self.text = read_user_text(source) if source is not None and source.is_file() else self.problem.statement

    @property
    def is_stub(self) -> bool:
        return self.problem is not None and self.problem.source is not None and self.problem.source.suffix == ".py"

    def open(self, path: Path) -> None:
        """Another problem file; raises BadInput (and keeps the current one) when it does not load."""
        problem = load_problem(path)
        self.problem, self.text, self.added = problem, read_user_text(path), []

    def _parsed(self, text: str) -> Problem:
        return parse_problem(text, self.problem.source if self.problem is not None else None)

    def error_in(self, text: str) -> str | None:
        """Why an edited text is no problem (one line), or None when it parses."""
        try:
            self._parsed(text)
        except BadInput as e:
            return f"dcode: {e}"
        return None

    def apply_edit(self, text: str) -> None:
        problem = self._parsed(text)
        self.problem = replace(problem, tests=problem.tests + self.added)
        self.text = text

    def add_test(self, text: str, output: str | None = None) -> TestCase:
        """The test the user typed, added to the visible ones; raises BadInput when it says no test."""
        if self.problem is None:
            raise BadInput("open a problem first")
        test = typed_test(self.problem, text, output, name=f"yours {len(self.added) + 1}")
        self.added.append(test)
        self.problem = replace(self.problem, tests=self.problem.tests + [test])
        return test
