"""`solve`: sample programs, check each against the visible tests, fix failures, keep the best.

The loop in one picture: ask the engine for a batch of samples (one call with n), turn
each answer into a program, run every new program in the sandbox against the visible
tests (in parallel), and stop at the first that passes them all. When none does, the best
failing program goes back to the model with the smallest useful feedback for a few fix
rounds, then fresh samples again, until a budget (samples, tokens, wall time) runs out.
When the problem has too few tests to tell candidates apart, the model also proposes
inputs and candidates are ranked by how many others they agree with (CodeT).

Hidden tests are run once, on the final program, and decide the verdict a user reports:
a program that fails one has failed, whatever the visible tests said. They never reach a
prompt or feedback.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, replace

from dcode.engines.base import Cancel, Completion, Engine
from dcode.loops import agreement
from dcode.loops.candidates import Candidate, Pool, rank
from dcode.loops.checks import checks_as_they_land as _default_check_many
from dcode.loops.events import (CandidateChecked, EventLog, Finished, InputsGenerated, OnEvent, PhaseChanged, Ranked,
                                Started, TestChecked, TokenStreamed)
from dcode.loops.feedback import feedback_for, shown
from dcode.loops.generate import generate, seeded
from dcode.loops.outcome import Budget, SolveOptions, SolveResult, StopReason, final_status

__all__ = ["Budget", "SolveOptions", "SolveResult", "final_status", "solve"]  # the first three live in outcome.py
from dcode.loops.prompts import Prompt, PromptStyle, fix_prompt, solve_prompt
from dcode.problem.types import Problem, TestCase
from dcode.sandbox.verdict import CheckResult, Limits, TestResult

MIN_TOKENS_PER_SAMPLE = 16
# Generated inputs take at most this share of a token budget: the programs need the rest.
PROBE_SHARE = 0.25
# A continuation is one function body or one short program; a base model that runs past this is
# repeating itself, and every token of that costs as much as a useful one.
CONTINUATION_MAX_TOKENS = 320


def choose_style(engine: Engine, requested: str = "auto") -> PromptStyle:
    """Chat when the model has a chat template (it was tuned to follow instructions), else continuation."""
    if requested in ("chat", "complete"):
        return requested  # type: ignore[return-value]
    return "chat" if engine.info.has_chat_template else "complete"


def _default_check(code: str, tests: list[TestCase], limits: Limits | None) -> CheckResult:
    from dcode.sandbox import check

    return check(code, tests, limits)


def problem_limits(problem: Problem, limits: Limits | None) -> Limits:
    base = limits or Limits()
    if problem.time_limit_s:
        base = Limits(**{**asdict(base), "timeout_s": problem.time_limit_s})
    if problem.memory_limit_mb:
        base = Limits(**{**asdict(base), "memory_mb": problem.memory_limit_mb})
    return base


class _Run:
    """The state of one solve: budget spent, candidates, the event stream."""

    def __init__(self, problem: Problem, engine: Engine, budget: Budget, options: SolveOptions,
                 hidden: list[TestCase], log: EventLog, cancel: Cancel | None, check_many, check) -> None:
        self.problem, self.engine, self.budget, self.options = problem, engine, budget, options
        self.visible = problem.visible_tests
        self.hidden = problem.hidden_tests + [t for t in hidden]
        self.log = log
        self.cancel = Cancel(cancel)  # follows the user's at once, and the time budget sets it alone
        self.check_many, self.check = check_many, check
        self.limits = problem_limits(problem, options.limits)
        self.style = choose_style(engine, options.prompt_style)
        self.rounds = budget.rounds if budget.rounds is not None else (1 if self.style == "chat" else 0)
        self.pool = Pool()
        self.probes: list[TestCase] = []
        self.calls = 0
        self.samples = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.start = time.monotonic()

    # budget ---------------------------------------------------------------------------
    @property
    def by_agreement(self) -> bool:
        return len(self.visible) < self.options.min_tests

    def time_left(self) -> float | None:
        if self.budget.time_s is None:
            return None
        return self.budget.time_s - (time.monotonic() - self.start)

    @property
    def stopping(self) -> bool:
        """The user cancelled, or the time budget ran out (its timer sets the loop's own cancel)."""
        return self.cancel.is_set

    def tokens_left(self) -> int | None:
        return None if self.budget.max_tokens is None else self.budget.max_tokens - self.completion_tokens

    def exhausted(self) -> StopReason | None:
        if self.stopping:
            left = self.time_left()
            return "time" if left is not None and left <= 0 else "cancelled"
        if self.samples >= self.budget.samples:
            return "samples"
        tokens = self.tokens_left()
        if tokens is not None and tokens < MIN_TOKENS_PER_SAMPLE:
            return "tokens"
        left = self.time_left()
        if left is not None and left <= 0:
            return "time"
        return None

    @property
    def tokens_per_sample(self) -> int:
        if self.style == "complete":
            return min(self.options.sampling.max_tokens, CONTINUATION_MAX_TOKENS)
        return self.options.sampling.max_tokens

    # engine ---------------------------------------------------------------------------
    def generate(self, prompt: Prompt, n: int, max_tokens: int, purpose: str,
                 temperature: float | None = None) -> list[Completion]:
        tokens = self.tokens_left()
        if tokens is not None:
            max_tokens = max(1, min(max_tokens, tokens // n))
        self.calls += 1
        sampling = replace(seeded(self.options.sampling, self.calls), n=n, max_tokens=max_tokens,
                           **({} if temperature is None else {"temperature": temperature}))
        call, began, streamed = self.calls, time.monotonic(), [0]

        def on_token(sample: int, text: str) -> None:
            streamed[0] += 1
            elapsed = time.monotonic() - began
            self.log(TokenStreamed(call, sample, streamed[0], streamed[0] / elapsed if elapsed > 0 else 0.0, text))

        completions = generate(self.engine, prompt, sampling, self.log, call=call, purpose=purpose,
                               cancel=self.cancel, on_token=on_token)
        for i, c in enumerate(completions):
            self.prompt_tokens += c.prompt_tokens if i == 0 else 0  # one prompt, evaluated once
            self.completion_tokens += c.completion_tokens
        return completions

    # checking ---------------------------------------------------------------------------
    def add_candidates(self, prompt: Prompt, completions: list[Completion], origin: str,
                       parent: int | None) -> list[Candidate]:
        new = [self.pool.add(prompt.candidate(c.text, self.problem), origin, parent, c.completion_tokens)  # type: ignore[arg-type]
               for c in completions]
        self.samples += len(new)
        fresh = [c for c in new if c.code is not None and c.duplicate_of is None]
        if fresh:
            self.log(PhaseChanged("check", f"{len(fresh)} new candidate(s)"))
            results = self.run_checks(fresh)
            for c in fresh:
                c.check = results.get((c.id, "visible"), CheckResult())
                if (c.id, "probes") in results:
                    c.outputs = agreement.outputs_of(results[(c.id, "probes")])
                c.feedback = feedback_for(c.check)
        for c in new:
            if c.duplicate_of is not None:
                first = self.pool.get(c.duplicate_of)
                c.check, c.outputs, c.feedback = first.check, first.outputs, first.feedback
            self.log(CandidateChecked(candidate=c.id, origin=c.origin, code=c.code or "", verdict=str(c.verdict),
                                      passed=c.n_passed, total=len(self.visible), time_s=c.time_s,
                                      parent=c.parent, duplicate_of=c.duplicate_of,
                                      feedback=c.feedback if c.code is not None else "no code block in the answer"))
        return new

    def run_checks(self, fresh: list[Candidate]) -> dict[tuple[int, str], CheckResult]:
        """New programs on the visible tests, and on the probes when ranking by agreement, keyed (id, which).

        A program that does not compile still runs on the visible tests, whose error becomes its
        feedback, but not on the probes: it has no outputs to compare.
        """
        jobs: dict[tuple[int, str], tuple[str, list[TestCase]]] = {}
        for c in fresh:
            assert c.code is not None  # fresh candidates are the ones with code
            if self.visible:
                jobs[(c.id, "visible")] = (c.code, self.visible)
            if self.by_agreement and self.probes and c.compiles:
                jobs[(c.id, "probes")] = (c.code, self.probes)
        keys = list(jobs)
        if not keys:
            return {}
        if self.check_many is _default_check_many:
            def landed(index: int, r: TestResult) -> None:
                cid, which = keys[index]
                given, expected, actual = shown(r)
                position = position_of(r.test, jobs[keys[index]][1])
                self.log(TestChecked(cid, which, r.test.name or str(position), str(r.verdict), r.time_s,  # type: ignore[arg-type]
                                     r.message[:200], given, expected, actual, position))
            checked = _default_check_many([jobs[k] for k in keys], self.limits, on_result=landed, cancel=self)
        else:
            checked = self.check_many([jobs[k] for k in keys], self.limits)
        return dict(zip(keys, checked))

    def agreed(self) -> bool:
        """An agreement-ranked loop may stop early once enough candidates that pass the given tests agree."""
        agreement.score_agreement([c for c in self.pool.candidates if c.code is not None])
        eligible = [c for c in self.pool.candidates if c.code is not None and (c.passed or not self.visible)]
        return any(c.agreement >= self.options.quorum for c in eligible)

    def solved(self) -> StopReason | None:
        if not self.by_agreement:
            return "passed" if any(c.passed for c in self.pool.candidates) else None
        if self.probes:
            return "agreed" if self.agreed() else None
        # no inputs to compare on: the given tests are all there is
        return "passed" if self.visible and any(c.passed for c in self.pool.candidates) else None

    # the loop ---------------------------------------------------------------------------
    def ask_for_probes(self) -> None:
        self.log(PhaseChanged("tests", "asking the model for test inputs"))
        request = agreement.input_request(self.problem, self.style, self.options.probe_inputs)
        tokens = self.tokens_left()
        request = agreement.within(request, None if tokens is None else int(tokens * PROBE_SHARE))
        if request is None:
            return  # too few tokens for even one input: keep them for programs
        completions = self.generate(request.prompt, request.n, request.max_tokens, "tests", temperature=0.8)
        self.probes = agreement.parse_inputs(self.problem, request, completions, self.options.probe_inputs)
        self.log(InputsGenerated(tuple(_probe_text(t) for t in self.probes)))

    def run(self) -> StopReason:
        if self.by_agreement and not self.exhausted():
            self.ask_for_probes()
        parent: Candidate | None = None
        rounds_done = 0
        while (reason := self.exhausted()) is None:
            n = min(self.budget.batch, self.budget.samples - self.samples)
            tokens = self.tokens_left()
            if tokens is not None:  # fewer samples rather than samples too short to finish a program
                n = max(1, min(n, tokens // MIN_TOKENS_PER_SAMPLE))
            if parent is not None and rounds_done < self.rounds:
                rounds_done += 1
                self.log(PhaseChanged("fix", f"round {rounds_done} on candidate {parent.id}"))
                prompt = fix_prompt(self.problem, self.style, parent.code or "", parent.feedback,
                                    self.options.request)
                completions = self.generate(prompt, n, self.tokens_per_sample, "fix")
                new = self.add_candidates(prompt, completions, "fix", parent.id)
            else:
                rounds_done = 0
                self.log(PhaseChanged("generate", f"{n} sample(s)"))
                prompt = solve_prompt(self.problem, self.style, self.options.request)
                completions = self.generate(prompt, n, self.tokens_per_sample, "solve")
                new = self.add_candidates(prompt, completions, "sample", None)
            if (reason := self.solved()) is not None:
                return reason
            parent = self.fix_parent(new, parent)
        return reason

    def finalists(self) -> list[Candidate]:
        """The candidates the answer is chosen from."""
        return self.pool.candidates

    def fix_parent(self, new: list[Candidate], previous: Candidate | None) -> Candidate | None:
        """The failing program most worth fixing next: the best of the last call, if it is better."""
        if not self.visible or self.rounds == 0 or any(c.passed for c in self.pool.candidates):
            return None
        fixable = [c for c in new if c.code is not None and c.check is not None and c.feedback]
        if previous is not None:
            fixable.append(previous)
        ranked = rank([c for c in fixable if c.duplicate_of is None] or fixable)
        return ranked[0] if ranked else None


def position_of(test: TestCase, tests: list[TestCase]) -> int:
    return next((i for i, t in enumerate(tests) if t is test), -1)


def _probe_text(test: TestCase) -> str:
    from dcode.problem.types import CallTest, IOTest

    if isinstance(test, CallTest):
        return f"{test.fn}({', '.join(repr(a) for a in test.args)})"
    if isinstance(test, IOTest):
        return test.input
    return str(test)


def solve(problem: Problem, engine: Engine, budget: Budget = Budget(), options: SolveOptions = SolveOptions(), *,
          hidden_tests: list[TestCase] | None = None, on_event: OnEvent | Sequence[OnEvent] | None = None,
          cancel: Cancel | None = None, check_many=None, check=None) -> SolveResult:
    """Generate programs for `problem` until one passes its visible tests or the budget ends.

    `on_event` is one subscriber or several; the stream always ends in `Finished`: after
    success, failure or cancel, and after an error (with the error in it, then re-raised).
    `check_many` and `check` default to the sandbox's; they are parameters so that tests of
    the loop's control flow can run without a model, never to skip the sandbox in use.

        result = solve(load_problem(Path("problem.md")), load_engine(), Budget(samples=8), on_event=print)
        result.passed, result.code
    """
    subscribers = [on_event] if callable(on_event) else list(on_event or [])
    log = EventLog(subscribers)
    started = time.monotonic()
    try:
        run = _Run(problem, engine, budget, options, list(hidden_tests or []), log, cancel,
                   check_many or _default_check_many, check or _default_check)
        return run_to_end(run)
    except BaseException as e:
        log(Finished(passed=False, status="error", stop_reason="error", candidate=None, samples=0, tokens=0,
                     time_s=time.monotonic() - started, error=f"{type(e).__name__}: {e}"))
        raise


def run_to_end(run: _Run) -> SolveResult:
    """Start, loop, rank, check the best on the hidden tests, finish: one solve (or revision) from its state."""
    problem, budget, log = run.problem, run.budget, run.log
    log(Started(title=problem.title, style=problem.style, prompt_style=run.style, visible_tests=len(run.visible),
                hidden_tests=len(run.hidden), budget=asdict(budget)))
    timer = None
    if budget.time_s is not None:
        timer = threading.Timer(max(budget.time_s, 0.0), run.cancel.set)
        timer.daemon = True
        timer.start()
    try:
        stop_reason = run.run()
    finally:
        if timer is not None:
            timer.cancel()
    log(PhaseChanged("rank"))
    if run.by_agreement:
        agreement.score_agreement([c for c in run.pool.candidates if c.code is not None])
    ranked = rank(run.finalists())
    log(Ranked(tuple(c.id for c in ranked), tuple(c.agreement for c in ranked)))
    best = next((c for c in ranked if c.compiles), None)  # a program that does not compile is no answer
    hidden_check = None
    # A cancelled solve whose best program failed its visible tests is not kept waiting for hidden ones.
    if best is not None and run.hidden and not (stop_reason == "cancelled" and best.check is not None
                                                and not best.check.passed):
        log(PhaseChanged("final", f"{len(run.hidden)} hidden test(s)"))
        hidden_check = run.check(best.code, run.hidden, run.limits)
    status = final_status(best, bool(run.visible), hidden_check)
    elapsed = time.monotonic() - run.start
    log(Finished(passed=status == "passed", status=status, stop_reason=stop_reason,
                 candidate=best.id if best else None, samples=run.samples,
                 tokens=run.prompt_tokens + run.completion_tokens, time_s=elapsed,
                 hidden_verdict=str(hidden_check.verdict) if hidden_check else None,
                 hidden_passed=hidden_check.n_passed if hidden_check else None,
                 hidden_total=len(hidden_check.results) if hidden_check else None))
    return SolveResult(code=best.code if best else None, status=status, stop_reason=stop_reason,
                       prompt_style=run.style, visible=best.check if best else None, hidden=hidden_check,
                       candidates=run.pool.candidates, chosen=best.id if best else None, samples=run.samples,
                       prompt_tokens=run.prompt_tokens, completion_tokens=run.completion_tokens, time_s=elapsed,
                       events=log.events, probes=len(run.probes))
