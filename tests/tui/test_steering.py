"""Steering a run from the TUI: fix, a request, a new test, re-check, another model, another or an edited
problem, the diff and the palette; a scripted engine and the real sandbox, driven by Textual's pilot."""
from __future__ import annotations


import pytest
from textual.widgets import ListView, TextArea

from dcode.loops import Budget
from dcode.problem import load_problem
from dcode.tui.app import SolveApp
from pilot import RIGHT, WRONG, ScriptedEngine, add_problem, answer, finished, notes, settle

ONCE = Budget(samples=1, batch=1, rounds=0)


def rows(app) -> list[str]:
    return [f"#{r.index} {r.origin} {r.badge}" for r in app.session.rows()]


@pytest.mark.asyncio
async def test_fix_this_candidate_adds_its_rewrites_below_it_and_the_diff_shows_the_change():
    engine = ScriptedEngine([WRONG, RIGHT])
    app = SolveApp(add_problem(2, 0), lambda _m: engine, budget=Budget(samples=4, batch=1, rounds=0))
    app.budget = ONCE
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await finished(pilot, app)
        app.budget = Budget(samples=4, batch=1)
        await pilot.press("f")
        await finished(pilot, app)
        assert rows(app) == ["#1 sample 0/2 wrong_answer", "#2 fix 2/2 passed"]
        assert "Call: add(0, 1)" in engine.prompt_texts()[-1]  # the fix saw the failure
        await pilot.press("down", "3")
        await pilot.pause()
        diff = str(app.query_one("#diff-view").render())
        assert "-    return a - b" in diff and "+    return a + b" in diff and "#1" in diff


