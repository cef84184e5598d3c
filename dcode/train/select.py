"""Which tasks to train on: enough tests, no near-duplicates, a held-out share, and the right difficulty.

DeepCoder's data recipe, applied to the user's tasks: problems with too few tests were
dropped, near-duplicates removed, and each problem sampled with the starting model so that
those it always or never solves (no learning signal: every sample of a group gets the same
reward) stay out. The held-out share is never trained on, and a training task that is a
near-duplicate of a held-out one is dropped too, so the before/after evaluation is fair.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from dcode.engines.base import Engine, Sampling
from dcode.loops.events import EventLog
from dcode.loops.generate import generate
from dcode.loops.prompts import PromptStyle, solve_prompt
from dcode.problem.types import IOTest
from dcode.sandbox.verdict import Limits
from dcode.train.reward import rewards
from dcode.train.tasks import TaskSet, TrainTask


@dataclass(frozen=True)
class Selection:
    min_tests: int = 1  # DeepCoder dropped contest problems with 4 or fewer; a code base's function may have one
    max_tests: int = 15  # per contest task: the ones with the longest inputs, as DeepCoder chose them
    similarity: float = 0.9  # token-shingle Jaccard at or above which two tasks are near-duplicates
    heldout: float = 0.2  # share of tasks held out for evaluation
    seed: int = 0


_TOKEN = re.compile(r"\w+|[^\w\s]")


def shingles(text: str, k: int = 3) -> frozenset[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.lower())
    return frozenset(tuple(tokens[i:i + k]) for i in range(max(1, len(tokens) - k + 1)))


def similarity(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _text(task: TrainTask) -> str:
    return task.problem.statement + "\n" + task.reference


def _longest_inputs(task: TrainTask, keep: int) -> TrainTask:
    tests = task.problem.tests
    if len(tests) <= keep or not all(isinstance(t, IOTest) for t in tests):
        return task
    chosen = sorted(tests, key=lambda t: -len(t.input))[:keep]  # type: ignore[union-attr]
    kept = [t for t in tests if t in chosen]
    return replace(task, problem=replace(task.problem, tests=kept), tests=tuple(t.name or "" for t in kept))


def select(tasks: TaskSet, options: Selection = Selection()) -> TaskSet:
    """Too few tests, near-duplicates and the held-out split, in that order; `tasks.train` holds all built ones."""
    out = TaskSet(dropped=list(tasks.dropped))
    kept: list[tuple[TrainTask, frozenset]] = []
    for task in tasks.train:
        if len(task.tests) < options.min_tests:
            out.drop(task, f"{len(task.tests)} test(s), fewer than {options.min_tests}")
            continue
        task = _longest_inputs(task, options.max_tests)
        marks = shingles(_text(task))
        twin = next((t for t, m in kept if similarity(marks, m) >= options.similarity), None)
        if twin is not None:
            out.drop(task, f"near-duplicate of {twin.id}")
            continue
        kept.append((task, marks))
    order = sorted(kept, key=lambda tm: hashlib.sha256(f"{options.seed}:{tm[0].id}".encode()).hexdigest())
    n_out = round(len(order) * options.heldout)
    if options.heldout > 0 and len(order) >= 2:
        n_out = max(1, min(n_out, len(order) - 1))
    held = order[:n_out]
    out.heldout = [t for t, _ in held]
    held_ids = {t.id for t in out.heldout}
    for task, marks in kept:
        if task.id in held_ids:
            continue
        twin = next((t for t, m in held if similarity(marks, m) >= options.similarity * 0.8), None)
        if twin is not None:  # a stricter bar against held-out tasks: a near-copy would leak its answer
            out.drop(task, f"too similar to held-out {twin.id}")
            continue
        out.train.append(task)
    return out


def pass_rates(tasks: list[TrainTask], engine: Engine, style: PromptStyle, *, samples: int,
               sampling: Sampling = Sampling(), limits: Limits | None = None, on_task=None) -> dict[str, float]:
    """Each task's share of `samples` answers that pass all its tests in the sandbox (pass@1, estimated)."""
    rates: dict[str, float] = {}
    log = EventLog()
    for i, task in enumerate(tasks):
        prompt = solve_prompt(task.problem, style)
        completions = generate(engine, prompt, replace(sampling, n=samples), log, call=i + 1, purpose="solve")
        scores = rewards([task] * len(completions), [c.text for c in completions], style, limits=limits)
        rates[task.id] = sum(scores) / max(1, len(scores))
        if on_task is not None:
            on_task(task, rates[task.id])
    return rates


def filter_by_difficulty(tasks: TaskSet, engine: Engine, style: PromptStyle, *, samples: int = 8,
                         too_hard: float = 0.0, too_easy: float = 1.0, sampling: Sampling = Sampling(),
                         limits: Limits | None = None, on_task=None) -> dict[str, float]:
    """Sample each training task `samples` times; drop those solved at most `too_hard` or at least `too_easy`
    of the time. Returns each task's pass rate (held-out tasks are not filtered: they measure)."""
    rates = pass_rates(tasks.train, engine, style, samples=samples, sampling=sampling, limits=limits, on_task=on_task)
    kept = []
    for task in tasks.train:
        rate = rates[task.id]
        if rate <= too_hard:
            tasks.drop(task, f"too hard: the starting model solved {rate:.0%} of {samples} samples")
        elif rate >= too_easy:
            tasks.drop(task, f"too easy: the starting model solved {rate:.0%} of {samples} samples")
        else:
            kept.append(task)
    tasks.train = kept
    return rates
