"""Candidates, how duplicates are recognised, and which candidate the loop trusts most."""
from __future__ import annotations

import ast
import hashlib
import warnings
from dataclasses import dataclass, field
from functools import cached_property

from dcode.loops.events import Origin
from dcode.sandbox.verdict import CheckResult, Verdict
from dcode.pyast import parse_python

# A candidate's verdict when no visible test ran on it (a problem without tests): the sandbox
# did run it, on generated inputs at most, but nothing said what it should have produced.
UNTESTED = "untested"


def compiles(code: str) -> bool:
    """Whether Python accepts the program at all; checked in the parent, which compiles but never runs it.

    A program that does not compile can pass nothing, so it is never the loop's answer, even
    when no test was there to say so.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are the candidate's business, not the user's stderr
        try:
            compile(code, "<candidate>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


@dataclass
class Candidate:
    """One program the loop produced, with its verdict on the visible tests."""

    id: int
    code: str | None  # None: the answer held no code
    origin: Origin
    check: CheckResult | None = None
    parent: int | None = None
    duplicate_of: int | None = None
    outputs: tuple[str, ...] = ()  # what it printed or returned on the generated inputs
    agreement: int = 0  # how many distinct candidates produced the same outputs
    completion_tokens: int = 0
    feedback: str = ""

    @property
    def passed(self) -> bool:
        return self.check is not None and self.check.passed

    @property
    def n_passed(self) -> int:
        return self.check.n_passed if self.check else 0

    @property
    def n_tests(self) -> int:
        return len(self.check.results) if self.check else 0

    @cached_property
    def compiles(self) -> bool:
        return self.code is not None and compiles(self.code)

    @property
    def verdict(self) -> Verdict | str:
        """The verdict on the visible tests; `UNTESTED` when there were none to run."""
        if not self.compiles:
            return Verdict.SYNTAX_ERROR
        if self.check is None:
            return Verdict.SANDBOX_ERROR
        return self.check.verdict if self.check.results else UNTESTED

    @property
    def time_s(self) -> float:
        return sum(r.time_s for r in self.check.results) if self.check else 0.0


def code_key(code: str) -> str:
    """Equal for programs that differ only in comments, blank lines or formatting."""
    try:
        canonical = ast.dump(parse_python(code))
    except (SyntaxError, ValueError):
        canonical = "\n".join(line.rstrip() for line in code.strip().splitlines())
    return hashlib.sha256(canonical.encode()).hexdigest()


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Best first: passes every visible test, then passes most, then compiles, then agrees with most others.

    Agreement only breaks ties among candidates that do equally well on the given tests:
    generated inputs carry no expected answers, so they never overrule a given test. What
    is left tied goes to the candidate generated first (then the code text): never to
    timing, which differs from run to run, so the same seed and samples choose the same.
    """
    real = [c for c in candidates if c.code is not None and c.duplicate_of is None]
    return sorted(real, key=lambda c: (not c.passed, -c.n_passed, not c.compiles, -c.agreement, c.id, c.code))


@dataclass
class Pool:
    """Every candidate so far, and the first id each distinct program was seen under."""

    candidates: list[Candidate] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    def add(self, code: str | None, origin: Origin, parent: int | None = None, tokens: int = 0) -> Candidate:
        cand = Candidate(id=len(self.candidates) + 1, code=code, origin=origin, parent=parent,
                         completion_tokens=tokens)
        if code is not None:
            key = code_key(code)
            if key in self.seen:
                first = self.get(self.seen[key])
                cand.duplicate_of = first.id
                cand.check, cand.outputs, cand.feedback = first.check, first.outputs, first.feedback
            else:
                self.seen[key] = cand.id
        self.candidates.append(cand)
        return cand

    def get(self, cid: int) -> Candidate:
        return self.candidates[cid - 1]
