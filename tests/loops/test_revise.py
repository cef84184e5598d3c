"""revise and recheck: from a program the user chose, with the real sandbox."""
from __future__ import annotations

from dataclasses import replace

from dcode.loops.events import CandidateChecked, Finished
from dcode.loops import events
from dcode.loops.outcome import Budget
from dcode.loops.prompts import fix_prompt
from dcode.loops.revise import recheck, revise
from dcode.problem.types import CallTest
from loops_fakes import ScriptedEngine, add_problem

WRONG, RIGHT, OTHER_RIGHT = "    return a - b", "    return a + b", "    return b + a"
WRONG_CODE = 'def add(a, b):\n    """Return a + b."""\n    return a - b\n'
RIGHT_CODE = 'def add(a, b):\n    """Return a + b."""\n    return a + b\n'


def test_fix_this_candidate_shows_its_failure_and_stops_at_the_first_rewrite_that_passes():
    engine, events = ScriptedEngine([WRONG, RIGHT]), []
    result = revise(add_problem(3, 1), engine, WRONG_CODE, Budget(samples=4, batch=1), on_event=events.append)
    assert result.passed and "a + b" in result.code
    checked = [e for e in events if isinstance(e, CandidateChecked)]
    assert [(e.candidate, e.origin, e.parent) for e in checked] == [(1, "given", None), (2, "fix", 1), (3, "fix", 1)]
    assert result.samples == 2  # the given program cost none
    assert "Call: add(0, 1)" in engine.prompt_texts()[0] and "return a - b" in engine.prompt_texts()[0]
    assert isinstance(events[-1], Finished) and events[-1].hidden_total == 1  # hidden tests judge the answer


def test_a_request_rewrites_even_a_passing_program_and_prefers_the_rewrite():
    engine = ScriptedEngine([OTHER_RIGHT])
    result = revise(add_problem(2, 0), engine, RIGHT_CODE, Budget(samples=2, batch=1), request="write b + a")
    assert "Change it: write b + a" in engine.prompt_texts()[0]
    assert result.passed and "b + a" in result.code


def test_a_request_that_no_rewrite_meets_keeps_the_given_program():
    result = revise(add_problem(2, 0), ScriptedEngine([WRONG]), RIGHT_CODE, Budget(samples=2, batch=1),
                    request="be faster")
    assert result.passed and "a + b" in result.code and result.samples == 2


def test_chat_request_wording():
    problem = add_problem(1, 0)
    passing = fix_prompt(problem, "chat", RIGHT_CODE, "", "use a loop").messages[-1].content
    assert "Change it as I ask: use a loop" in passing and "fails" not in passing
    failing = fix_prompt(problem, "chat", WRONG_CODE, "Verdict: wrong answer", "").messages[-1].content
    assert failing.startswith("Your program fails a test.") and "Change it" not in failing


def test_recheck_runs_each_program_on_the_tests_as_they_are_now():
    problem = add_problem(2, 0)
    problem = replace(problem, tests=problem.tests + [CallTest("add", (2, 2), 4, name="mine")])
    seen = []
    results = recheck(problem, [WRONG_CODE, RIGHT_CODE], on_event=seen.append)
    assert [r.n_passed for r in results] == [0, 3]
    tests = [e for e in seen if isinstance(e, events.TestChecked)]
    assert len(tests) == 6 and {e.candidate for e in tests} == {1, 2}
    mine = next(e for e in tests if e.test == "mine" and e.candidate == 1)
    assert (mine.input, mine.expected, mine.actual, mine.verdict) == ("add(2, 2)", "4", "0", "wrong_answer")
    assert [(e.candidate, e.passed, e.total) for e in seen if isinstance(e, CandidateChecked)] == [(1, 0, 3), (2, 3, 3)]
