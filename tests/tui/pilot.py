"""What the TUI's pilot tests share: a scripted engine by model name, and waiting until the app gets there."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "loops"))
from loops_fakes import ScriptedEngine, add_problem  # noqa: E402,F401

WRONG, RIGHT = "    return a - b", "    return a + b"


async def settle(pilot, until, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not until():
        assert time.monotonic() < deadline, "the app did not get there"
        await pilot.pause(0.05)


async def finished(pilot, app) -> None:
    """Until the run's worker is done and its last event drawn."""
    await settle(pilot, lambda: app.cancel is None and app.session.finished is not None)
    await pilot.pause()


async def answer(pilot, app, *values: str) -> None:
    """Fill the open dialog's fields and press Enter in the last."""
    await settle(pilot, lambda: app.screen.query("#field-0"))
    for i, value in enumerate(values):
        app.screen.query_one(f"#field-{i}").value = value
    app.screen.query_one(f"#field-{len(values) - 1}").focus()
    await pilot.press("enter")
    await pilot.pause()


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


class WaitsForStop(ScriptedEngine):
    """Generates until told to stop, as a slow model would."""

    def complete(self, prompt, sampling=None, *, cancel=None, on_token=None):
        while not (cancel and cancel.is_set):
            time.sleep(0.01)
        return []
