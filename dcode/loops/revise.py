"""`revise`: start from a program the caller already has, not from nothing.

Two things a person watching a solve asks for: "fix this one" (its failures go back to the
model, as the solve loop's own fix rounds do, but on the candidate the person chose) and
"change it like this" (a request such as "use O(n log n)" goes with it, so even a passing
program is rewritten, and the rewrite must still pass). And `recheck`: the same programs
on tests that changed, with the same events as a solve, so a face redraws them alike.
"""
from __future__ import annotations

from collections.abc import Sequence

from dcode.engines.base import Cancel, Engine
from dcode.loops.candidates import Candidate, rank
from dcode.loops.checks import checks_as_they_land
from dcode.loops.events import CandidateChecked, EventLog, Finished, OnEvent, PhaseChanged, TestChecked
from dcode.loops.feedback import feedback_for, shown
from dcode.loops.outcome import Budget, SolveOptions, SolveResult, StopReason
from dcode.loops.prompts import fix_prompt
from dcode.loops.solve import _default_check, _default_check_many, _Run, position_of, problem_limits, run_to_end
from dcode.problem.types import Problem
from dcode.sandbox.verdict import CheckResult


class _Revision(_Run):
    """A solve whose every call rewrites the best program so far, starting from the given one (id 1)."""

    def __init__(self, *args, code: str, request: str) -> None:
        super().__init__(*args)
        self.given_code, self.request = code, request.strip()

    def run(self) -> StopReason:
        given = self.pool.add(self.given_code, "given")
        self.check_given(given)  # it was not generated: it costs no sample
        parent = given
        while (reason := self.exhausted()) is None:
            n = max(1, min(self.budget.batch, self.budget.samples - self.samples))
            self.log(PhaseChanged("fix", f"on candidate {parent.id}" + (f": {self.request}" if self.request else "")))
            prompt = fix_prompt(self.problem, self.style, parent.code or "", parent.feedback, self.request)
            new = self.add_candidates(prompt, self.generate(prompt, n, self.tokens_per_sample, "fix"), "fix",
                                      parent.id)
            if any(c.passed for c in new) or (not self.visible and new):
                return "passed" if self.visible else "samples"
            parent = rank([c for c in new if c.code is not None and c.duplicate_of is None] + [parent])[0]
        return reason

    def check_given(self, given: Candidate) -> None:
        self.log(PhaseChanged("check", "the given program"))
        checked = self.run_checks([given]) if self.visible else {}
        given.check = checked.get((given.id, "visible"), CheckResult())
        given.feedback = feedback_for(given.check)
        self.log(CandidateChecked(candidate=given.id, origin="given", code=given.code or "", verdict=str(given.verdict),
                                  passed=given.n_passed, total=len(self.visible), time_s=given.time_s,
                                  feedback=given.feedback))

    def finalists(self) -> list[Candidate]:
        """With a request, the given program is the answer only when no rewrite passes (nothing better was found)."""
        rewrites = [c for c in self.pool.candidates if c.origin != "given"]
        if self.request and any(c.passed for c in rewrites):
            return rewrites
        return self.pool.candidates


def revise(problem: Problem, engine: Engine, code: str, budget: Budget = Budget(samples=4),
           options: SolveOptions = SolveOptions(), *, request: str = "", on_event: OnEvent | Sequence[OnEvent] | None = None,
           cancel: Cancel | None = None, check_many=None, check=None) -> SolveResult:
    """Rewrite `code` until a rewrite passes the visible tests (the given program is candidate 1).

    Without `request` this is "fix this candidate"; with it, the rewrites follow the request.
    The event stream is a solve's: it starts with Started and ends in Finished.

        result = revise(problem, engine, code, request="use a heap")
        result.passed, result.code
    """
    subscribers = [on_event] if callable(on_event) else list(on_event or [])
    log = EventLog(subscribers)
    try:
        run = _Revision(problem, engine, budget, options, [], log, cancel, check_many or _default_check_many,
                        check or _default_check, code=code, request=request)
        return run_to_end(run)
    except BaseException as e:
        log(Finished(passed=False, status="error", stop_reason="error", candidate=None, samples=0, tokens=0,
                     time_s=0.0, error=f"{type(e).__name__}: {e}"))
        raise


def recheck(problem: Problem, codes: Sequence[str], *, on_event: OnEvent | None = None, options: SolveOptions = SolveOptions(),
            cancel: Cancel | None = None) -> list[CheckResult]:
    """Each program (candidates 1..n, in order) on the problem's visible tests, as a solve reports them."""
    log = EventLog([on_event] if on_event else [])
    tests, limits = problem.visible_tests, problem_limits(problem, options.limits)
    stop = Cancel(cancel)

    class _Stopping:
        stopping = property(lambda self: stop.is_set)

    def landed(index: int, r) -> None:
        given, expected, actual = shown(r)
        position = position_of(r.test, tests)
        log(TestChecked(index + 1, "visible", r.test.name or str(position), str(r.verdict), r.time_s,
                        r.message[:200], given, expected, actual, position))

    log(PhaseChanged("check", f"{len(codes)} program(s) on {len(tests)} test(s)"))
    results = checks_as_they_land([(c, tests) for c in codes], limits, on_result=landed, cancel=_Stopping()) \
        if tests else [CheckResult() for _ in codes]
    for i, (code, result) in enumerate(zip(codes, results), start=1):
        log(CandidateChecked(candidate=i, origin="given", code=code, verdict=str(result.verdict), passed=result.n_passed,
                             total=len(tests), time_s=result.time_s, feedback=feedback_for(result)))
    return results