@pytest.mark.asyncio
async def test_a_request_goes_to_the_model_with_the_selected_candidate_or_with_the_statement():
    engine = ScriptedEngine(["    return b + a", RIGHT])
    app = SolveApp(add_problem(2, 0), lambda _m: engine, budget=ONCE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await answer(pilot, app, "use no loops")
        await finished(pilot, app)
        assert "# Note: use no loops" in engine.prompt_texts()[-1]
        await pilot.press("p")
        await answer(pilot, app, "swap the operands")
        await finished(pilot, app)
        assert "Change it: swap the operands" in engine.prompt_texts()[-1]
        assert rows(app) == ["#1 sample 2/2 passed", "#2 fix 2/2 passed"]


@pytest.mark.asyncio
async def test_a_new_test_case_is_added_shown_and_every_candidate_is_checked_again():
    app = SolveApp(add_problem(2, 0), lambda _m: ScriptedEngine(["    return a + b if a < 5 else 0"]), budget=ONCE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await finished(pilot, app)
        assert rows(app) == ["#1 sample 2/2 passed"]
        await pilot.press("n")
        await answer(pilot, app, "add(7, 1) == 8")
        await settle(pilot, lambda: app.session.candidates[1].total == 3 and app.cancel is None)
        assert rows(app) == ["#1 sample 2/3 wrong_answer"]
        from dcode.tui.panes import problem_markdown
        assert "`add(7, 1) == 8`" in problem_markdown(app.state)  # the Problem tab lists the tests you added
        await pilot.press("n")
        await answer(pilot, app, "add(1,")
        assert any("does not parse" in n for n in notes(app)) and len(app.state.added) == 1
        await pilot.press("R")  # re-run: same tests, same verdicts, rows updated in place
        await settle(pilot, lambda: app.cancel is None)
        await pilot.pause()
        assert rows(app) == ["#1 sample 2/3 wrong_answer"] and len(app.session.candidates[1].tests) == 3


@pytest.mark.asyncio
async def test_a_program_problem_takes_an_input_and_an_output(tmp_path):
    problem = tmp_path / "double.md"
    problem.write_text("# Double\n\nPrint twice the number read.\n\n## Example\n\nInput:\n\n```\n2\n```\n\n"
                       "Output:\n\n```\n4\n```\n")
    app = SolveApp(load_problem(problem), lambda _m: ScriptedEngine(["```python\nprint(2 * int(input()))\n```"], chat_template=True),
                   budget=ONCE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await answer(pilot, app, "21", "42")
        await pilot.press("r")
        await finished(pilot, app)
        assert rows(app) == ["#1 sample 2/2 passed"]


@pytest.mark.asyncio
async def test_switching_models_loads_the_chosen_one_for_the_next_run():
    loaded = []

    def engine_for(name):
        loaded.append(name)
        return ScriptedEngine([RIGHT])

    app = SolveApp(add_problem(1, 0), engine_for, budget=ONCE, model="small", models=["small", "big"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await finished(pilot, app)
        await pilot.press("m")
        await settle(pilot, lambda: app.screen.query("#models"))
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.model == "big" and "dcode big" in app.panes.status_line()
        await pilot.press("r")
        await finished(pilot, app)
    assert loaded == ["small", "big"]


@pytest.mark.asyncio
async def test_the_palette_runs_the_same_actions_as_the_keys():
    app = SolveApp(add_problem(1, 0), lambda _m: ScriptedEngine([RIGHT]), budget=ONCE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await settle(pilot, lambda: app.screen.query("CommandInput"))
        await pilot.press(*"Run")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await finished(pilot, app)
        assert rows(app) == ["#1 sample 1/1 passed"]
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Fix this candidate", "Add a test case", "Re-run tests", "Accept", "Copy", "Switch model",
                      "Tell the model what to change", "Stop"):
            assert title in titles


@pytest.mark.asyncio
async def test_without_a_problem_the_app_opens_its_picker_and_a_broken_file_is_a_notification(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "add.py").write_text('def add(a, b):\n    """>>> add(1, 2)\n    3\n    """\n')
    app = SolveApp(None, lambda _m: ScriptedEngine([RIGHT]), budget=ONCE, root=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: app.screen.query("#picker"))
        tree = app.screen.query_one("#picker")
        await settle(pilot, lambda: len(tree.root.children) == 2)
        await pilot.press("down", "down", "enter")  # add.py, broken.py: the second
        await settle(pilot, lambda: notes(app))
        assert any("does not parse" in n for n in notes(app)) and app.problem is None
        await pilot.press("o")
        await settle(pilot, lambda: app.screen.query("#picker"))
        tree = app.screen.query_one("#picker")
        await settle(pilot, lambda: len(tree.root.children) == 2)
        await pilot.press("down", "enter")
        await settle(pilot, lambda: app.problem is not None)
        assert app.problem.function_name == "add"
        await pilot.press("r")
        await finished(pilot, app)
        assert rows(app) == ["#1 sample 1/1 passed"]


@pytest.mark.asyncio
async def test_an_edit_applies_in_memory_only_when_it_parses(tmp_path):
    stub = tmp_path / "add.py"
    original = 'def add(a, b):\n    """>>> add(1, 2)\n    3\n    """\n'
    stub.write_text(original)
    app = SolveApp(load_problem(stub), lambda _m: ScriptedEngine([RIGHT]), budget=ONCE)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await settle(pilot, lambda: app.screen.query("#problem-editor"))
        editor = app.screen.query_one("#problem-editor", TextArea)
        editor.text = "def add(a, b):\n    return"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: notes(app))
        assert app.screen.query("#problem-editor"), "a text that does not parse is not applied"
        editor.text = original.replace('""">>> add(1, 2)\n    3', '"""\n    >>> add(1, 2)\n    3\n    >>> add(2, 2)\n    4')
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not app.screen.query("#problem-editor"))
        assert len(app.problem.visible_tests) == 2
        await pilot.press("r")
        await finished(pilot, app)
        assert rows(app) == ["#1 sample 2/2 passed"]
    assert stub.read_text() == original  # the file is never written


@pytest.mark.asyncio
async def test_thinking_is_folded_away_until_asked_for():
    app = SolveApp(add_problem(1, 0), lambda _m: ScriptedEngine(["<think>add them</think>" + RIGHT]), budget=ONCE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await finished(pilot, app)
        await pilot.press("5")
        await pilot.pause(0.3)
        stream = app.query_one("#stream-view", TextArea)
        assert "characters of thinking" in stream.text and "add them" not in stream.text
        await pilot.press("t")
        await pilot.pause(0.3)
        assert "add them" in stream.text
        assert isinstance(app.query_one("#candidates"), ListView)
