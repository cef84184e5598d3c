"""The TUI driven by Textual's pilot: a scripted engine, the real sandbox."""
from __future__ import annotations

import pytest
from textual.widgets import ListView, TextArea

from dcode.errors import BadInput
from dcode.loops import Budget
from dcode.tui.app import SolveApp
from pilot import RIGHT, WRONG, ScriptedEngine, WaitsForStop, add_problem, answer, finished, notes, settle


@pytest.mark.asyncio
async def test_run_lists_the_candidates_with_their_verdicts_and_shows_the_passing_code():
    app = SolveApp(add_problem(2, 0), lambda _m: ScriptedEngine([WRONG, RIGHT]), budget=Budget(samples=4, batch=1, rounds=0),
                   model="scripted")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await finished(pilot, app)
        assert len(app.query_one("#candidates", ListView).children) == 2
        assert [c.badge for c in app.session.candidates.values()] == ["0/2 wrong_answer", "2/2 passed"]
        await pilot.press("down")
        await pilot.pause()
        assert "a + b" in app.query_one("#code-view", TextArea).text
        assert app.query_one("#code-view", TextArea).language == "python"
        assert app.panes.status_line().startswith("dcode scripted · scripted · passed after 2 samples")
        await pilot.press("4")  # the tests table: input, expected, actual, verdict
        table = app.query_one("#tests-table")
        rows = {tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)}
        assert {r[:4] + r[5:] for r in rows} == {("✓ passed", "add(0, 1)", "1", "1", "v0"), ("✓ passed", "add(1, 2)", "3", "3", "v1")}


@pytest.mark.asyncio
async def test_escape_stops_a_run_that_is_generating():
    app = SolveApp(add_problem(2, 0), lambda _m: WaitsForStop([]), budget=Budget(samples=4, batch=1, rounds=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await settle(pilot, lambda: app.session.phase != "")
        assert app.query_one("#progress").display  # long work shows progress
        await pilot.press("escape")
        await finished(pilot, app)
        assert app.session.finished.stop_reason == "cancelled"
        assert "stopped after 0 samples" in app.panes.status_line()
        assert not app.query_one("#progress").display


@pytest.mark.asyncio
async def test_a_model_that_cannot_load_is_a_notification_and_the_app_stays():
    def broken(_name):
        raise BadInput("unknown model 'gemma-9'")

    app = SolveApp(add_problem(2, 0), broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await settle(pilot, lambda: app.cancel is None and notes(app))
        assert any("unknown model" in n for n in notes(app))
        assert app.is_running


@pytest.mark.asyncio
async def test_accept_writes_the_selected_code_to_a_new_file_and_never_over_one(tmp_path):
    app = SolveApp(add_problem(2, 0), lambda _m: ScriptedEngine([WRONG, RIGHT]), budget=Budget(samples=4, batch=1, rounds=0))
    target, kept = tmp_path / "add_solution.py", tmp_path / "mine.py"
    kept.write_text("# the user's own file\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await finished(pilot, app)
        await pilot.press("down")  # the passing candidate
        for path in (kept, target):
            await pilot.press("a")
            await answer(pilot, app, str(path))
        await pilot.press("c")
        await pilot.pause()
    assert kept.read_text() == "# the user's own file\n"
    assert "return a + b" in target.read_text()
    assert any("exists; nothing written" in n for n in notes(app))
    assert "dcode: candidate #2 copied" in notes(app) and "return a + b" in app.clipboard


@pytest.mark.asyncio
async def test_actions_without_a_candidate_say_so():
    app = SolveApp(add_problem(2, 0), lambda _m: ScriptedEngine([WRONG]))
    async with app.run_test(size=(80, 24)) as pilot:
        for key in "facR":
            await pilot.press(key)
        await pilot.pause()
    assert sum("no candidate" in n for n in notes(app)) == 4
