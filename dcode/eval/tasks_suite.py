"""`dcode eval tasks FILE`: the tasks `dcode train` held out, rebuilt from the user's files as they are now.

`dcode train` writes `tasks.jsonl` in its output folder: one row per task, with where it
came from (a function of a module and the tests that depend on it, a problem file, a JSONL
row) and its split. Only held-out rows are evaluated by default: the training rows were
trained on, and their scores measure memory.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dcode.errors import BadInput, read_user_text
from dcode.problem import load_problem
from dcode.problem.functions import functions, task_problem
from dcode.problem.rows import row_problem
from dcode.problem.testfiles import pytest_test
from dcode.problem.types import Problem


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a tasks file (or of `tasks.jsonl` in a folder); a file that is not one is bad input."""
    if path.is_dir():
        path = path / "tasks.jsonl"
    if not path.is_file():
        raise BadInput(f"{path}: no tasks file (dcode train writes tasks.jsonl in its output folder)")
    rows = []
    for n, line in enumerate(read_user_text(path, "a tasks file").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise BadInput(f"{path}:{n}: not a JSON line") from None
        if not isinstance(row, dict) or not {"id", "origin", "split"} <= set(row):
            raise BadInput(f"{path}:{n}: not a task row (id, origin, split)")
        rows.append(row)
    return rows


def row_task_problem(row: dict[str, Any]) -> Problem:
    """The problem of one tasks-file row, read afresh; BadInput when the user's files no longer hold it."""
    origin = row["origin"]
    if origin == "pytest":
        root, module_path, qualname = Path(row["root"]), row["module"], row["function"]
        text = read_user_text(root / module_path, "a Python module")
        try:
            fn = next(f for f in functions(text) if f.qualname == qualname)
        except (StopIteration, SyntaxError):
            raise BadInput(f"{root / module_path}: has no function {qualname} now (task {row['id']})") from None
        suite = pytest_test(Path(row["tests_dir"]))
        return task_problem(text, fn, module_path, suite, tuple(row.get("tests") or suite.targets))
    if origin == "problem":
        return load_problem(Path(row["path"]))
    if origin == "jsonl":
        path, n = Path(row["path"]), int(row["line"])
        lines = read_user_text(path, "a JSONL file").splitlines()
        if not 0 < n <= len(lines):
            raise BadInput(f"{path}: has no line {n} now (task {row['id']})")
        try:
            return row_problem(json.loads(lines[n - 1]), f"{path.name}:{n}")
        except ValueError:
            raise BadInput(f"{path}:{n}: not a JSON line now (task {row['id']})") from None
    raise BadInput(f"task {row['id']}: unknown origin {origin!r}")


def tasks_suite(path: Path, *, split: str = "heldout"):
    from dcode.eval.suites import Suite, Task, fingerprint

    rows = [r for r in read_rows(path) if split == "all" or r["split"] == split]
    tasks, skipped = [], []
    for row in rows:
        try:
            problem = row_task_problem(row)
        except BadInput as e:
            skipped.append(str(e))
            continue
        if fingerprint(problem.statement) != row.get("fingerprint", fingerprint(problem.statement)):
            skipped.append(f"task {row['id']}: its statement changed since training")
            continue
        tasks.append(Task(id=row["id"], problem=problem, tests=tuple(problem.tests),
                          fingerprint=fingerprint(problem.statement)))
    return Suite("tasks", str(path), tasks, skipped,
                 notes=[f"the {split} tasks of a dcode train run, graded by the tests that depend on each"])
