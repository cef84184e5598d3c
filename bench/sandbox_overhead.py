"""Per-test overhead of the sandbox's warm pool vs a fresh `python3` subprocess per test.

The same trivial stdin/stdout test is run N times, one after another, three ways:
  pool      dcode's Sandbox (warm worker in its namespaces, one fork per test), verdicts included
  python3   `python3 -c CODE` as a fresh subprocess per test, no isolation at all
  one-shot  a fresh sandboxed worker per test (namespaces + interpreter start, then the test)
(plus the pool on every other isolation kind present, e.g. bubblewrap) and the mean wall time per test is printed for each, with the ratio python3 / pool. The
result is appended to bench/RESULTS.md unless --no-record.

    .venv/bin/python bench/sandbox_overhead.py [--tests N] [--no-record]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dcode.problem.types import IOTest  # noqa: E402
from dcode.sandbox import Sandbox, isolation_status  # noqa: E402
from dcode.sandbox.isolation import Isolation, available  # noqa: E402

CODE = "a, b = map(int, input().split())\nprint(a + b)\n"
RESULTS = ROOT / "bench" / "RESULTS.md"


def per_test_pool(n: int, kind: Isolation | None = None) -> list[float]:
    with Sandbox(workers=1, kind=kind) as box:
        box.check(CODE, [IOTest("1 2", "3")])  # start the worker outside the timing
        return _each_timed(n, lambda i: box.check(CODE, [IOTest(f"{i} 1", str(i + 1))]).passed)


def per_test_python3(n: int) -> list[float]:
    def run(i: int) -> bool:
        done = subprocess.run([sys.executable, "-c", CODE], input=f"{i} 1", capture_output=True, text=True)
        return done.returncode == 0 and done.stdout.strip() == str(i + 1)

    return _each_timed(n, run)


def per_test_one_shot(n: int) -> list[float]:
    def run(i: int) -> bool:
        with Sandbox(workers=1) as box:
            return box.check(CODE, [IOTest(f"{i} 1", str(i + 1))]).passed

    return _each_timed(n, run)


def _each_timed(n: int, run: Callable[[int], bool]) -> list[float]:
    """Wall time of run(0) ... run(n - 1), each of which must succeed."""
    times = []
    for i in range(n):
        started = time.perf_counter()
        assert run(i), f"run {i} failed"
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per method (one-shot runs a tenth)")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args()

    pool_t = per_test_pool(args.tests)
    others = {k.mode: statistics.median(per_test_pool(args.tests, k)) for k in available()[1:]}
    fresh_t = per_test_python3(args.tests)
    one_shot_t = per_test_one_shot(max(1, args.tests // 10))
    pool, fresh, one_shot = (statistics.mean(t) for t in (pool_t, fresh_t, one_shot_t))
    pool_med, fresh_med = statistics.median(pool_t), statistics.median(fresh_t)
    ratio = fresh / pool
    load = os.getloadavg()[0]
    print(f"isolation: {isolation_status()}")
    print(f"per test (mean / median): pool {pool * 1000:.1f} / {pool_med * 1000:.1f} ms, fresh python3 "
          f"{fresh * 1000:.1f} / {fresh_med * 1000:.1f} ms, one-shot sandbox {one_shot * 1000:.1f} ms; "
          f"python3 / pool = {ratio:.1f}x (load average {load:.1f})")
    for mode, t in others.items():
        print(f"pool with {mode}: median {t * 1000:.1f} ms")
    other_line = "".join(f"\n- pool with {mode} (no remount, files deleted instead): median {t * 1000:.1f} ms/test"
                         for mode, t in others.items())
    if args.no_record:
        return
    command = " ".join([".venv/bin/python bench/sandbox_overhead.py", *sys.argv[1:]])
    section = f"""
## Sandbox per-test overhead: warm pool vs a fresh `python3` per test

- when: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}, euid {os.geteuid()}, load average {load:.1f} during the run
- command: `{command}`
- isolation: {isolation_status()}
- what: one stdin/stdout test (`a + b`), run {args.tests} times one after another; the pool's time includes building the request, the fork, the namespace clean-up and the verdict
- pool: **{pool * 1000:.1f} ms**/test (median {pool_med * 1000:.1f}); fresh `python3 -c` subprocess (no isolation): **{fresh * 1000:.1f} ms**/test (median {fresh_med * 1000:.1f}); fresh sandboxed worker per test (one-shot): {one_shot * 1000:.1f} ms/test
- ratio python3 / pool: **{ratio:.1f}x**{other_line}
"""
    with open(RESULTS, "a", encoding="utf-8") as f:
        f.write(section)
    print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
