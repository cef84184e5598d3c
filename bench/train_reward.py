"""Training rewards for function tasks: dcode's sandbox reward vs writing the body and running pytest.

A GRPO step checks every sample of every prompt; for a task from the user's code that means
the body in its module and the tests that depend on it. The alternative a user would write
is the obvious one: put the body in a copy of the project and run `python -m pytest -x` on
those tests in a subprocess (no isolation at all). Both grade the same candidates (each
task's own body, which passes, and wrong bodies, which fail); the verdicts must agree.

    .venv/bin/python bench/train_reward.py [--rounds 4] [--append]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dcode.train.reward import candidate, rewards  # noqa: E402
from dcode.train.pytest_tasks import function_tasks  # noqa: E402
from dcode.train.tasks import TaskSet  # noqa: E402

PROJECT = ROOT / "tests" / "fixtures" / "train_project"
RESULTS = ROOT / "bench" / "RESULTS.md"
WRONG = ["    return None\n", "    raise ValueError('no')\n", "    pass\n"]


def by_pytest(tasks, completions) -> list[float]:
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(PROJECT, copy)
        for task, completion in zip(tasks, completions):
            module = copy / task.recipe["module"]
            original = module.read_text()
            module.write_text(candidate(task, completion, "complete"))
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *task.tests],
                                  cwd=copy, capture_output=True, text=True)
            module.write_text(original)
            scores.append(1.0 if done.returncode == 0 else 0.0)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="copies of the candidate set (a GRPO batch's size)")
    parser.add_argument("--append", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()
    built = TaskSet()
    function_tasks(PROJECT / "tests", built)
    tasks, completions = [], []
    for _ in range(args.rounds):
        for task in built.train:
            for body in [task.reference, *WRONG]:
                tasks.append(task)
                completions.append(body)
    rewards(tasks[:1], completions[:1], "complete")  # start the sandbox's pool outside the timing
    start = time.perf_counter()
    ours = rewards(tasks, completions, "complete")
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = by_pytest(tasks, completions)
    theirs_s = time.perf_counter() - start
    agree = sum(a == b for a, b in zip(ours, theirs))
    n = len(tasks)
    line = (f"{n} rewards ({len(built.train)} tasks x {1 + len(WRONG)} bodies x {args.rounds}), verdicts agree on "
            f"{agree}/{n}: dcode {ours_s:.1f} s ({ours_s / n * 1000:.0f} ms each) vs pytest per candidate "
            f"{theirs_s:.1f} s ({theirs_s / n * 1000:.0f} ms each): {theirs_s / ours_s:.1f}x")
    print(line)
    if args.append:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(f"\n## Training rewards: dcode's sandbox reward vs pytest per candidate ({stamp})\n\n"
                    f"`.venv/bin/python bench/train_reward.py --rounds {args.rounds} --append`, "
                    f"tests/fixtures/train_project, 2-core VM.\n\n{line}.\n")


if __name__ == "__main__":
    main()
