"""Checks through a Ray cluster vs the local pool, at the same total number of workers.

The workload is what a GRPO step checks: many programs, each against several stdin
tests (DeepCoder's reward ran up to 15 per problem), plus HumanEval's canonical
solutions (one assert-test check each). The local side is `Sandbox(W)`; the Ray side is a
cluster of W nodes of one CPU each on this machine (Ray's own `Cluster`, 127.0.0.1 only),
so each node runs a pool of one worker and the total is the same. Both are warmed up
first; the verdicts must agree. Besides wall time the bench measures the driver's CPU per
test: the part of the Ray path that does not spread over nodes, which is what bounds a big
cluster.

    .venv/bin/python bench/ray_checks.py [--programs 200] [--tests 15] [--workers 2] [--append]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # keep 127.0.0.1 (read when Ray is imported)
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dcode.eval import humaneval  # noqa: E402
from dcode.problem.types import AssertTest, IOTest  # noqa: E402
from dcode.sandbox import Sandbox  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
PROGRAMS = [  # right, wrong, and crashing: each one a different verdict path
    "a, b = map(int, input().split())\nprint(a + b)\n",
    "a, b = map(int, input().split())\nprint(a - b)\n",
    "a, b = map(int, input().split())\nprint(a // (b - b))\n",
]


def workload(programs: int, tests: int) -> list[tuple[str, list]]:
    jobs = []
    for i in range(programs):
        cases = [IOTest(f"{i} {j}\n", f"{i + j}\n") for j in range(tests)]
        jobs.append((PROGRAMS[i % len(PROGRAMS)], cases))
    for task, problem in humaneval.humaneval_problems().items():
        jobs.append((humaneval.candidate_module(problem, problem["canonical_solution"]),
                     [AssertTest(source=humaneval.test_source(problem), name=task)]))
    return jobs


def timed(box, jobs) -> tuple[float, float, list]:
    box.check_many(jobs[:20])  # warm: every worker booted, every import done
    cpu, wall = time.process_time(), time.perf_counter()
    results = box.check_many(jobs)
    return time.perf_counter() - wall, time.process_time() - cpu, results


def verdicts(results) -> list:
    return [[(r.verdict, r.message) for r in c.results] for c in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--tests", type=int, default=15, help="stdin tests per program")
    parser.add_argument("--workers", type=int, default=2, help="local workers = Ray nodes of one worker each")
    parser.add_argument("--append", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()
    jobs = workload(args.programs, args.tests)
    n_tests = sum(len(tests) for _, tests in jobs)

    with Sandbox(args.workers) as local:
        local_s, local_cpu, local_results = timed(local, jobs)

    import ray
    from ray.cluster_utils import Cluster

    from dcode.sandbox.cluster import RaySandbox

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "node_ip_address": "127.0.0.1",
                                                            "include_dashboard": False})
    for _ in range(args.workers - 1):
        cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1")
    cluster.wait_for_nodes()
    try:
        with RaySandbox(cluster.address) as box:
            while len(box.nodes()) < args.workers:
                time.sleep(0.1)
            ray_s, ray_cpu, ray_results = timed(box, jobs)
    finally:
        ray.shutdown()
        cluster.shutdown()

    agree = sum(a == b for a, b in zip(verdicts(local_results), verdicts(ray_results)))
    per_local, per_ray = local_s / n_tests * 1000, ray_s / n_tests * 1000
    driver_local, driver_ray = local_cpu / n_tests * 1000, ray_cpu / n_tests * 1000
    step_tests = 1000 * 15
    nodes, node_workers = 32, 16
    worker_ms = per_local * args.workers  # one worker's time per test, from the local run
    check_s = step_tests * worker_ms / 1000 / (nodes * node_workers)
    driver_s = step_tests * driver_ray / 1000
    line = (f"{len(jobs)} programs, {n_tests} tests, {args.workers} workers, verdicts agree on {agree}/{len(jobs)}: "
            f"local pool {local_s:.2f} s ({per_local:.2f} ms/test), Ray {args.workers} nodes {ray_s:.2f} s "
            f"({per_ray:.2f} ms/test): Ray/local {ray_s / local_s:.2f}x, overhead {per_ray - per_local:+.2f} ms/test "
            f"wall; driver CPU {driver_ray:.3f} ms/test on Ray vs {driver_local:.3f} ms/test local")
    paper = (f"On paper, one RL step of 1,000 solutions x 15 tests = {step_tests:,} tests on {nodes} nodes x "
             f"{node_workers} workers: the checks themselves take {check_s:.2f} s ({worker_ms:.1f} ms per test "
             f"per worker, as measured here); the driver's serial share is {driver_s:.2f} s "
             f"({driver_ray:.3f} ms x {step_tests:,}), so the step takes about {max(check_s, driver_s):.1f} s "
             f"and {'the driver' if driver_s > check_s else 'the nodes'} set the pace; this machine's local pool "
             f"alone would take {step_tests * per_local / 1000:.0f} s.")
    print(line)
    print(paper)
    if args.append:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        command = (f".venv/bin/python bench/ray_checks.py --programs {args.programs} --tests {args.tests} "
                   f"--workers {args.workers} --append")
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(f"\n## Checks through Ray vs the local pool ({stamp})\n\n`{command}`\n\n{line}.\n\n{paper}\n")
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
