"""Tasks from problems: a folder of problem.md files (or stubs), or JSONL rows of coding-contest data
(problem/rows.py says a row's shape)."""
from __future__ import annotations

import json
from pathlib import Path

from dcode.errors import BadInput, read_user_text
from dcode.problem import load_problem
from dcode.problem.loader import MARKDOWN_SUFFIXES
from dcode.problem.rows import row_problem
from dcode.problem.types import Problem
from dcode.train.tasks import TaskSet, TrainTask


def _test_names(problem: Problem) -> tuple[str, ...]:
    return tuple(t.name or f"test {i + 1}" for i, t in enumerate(problem.tests))


def problem_dir_tasks(folder: Path, tasks: TaskSet) -> None:
    """One task per problem file under `folder` (.md, or a .py stub with examples); broken ones dropped."""
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder of problems")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and (p.suffix.lower() in MARKDOWN_SUFFIXES
                                                                    or p.suffix == ".py"))
    if not files:
        raise BadInput(f"{folder}: holds no problem files (.md or .py stubs)")
    for path in files:
        rel = path.relative_to(folder).as_posix()
        try:
            problem = load_problem(path)
        except BadInput as e:
            tasks.drop(rel, f"does not load: {e}", rel)
            continue
        tasks.train.append(TrainTask(rel, "problem", problem, rel, _test_names(problem),
                                     recipe={"path": str(path.resolve())}))


def jsonl_tasks(path: Path, tasks: TaskSet) -> None:
    """One task per row of a JSONL file; a row that is no task is dropped with its reason."""
    text = read_user_text(path, "a JSONL file")
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except ValueError:
            tasks.drop(where, "not a JSON line", where)
            continue
        try:
            problem = row_problem(row, where)
        except BadInput as e:
            tasks.drop(str(row.get("id") or where) if isinstance(row, dict) else where, str(e), where)
            continue
        task_id = str(row.get("id") or where)
        tasks.train.append(TrainTask(task_id, "jsonl", problem, where, _test_names(problem),
                                     recipe={"path": str(path.resolve()), "line": n}))
