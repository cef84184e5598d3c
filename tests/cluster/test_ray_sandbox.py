"""The sandbox on a real three-node Ray cluster: the same verdicts as the local pool, and faults that lose none."""
from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import CancelledError

import pytest

from cluster_nodes import add_node, wait_for
from dcode.eval import humaneval
from dcode.problem.types import AssertTest, CallTest, IOTest
from dcode.sandbox import Limits, Sandbox, Verdict

PROBLEMS = humaneval.humaneval_problems()
WRONG = {  # completions that fail in each way a grader tells apart
    "none": "    return None\n",
    "raises": "    raise ValueError('no')\n",
    "syntax": "    return (\n",
    "exits": "    import sys\n    sys.exit(0)\n",
}
SLOW = "    while True:\n        pass\n"


def humaneval_jobs() -> list[tuple[str, list]]:
    jobs = []
    for i, (task, problem) in enumerate(PROBLEMS.items()):
        tests = [AssertTest(source=humaneval.test_source(problem), name=task)]
        jobs.append((humaneval.candidate_module(problem, problem["canonical_solution"]), tests))
        kind = list(WRONG)[i % len(WRONG)]
        jobs.append((humaneval.candidate_module(problem, WRONG[kind]), tests))
        if i % 60 == 0:
            jobs.append((humaneval.candidate_module(problem, SLOW), tests))
    return jobs


def seen(results) -> list[list[tuple]]:
    return [[(r.verdict, r.message, r.expected, r.actual, r.test) for r in check.results] for check in results]


def test_humaneval_verdicts_are_the_local_pools(ray_box):
    """164 canonical solutions and as many wrong ones: every verdict and message as a local pool of 3 gives."""
    jobs, limits = humaneval_jobs(), Limits(timeout_s=1.0)
    through_ray = ray_box.check_many(jobs, limits)
    with Sandbox(3) as local:
        here = local.check_many(jobs, limits)
    assert seen(through_ray) == seen(here)
    assert sum(c.passed for c in through_ray) == len(PROBLEMS)
    assert {c.verdict for c in through_ray} >= {Verdict.PASSED, Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR,
                                                Verdict.SYNTAX_ERROR, Verdict.TIMEOUT}
    assert len(ray_box.nodes()) == 3  # all three nodes took part and are still there


def test_every_call_of_the_interface(ray_box):
    add = "def add(a, b):\n    return a + b\n"
    tests = [CallTest("add", (1, 2), 3), CallTest("add", (2, 2), 5), CallTest("add", (0, 0), 0)]
    assert [r.verdict for r in ray_box.check(add, tests).results] == [Verdict.PASSED, Verdict.WRONG_ANSWER,
                                                                       Verdict.PASSED]
    assert len(ray_box.check(add, tests, stop_on_first_failure=True).results) == 2
    assert ray_box.run_program("print(input()[::-1])", "abc\n").stdout.strip() == "cba"
    assert ray_box.call_function(add, "add", [2, 3]).actual == "5"
    futures = ray_box.submit("print(input())", [IOTest("x\n", "x"), IOTest("y\n", "z")])
    assert [f.result()[0].verdict for f in futures] == [Verdict.PASSED, Verdict.WRONG_ANSWER]


def test_cancel_reaches_a_test_running_on_a_node(ray_box):
    sleeper = "import time\ntime.sleep(30)\n"
    futures = ray_box.submit(sleeper, [IOTest("", "")] * 3, Limits(timeout_s=60))
    time.sleep(2.0)  # sent, and running on the nodes
    started = time.monotonic()
    for f in futures:
        assert f.cancel()
    for f in futures:
        with pytest.raises(CancelledError):
            f.result()
    # the nodes' workers were freed: the next check does not wait behind 30 s sleeps
    assert ray_box.check("print(1)", [IOTest("", "1")] * 3).passed
    assert time.monotonic() - started < 25


def slow_jobs(n: int) -> list[tuple[str, list]]:
    """Programs that take a while, so that a node dies with work on it."""
    code = "import time\ntime.sleep(0.25)\nprint(sum(map(int, input().split())))\n"
    return [(code, [IOTest(f"{i} {j}\n", str(i + j)) for j in range(2)]) for i in range(n)]


def kill_mid_run(box, kill) -> list:
    jobs = slow_jobs(60)  # 120 tests of 0.25 s on 3 workers: about 10 s
    done: list = []
    runner = threading.Thread(target=lambda: done.append(box.check_many(jobs)))
    runner.start()
    time.sleep(3.0)
    kill()
    runner.join(timeout=300)
    assert done, "the run did not finish"
    return done[0]


def test_a_node_killed_mid_run_loses_no_verdict(cluster):
    from dcode.sandbox.cluster import RaySandbox

    victim = cluster.list_all_nodes()[-1]
    with RaySandbox(cluster.address) as box:
        wait_for(box)
        raylet = victim.all_processes["raylet"][0].process
        results = kill_mid_run(box, lambda: os.kill(raylet.pid, signal.SIGKILL))
        assert all(check.passed for check in results), [c.results[-1].message for c in results if not c.passed]
        assert [len(check.results) for check in results] == [2] * 60
        assert len(box.nodes()) == 2
    cluster.remove_node(victim, allow_graceful=False)
    add_node(cluster)
    cluster.wait_for_nodes()


def test_an_actor_killed_mid_run_loses_no_verdict_and_comes_back(ray_box):
    pid = ray_box.nodes()[0]["pid"]
    results = kill_mid_run(ray_box, lambda: os.kill(pid, signal.SIGKILL))
    assert all(check.passed for check in results)
    wait_for(ray_box)  # a new actor on the node that lives
    assert pid not in [n["pid"] for n in ray_box.nodes()]


def test_a_bad_address_is_one_clear_error():
    from dcode.errors import BadInput
    from dcode.sandbox.cluster import RaySandbox

    with pytest.raises(BadInput, match="no Ray cluster answers at 127.0.0.1:1"):
        RaySandbox("127.0.0.1:1").start()
    with pytest.raises(BadInput, match="--ray takes"):
        RaySandbox("not an address").start()
    import importlib.util

    words = "Ray Client" if importlib.util.find_spec("grpc") is None else "no Ray cluster answers"
    with pytest.raises(BadInput, match=words):
        RaySandbox("ray://127.0.0.1:1").start()


def test_a_test_lost_twice_with_its_node_is_a_sandbox_error_and_the_rest_go_on(cluster):
    from dcode.sandbox.cluster import RaySandbox

    def kill_every_actor(box):
        killed = {node["pid"] for node in box.nodes()}
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len(box.nodes()) < 3 or killed & {node["pid"] for node in box.nodes()}:
            assert time.monotonic() < deadline, "the actors were not started again"
            time.sleep(0.1)

    with RaySandbox(cluster.address) as box:
        wait_for(box)
        future = box.submit("import time\ntime.sleep(60)\n", [IOTest("", "")], Limits(timeout_s=120))[0]
        for _ in range(2):
            time.sleep(2.0)  # sent and running
            kill_every_actor(box)  # and wait for new ones on the nodes, which live on
        result = future.result(timeout=120)[0]
        assert result.verdict is Verdict.SANDBOX_ERROR and "lost twice with its Ray node" in result.message
        assert box.check("print(1)", [IOTest("", "1")] * 6).passed
