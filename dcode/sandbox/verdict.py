"""Verdicts and results: decided by the parent from data it controls, never by the candidate."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dcode.problem.types import TestCase


class Verdict(StrEnum):
    PASSED = "passed"
    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    SYNTAX_ERROR = "syntax_error"
    SANDBOX_ERROR = "sandbox_error"


@dataclass(frozen=True)
class Limits:
    """Per-test resource limits for a candidate."""

    timeout_s: float = 6.0
    memory_mb: int = 1024
    file_size_mb: int = 64
    open_files: int = 256
    processes: int = 64
    output_bytes: int = 8 * 1024 * 1024


@dataclass
class TestResult:
    test: TestCase
    verdict: Verdict
    time_s: float
    stdout: str = ""
    stderr: str = ""  # the tail, capped
    expected: str | None = None
    actual: str | None = None  # stdout, or the JSON of a call's return value
    message: str = ""  # a short human reason: "line 3: expected 5, got 4"

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED


@dataclass
class CheckResult:
    results: list[TestResult] = field(default_factory=list)
    time_s: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def n_passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def verdict(self) -> Verdict:
        """The overall verdict: passed, or the first failing test's verdict."""
        for r in self.results:
            if not r.passed:
                return r.verdict
        return Verdict.PASSED if self.results else Verdict.SANDBOX_ERROR
