"""Training tasks: a prompt the model answers, and the tests in the sandbox that reward the answer.

Three sources give the same shape: a function of the user's code base that their pytest
tests exercise (the body removed, the module around it), a problem.md, and a JSONL row of
coding-contest data. Each task is a `Problem`, so one prompt builder, one candidate
builder and one sandbox check serve sampling, rewards and evaluation alike.

A tasks file (`tasks.jsonl`, one row per task) records where each task came from and which
split it is in, so `dcode eval tasks FILE` rebuilds the held-out ones from the user's files
later (eval/tasks_suite.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dcode.eval.suites import fingerprint  # the hash a training manifest names a task by
from dcode.problem.types import Problem

Origin = Literal["pytest", "problem", "jsonl"]
Split = Literal["train", "heldout"]


@dataclass(frozen=True)
class TrainTask:
    """One task. `tests` names what judges it; `reference` is the code as the user wrote it (never shown)."""

    id: str
    origin: Origin
    problem: Problem
    where: str  # file (and line) it came from, for the report
    tests: tuple[str, ...]
    reference: str = ""
    recipe: dict[str, Any] = field(default_factory=dict, compare=False)  # how to rebuild it from the user's files

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.problem.statement)

    def row(self, split: Split) -> dict[str, Any]:
        return {"id": self.id, "origin": self.origin, "where": self.where, "tests": list(self.tests),
                "fingerprint": self.fingerprint, "split": split, **self.recipe}


@dataclass(frozen=True)
class Dropped:
    id: str
    where: str
    reason: str


@dataclass
class TaskSet:
    """What building and selecting made: the tasks to train on, those held out, and those dropped, with why."""

    train: list[TrainTask] = field(default_factory=list)
    heldout: list[TrainTask] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    def drop(self, task: TrainTask | str, reason: str, where: str = "") -> None:
        if isinstance(task, TrainTask):
            self.dropped.append(Dropped(task.id, task.where, reason))
        else:
            self.dropped.append(Dropped(task, where, reason))

    def as_json(self) -> dict[str, Any]:
        def item(t: TrainTask) -> dict[str, Any]:
            return {"id": t.id, "origin": t.origin, "where": t.where, "function": t.problem.function_name,
                    "tests": list(t.tests)}

        return {"train": [item(t) for t in self.train], "heldout": [item(t) for t in self.heldout],
                "dropped": [{"id": d.id, "where": d.where, "reason": d.reason} for d in self.dropped]}

    def write(self, path: Path) -> None:
        """The tasks file: every kept task with its split (the trainer and `dcode eval tasks` read it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = [t.row("train") for t in self.train] + [t.row("heldout") for t in self.heldout]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
