"""The TUI driven by Textual's pilot: a scripted engine, the real sandbox."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from textual.widgets import ListView, TextArea

from dcode.errors import BadInput
from dcode.loops import Budget
from dcode.tui.app import SolveApp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "loops"))
from loops_fakes import ScriptedEngine, add_problem  # noqa: E402

WRONG, RIGHT = "    return a - b", "    return a + b"


async def settle(pilot, until, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not until():
        assert time.monotonic() < deadline, "the app did not get there"
        await pilot.pause(0.05)


class WaitsForStop(ScriptedEngine):
    """Generates until told to stop, as a slow model would."""

    def complete(self, prompt, sampling=None, *, cancel=None, on_token=None):
        while not (cancel and cancel.is_set):
            time.sleep(0.01)
        return []


@pytest.mark.asyncio
async def test_run_lists_the_candidates_with_their_verdicts_and_shows_the_passing_code():
    app = SolveApp(add_problem(2, 0), lambda: ScriptedEngine([WRONG, RIGHT]), budget=Budget(samples=4, batch=1, rounds=0),
                   model="scripted")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await settle(pilot, lambda: app.session.finished is not None and app.cancel is None)
        assert len(app.query_one("#candidates", ListView).children) == 2
        assert [c.badge for c in app.session.candidates.values()] == ["0/2 wrong_answer", "2/2 passed"]
        await pilot.press("down")
        await pilot.pause()
        assert "a + b" in app.query_one("#code-view", TextArea).text
        assert app.status_line().startswith("dcode scripted · passed after 2 samples")


@pytest.mark.asyncio
async def test_escape_stops_a_run_that_is_generating():
    app = SolveApp(add_problem(2, 0), lambda: WaitsForStop([]), budget=Budget(samples=4, batch=1, rounds=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await settle(pilot, lambda: app.session.phase != "")
        await pilot.press("escape")
        await settle(pilot, lambda: app.cancel is None)
        assert app.session.finished is not None and app.session.finished.stop_reason == "cancelled"
        assert "stopped after 0 samples" in app.status_line()


@pytest.mark.asyncio
async def test_a_model_that_cannot_load_is_a_notification_and_the_app_stays():
    def broken():
        raise BadInput("unknown model 'gemma-9'")

    app = SolveApp(add_problem(2, 0), broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await settle(pilot, lambda: app.cancel is None)
        assert any("unknown model" in n.message for n in app._notifications)
        assert app.is_running


@pytest.mark.asyncio
async def test_accept_writes_the_selected_code_to_a_new_file_and_never_over_one(tmp_path):
    app = SolveApp(add_problem(2, 0), lambda: ScriptedEngine([WRONG, RIGHT]), budget=Budget(samples=4, batch=1, rounds=0))
    target, kept = tmp_path / "add_solution.py", tmp_path / "mine.py"
    kept.write_text("# the user's own file\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await settle(pilot, lambda: app.session.finished is not None and app.cancel is None)
        await pilot.press("down")  # the passing candidate
        for path in (kept, target):
            await pilot.press("a")
            await settle(pilot, lambda: app.screen.query("#accept-path"))
            field = app.screen.query_one("#accept-path")
            field.value = str(path)
            await pilot.press("enter")
            await pilot.pause()
    assert kept.read_text() == "# the user's own file\n"
    assert "return a + b" in target.read_text()
    assert any("exists; nothing written" in n.message for n in app._notifications)
