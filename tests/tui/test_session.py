"""The TUI's state, folded from a real solve run's events (the scripted engine, the real sandbox)."""
from __future__ import annotations

import sys
from pathlib import Path

from dcode.loops import Budget, solve
from dcode.loops.revise import recheck, revise
from dcode.loops.events import TestChecked as Landed
from dcode.tui.session import CandidateRow, Session, split_thinking

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "loops"))
from loops_fakes import ScriptedEngine, add_problem  # noqa: E402

WRONG, RIGHT = "    return a - b", "    return a + b"


def test_a_run_folds_into_candidates_with_their_tests_and_the_budget_left():
    session, changed = Session(), []
    result = solve(add_problem(n_visible=2, hidden=0), ScriptedEngine([WRONG, RIGHT]), Budget(samples=4, batch=1, rounds=0),
                   on_event=lambda e: changed.append(session.apply(e)))
    assert result.passed
    first, second = session.candidates[1], session.candidates[2]
    assert first.verdict == "wrong_answer" and first.badge.startswith("0/2") and len(first.tests) == 2
    assert second.badge == "2/2 passed" and "a + b" in second.code
    assert session.finished is not None and session.finished.passed and session.samples == 2
    assert session.budget_left() == "2 of 4 samples left"
    assert {"candidates", "tests"} in changed and {"status"} in changed


def test_a_candidate_is_checking_until_its_verdict_lands():
    session = Session()
    session.apply(Landed(1, "visible", "add(1, 2) == 3", "passed", 0.001))
    assert session.candidates[1].badge == "checking 1"
    assert CandidateRow(3, verdict="passed", duplicate_of=1).badge == "same as 1"


def test_thinking_is_split_from_the_answer_even_while_it_streams():
    assert split_thinking("<think>try x</think>def f(): pass") == ("try x", "def f(): pass")
    assert split_thinking("<think>still going") == ("still going", "")
    assert split_thinking("def f(): pass") == ("", "def f(): pass")


def test_a_fix_of_one_row_adds_rows_after_the_others_and_a_recheck_updates_them_in_place():
    session, problem = Session(), add_problem(n_visible=2, hidden=0)
    solve(problem, ScriptedEngine([WRONG, WRONG + " + 0"]), Budget(samples=2, batch=1, rounds=0), on_event=session.apply)
    assert [r.badge for r in session.rows()] == ["0/2 wrong_answer", "0/2 wrong_answer"]
    session.begin({1: 2})  # fix row 2
    revise(problem, ScriptedEngine([RIGHT]), session.candidates[2].code, Budget(samples=2, batch=1),
           on_event=session.apply)
    rows = session.rows()
    assert [(r.index, r.origin, r.parent) for r in rows] == [(1, "sample", None), (2, "sample", None), (3, "fix", 2)]
    assert rows[2].badge == "2/2 passed" and session.finished.candidate == 3
    assert session.before(rows[2]) is rows[1] and session.before(rows[1]) is rows[0] and session.before(rows[0]) is None
    session.begin({1: 1, 2: 3})
    recheck(problem, [rows[0].code, rows[2].code], on_event=session.apply)
    assert len(session.rows()) == 3 and len(session.candidates[1].tests) == 2  # replaced, not appended
    assert session.candidates[3].origin == "fix" and session.candidates[3].tests[0].input == "add(0, 1)"
