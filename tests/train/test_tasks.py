"""Tasks from a real sample project's pytest tests, problem folders and JSONL; their rewards in the real sandbox."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from dcode.eval.suites import load_suite
from dcode.problem.types import CallTest, Problem
from dcode.train.problem_tasks import jsonl_tasks, problem_dir_tasks
from dcode.train.pytest_tasks import function_tasks
from dcode.train.reward import rewards
from dcode.train.select import Selection, filter_by_difficulty, select
from dcode.train.tasks import TaskSet, TrainTask

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "tests" / "fixtures" / "train_project"
DCODE = Path(sys.executable).parent / "dcode"
sys.path.insert(0, str(ROOT / "tests" / "loops"))
from loops_fakes import ScriptedEngine  # noqa: E402


@pytest.fixture(scope="module")
def built() -> TaskSet:
    tasks = TaskSet()
    function_tasks(PROJECT / "tests", tasks)
    return tasks


def test_one_task_per_function_a_test_depends_on_naming_its_file_and_tests(built):
    by_id = {t.id: t for t in built.train}
    assert set(by_id) == {f"inventory/stock.py::{f}" for f in ("clamp", "clamp_quantity", "total_value", "reorder_list",
                                                               "Shelf.add")}
    assert by_id["inventory/stock.py::clamp"].tests == (
        "tests/test_stock.py::test_clamp_inside", "tests/test_stock.py::test_clamp_outside",
        "tests/test_stock.py::test_shelf_add_fills_up_to_capacity")  # Shelf.add calls clamp: measured, not guessed
    assert by_id["inventory/stock.py::Shelf.add"].where == "inventory/stock.py:49"
    dropped = {d.id: d.reason for d in built.dropped}
    assert dropped["inventory/stock.py::describe"] == "no test depends on its body"
    assert not any("not_written_yet" in t for t in [*by_id, *dropped])  # a stub has no body to learn


def test_the_reward_puts_the_body_back_in_its_module_and_runs_the_tests_that_touch_it(built):
    clamp = next(t for t in built.train if t.id.endswith("::clamp"))
    add = next(t for t in built.train if t.id.endswith("::Shelf.add"))
    right = clamp.reference
    wrong = "    return value\n"
    chat_right = "Here:\n```python\ndef clamp(value, low, high):\n    return max(low, min(value, high))\n```"
    assert rewards([clamp, clamp], [right, wrong], "complete") == [1.0, 0.0]
    assert rewards([clamp], [chat_right], "chat") == [1.0]
    assert rewards([clamp], ["no code here"], "chat") == [0.0]  # nothing for format alone
    assert rewards([add, add], [add.reference + "\nprint('after the method')\n", "        return quantity\n"],
                   "complete") == [1.0, 0.0]  # a continuation ends where the method's block does


def test_selection_drops_near_duplicates_and_never_trains_on_held_out_tasks(built):
    chosen = select(built, Selection(heldout=0.25, seed=3))
    train_ids, held_ids = {t.id for t in chosen.train}, {t.id for t in chosen.heldout}
    assert len(held_ids) == 1 and not train_ids & held_ids
    reasons = {d.id: d.reason for d in chosen.dropped}
    assert reasons["inventory/stock.py::clamp_quantity"] == "near-duplicate of inventory/stock.py::clamp"
    twin = replace(chosen.heldout[0], id="copy-of-held-out")
    again = select(TaskSet(train=[*chosen.heldout, twin]), Selection(heldout=0.5, seed=0, similarity=1.01))
    assert [t.id for t in again.heldout] and not again.train  # the near-copy of the held-out task is dropped
    assert "too similar to held-out" in again.dropped[-1].reason


def test_the_difficulty_filter_drops_tasks_the_model_always_or_never_solves():
    def task(name: str) -> TrainTask:
        stub = f'def {name}(a, b):\n    """Return a + b."""\n'
        problem = Problem(statement=stub, tests=[CallTest(name, (1, 2), 3)], style="function", function_name=name,
                          starter_code=stub)
        return TrainTask(name, "problem", problem, name, ("1+2",))

    tasks = TaskSet(train=[task("always"), task("never"), task("sometimes")])
    answers = {"always": ["    return a + b"] * 4, "never": ["    return a - b"] * 4,
               "sometimes": ["    return a + b", "    return 0"] * 2}
    engine = ScriptedEngine(lambda prompt, n: answers[next(k for k in answers if f"def {k}(" in prompt)][:n])
    rates = filter_by_difficulty(tasks, engine, "complete", samples=4)
    assert rates == {"always": 1.0, "never": 0.0, "sometimes": 0.5}
    assert [t.id for t in tasks.train] == ["sometimes"]
    assert {d.id: d.reason.split(":")[0] for d in tasks.dropped} == {"always": "too easy", "never": "too hard"}


def test_problem_folders_and_jsonl_rows_are_tasks_and_bad_rows_are_dropped_with_why(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "add.py").write_text('def add(a, b):\n    """>>> add(1, 2)\n    3\n    """\n')
    (tmp_path / "p" / "broken.md").write_text("")
    rows = tmp_path / "contest.jsonl"
    rows.write_text("\n".join([
        json.dumps({"id": "echo", "prompt": "Print the number read.", "tests": [{"input": "5\n", "output": "5\n"}]}),
        json.dumps({"prompt": "Add.", "tests": [{"fn": "add", "args": [1, 2], "expected": 3}]}),
        json.dumps({"prompt": "no tests"}),
        "{not json",
    ]) + "\n")
    tasks = TaskSet()
    problem_dir_tasks(tmp_path / "p", tasks)
    jsonl_tasks(rows, tasks)
    assert [(t.id, t.problem.style) for t in tasks.train] == [("add.py", "function"), ("echo", "stdin"),
                                                              ("contest.jsonl:2", "function")]
    reasons = {d.id: d.reason for d in tasks.dropped}
    assert "is empty" in reasons["broken.md"] and 'needs "tests"' in reasons["contest.jsonl:3"]
    assert reasons["contest.jsonl:4"] == "not a JSON line"
    echo = tasks.train[1]
    assert rewards([echo, echo], ["```python\nprint(input())\n```", "```python\nprint(6)\n```"], "chat") == [1.0, 0.0]


def test_the_dry_run_prints_tasks_and_dropped_ones_as_json_and_trains_nothing(tmp_path):
    done = subprocess.run([str(DCODE), "train", "--tests", str(PROJECT / "tests"), "--dry-run", "--json",
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    ids = {t["id"] for t in data["train"] + data["heldout"]}
    assert len(ids) == 4 and "inventory/stock.py::Shelf.add" in ids
    assert {d["reason"] for d in data["dropped"]} >= {"no test depends on its body"}
    assert all(t["function"] and t["where"].startswith("inventory/stock.py:") and t["tests"] for t in data["train"])
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, words", [
    (["train"], "needs --tests DIR"),
    (["train", "--tests", "no-such-dir", "--dry-run"], "no-such-dir: no such folder"),
    (["train", "--tests", "tests", "--stages", "8,a"], "--stages takes comma-separated numbers"),
    (["train", "--tests", "tests", "--stages", "4096,1024", "--steps", "1,1"], "--stages must grow"),
    (["train", "--tests", "tests", "--heldout", "1.5"], "--heldout is a share"),
    (["eval", "tasks", "no-such-run"], "no tasks file"),
])
def test_bad_train_input_is_one_line_and_exit_2(args, words, tmp_path):
    (tmp_path / "tests").mkdir()
    done = subprocess.run([str(DCODE), *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in done.stderr, done.stderr


def test_the_tasks_file_rebuilds_the_held_out_tasks_for_dcode_eval(built, tmp_path):
    chosen = select(built, Selection(heldout=0.25, seed=3))
    chosen.write(tmp_path / "tasks.jsonl")
    suite = load_suite("tasks", tmp_path)
    assert [t.id for t in suite.tasks] == [t.id for t in chosen.heldout]
    task = suite.tasks[0]
    held = chosen.heldout[0]
    assert task.fingerprint == held.fingerprint and task.problem.surrounding == held.problem.surrounding
    assert rewards([held], [held.reference], "complete") == [1.0]
