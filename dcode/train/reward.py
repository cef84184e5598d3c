"""The reward: 1 when every selected test passes in the sandbox, else 0 (DeepCoder's sparse outcome reward).

No partial credit and nothing for format alone: an answer with no code block, a program
that does not compile, or one that fails any test scores 0. A batch is checked in one
`check_many` call, which spreads it over the sandbox's pool and stops each program at
its first failing test (the reward cannot rise after one).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from dcode.loops.prompts import PromptStyle, solve_prompt
from dcode.sandbox.verdict import CheckResult, Limits
from dcode.train.tasks import TrainTask

CheckMany = Callable[..., list[CheckResult]]


def candidate(task: TrainTask, completion: str, style: PromptStyle) -> str | None:
    """The program one completion proposes for a task (the whole module for a function task)."""
    return solve_prompt(task.problem, style).candidate(completion, task.problem)


def rewards(tasks: Sequence[TrainTask], completions: Sequence[str], style: PromptStyle, *,
            limits: Limits | None = None, check_many: CheckMany | None = None) -> list[float]:
    """One reward per (task, completion) pair, in order."""
    if check_many is None:
        from dcode.sandbox import check_many
    scores = [0.0] * len(completions)
    jobs, where = [], []
    for i, (task, completion) in enumerate(zip(tasks, completions)):
        code = candidate(task, completion, style)
        if code is not None and task.problem.tests:
            jobs.append((code, task.problem.tests))
            where.append(i)
    if jobs:
        for i, result in zip(where, check_many(jobs, limits, stop_on_first_failure=True)):
            scores[i] = 1.0 if result.passed else 0.0
    return scores


def trl_reward(tasks: dict[str, TrainTask], style: PromptStyle, *, limits: Limits | None = None,
               on_batch: Callable[[list[float]], None] | None = None):
    """A reward function as TRL's GRPOTrainer calls it: the dataset's `task_id` column names each prompt's task."""
    def sandbox_tests(prompts, completions, task_id, **_unused) -> list[float]:
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]  # chat: the last turn
        scores = rewards([tasks[t] for t in task_id], texts, style, limits=limits)
        if on_batch is not None:
            on_batch(scores)
        return scores

    return sandbox_tests
