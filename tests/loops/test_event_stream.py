"""The solve loop as an event source: any number of subscribers, tokens with their text, and `Finished` always last."""
from __future__ import annotations

import pytest

from dcode.engines import Cancel, Sampling
from dcode.loops import Budget, SolveOptions, solve
from dcode.loops.events import Finished, TokenStreamed

from loops_fakes import ScriptedEngine, add_problem

WRONG = "    return a - b\n"
RIGHT = "    return a + b\n"


class Broken(ScriptedEngine):
    def _answer(self, *args, **kwargs):
        raise ConnectionError("the server went away")


def solve_with(engine, checkers, **budget):
    first, second = [], []
    check_many, check = checkers
    try:
        result = solve(add_problem(), engine, Budget(**{"samples": 2, "batch": 1, **budget}), SolveOptions(Sampling(max_tokens=1024, seed=1)),
                       on_event=[first.append, second.append], check_many=check_many, check=check)
    except ConnectionError:
        result = None
    assert first == second  # every subscriber hears every event, in the same order
    return result, first


def test_a_solve_that_passes_ends_in_finished_and_tokens_carry_their_text(checkers):
    result, events = solve_with(ScriptedEngine([RIGHT]), checkers)
    assert result.passed and isinstance(events[-1], Finished) and events[-1].passed and not events[-1].error
    tokens = [e for e in events if isinstance(e, TokenStreamed)]
    assert tokens and "".join(t.text for t in tokens) == RIGHT


def test_a_solve_that_fails_ends_in_finished(checkers):
    result, events = solve_with(ScriptedEngine([WRONG]), checkers)
    assert not result.passed and isinstance(events[-1], Finished) and events[-1].status == "failed"


def test_a_cancelled_solve_ends_in_finished(checkers):
    cancel = Cancel()
    cancel.set()
    check_many, check = checkers
    events = []
    solve(add_problem(), ScriptedEngine([WRONG]), Budget(samples=4, batch=1), SolveOptions(Sampling(max_tokens=1024, seed=1)),
          on_event=events.append, cancel=cancel, check_many=check_many, check=check)
    assert isinstance(events[-1], Finished) and not events[-1].passed


def test_an_engine_error_ends_in_finished_with_the_error_and_is_raised(checkers):
    result, events = solve_with(Broken([RIGHT]), checkers)
    assert result is None
    assert isinstance(events[-1], Finished) and events[-1].status == "error"
    assert events[-1].error == "ConnectionError: the server went away"
    with pytest.raises(ConnectionError):
        solve(add_problem(), Broken([RIGHT]), Budget(samples=1), SolveOptions(Sampling(max_tokens=1024, seed=1)))


def test_each_test_verdict_is_an_event_as_it_lands():
    """With the sandbox's own checks (no injected checker): TestChecked per test, then CandidateChecked."""
    from dcode.loops.events import CandidateChecked, TestChecked

    events = []
    result = solve(add_problem(), ScriptedEngine([WRONG, RIGHT]), Budget(samples=2, batch=1, rounds=0),
                   SolveOptions(Sampling(max_tokens=64, seed=1)), on_event=events.append)
    assert result.passed
    landed = [e for e in events if isinstance(e, TestChecked)]
    assert [e.verdict for e in landed if e.candidate == 1] == ["wrong_answer"] * 3
    assert [e.verdict for e in landed if e.candidate == 2] == ["passed"] * 3
    first_whole = next(i for i, e in enumerate(events) if isinstance(e, CandidateChecked))
    assert isinstance(events[first_whole - 1], TestChecked)


def test_cancel_reaches_the_running_checks():
    """A solve cancelled while its candidate's tests run stops them, and the candidate does not pass."""
    import threading

    from dcode.loops.events import PhaseChanged

    slow = "    import time\n    time.sleep(30)\n    return a + b\n"
    cancel = Cancel()
    events = []

    def watch(event) -> None:
        events.append(event)
        if isinstance(event, PhaseChanged) and event.phase == "check":
            threading.Timer(0.5, cancel.set).start()

    result = solve(add_problem(), ScriptedEngine([slow]), Budget(samples=1, batch=1),
                   SolveOptions(Sampling(max_tokens=64, seed=1)), on_event=watch, cancel=cancel)
    assert not result.passed and result.visible.results[0].message == "cancelled"
    assert isinstance(events[-1], Finished) and events[-1].stop_reason == "cancelled"
