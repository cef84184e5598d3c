"""The main screens pinned as SVG snapshots at 80x24 and 120x40, dark and light (`--snapshot-update` renews them).

The state comes from a fixed event stream, not a live run, so that every time on screen
(test times, tokens/s) is the same from run to run; pilot tests cover the live runs.
"""
from __future__ import annotations

import pytest

from dcode.loops.events import (CandidateChecked, Finished, PhaseChanged, PromptSent, SampleDone, Started,
                                TestChecked, TokenStreamed)
from dcode.tui.app import SolveApp
from pilot import ScriptedEngine, add_problem

WRONG_CODE = 'def add(a, b):\n    """Return a + b."""\n    return a - b\n'
RIGHT_CODE = 'def add(a, b):\n    """Return a + b."""\n    return a + b\n'
TESTS = [("v0", "add(0, 1)", "1"), ("v1", "add(1, 2)", "3"), ("v2", "add(2, 3)", "5")]


def events() -> list:
    out: list = [Started("add", "function", "complete", 3, 0, {"samples": 8, "max_tokens": None}),
                 PhaseChanged("generate", "1 sample(s)"), PromptSent(1, "solve", 1, 320)]
    out += [TokenStreamed(1, 0, 12, 41.5, "<think>subtract?</think>    return a - b")]
    out += [SampleDone(1, 0, "    return a - b", "stop", 20, 12, 0.3, reasoning="subtract?")]
    out += [TestChecked(1, "visible", name, "wrong_answer", 0.012, "", call, want, str(int(want) - 2 * i - 1 + 0), i)
            for i, (name, call, want) in enumerate(TESTS)]
    out += [CandidateChecked(1, "sample", WRONG_CODE, "wrong_answer", 0, 3, 0.04, feedback="Verdict: wrong answer")]
    out += [PhaseChanged("fix", "round 1 on candidate 1"), PromptSent(2, "fix", 1, 320),
            SampleDone(2, 0, "    return a + b", "stop", 40, 9, 0.2)]
    out += [TestChecked(2, "visible", name, "passed", 0.011, "", call, want, want, i)
            for i, (name, call, want) in enumerate(TESTS)]
    out += [CandidateChecked(2, "fix", RIGHT_CODE, "passed", 3, 3, 0.03, parent=1),
            Finished(True, "passed", "passed", 2, 2, 81, 1.9)]
    return out


def app_with_a_run(theme: str) -> SolveApp:
    app = SolveApp(add_problem(3, 0), lambda _m: ScriptedEngine([]), model="gemma-3-270m", models=["gemma-3-270m"])
    app.theme = theme
    return app


async def replayed(pilot, *keys: str) -> None:
    app = pilot.app
    for event in events():
        app.panes.draw(app.session.apply(event))
    await pilot.pause()
    await pilot.press(*keys)
    await pilot.pause(0.3)  # the stream pane redraws on a timer


SIZES = [(80, 24), (120, 40)]
THEMES = ["textual-dark", "textual-light"]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
@pytest.mark.parametrize("theme", THEMES, ids=["dark", "light"])
@pytest.mark.parametrize("tab", ["code", "tests"])
def test_a_candidate_and_its_tests(snap_compare, size, theme, tab):
    keys = ("down", "2") if tab == "code" else ("4",)  # the passing fix's code; the failing first one's tests
    assert snap_compare(app_with_a_run(theme), terminal_size=size, run_before=lambda p: replayed(p, *keys))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen, keys", [("problem", ()), ("diff", ("down", "3")), ("stream", ("5",)),
                                          ("thinking", ("5", "t")), ("add-test", ("n",)), ("palette", ("ctrl+p",))])
def test_the_other_screens(snap_compare, size, screen, keys):
    assert snap_compare(app_with_a_run("textual-dark"), terminal_size=size, run_before=lambda p: replayed(p, *keys))
