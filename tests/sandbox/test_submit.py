"""Checks as futures: results as they land, and a cancel that stops a queued test or kills a running one."""
from __future__ import annotations

import time
from concurrent.futures import CancelledError

import pytest

from dcode.problem.types import AssertTest, CallTest, PytestTest
from dcode.sandbox import Limits, Verdict

SLOW = "import time\ndef add(a, b):\n    time.sleep(60)\n    return a + b\n"
FAST = "def add(a, b):\n    return a + b\n"
SLOW_TEST = AssertTest("for _ in [0]:\n    assert add(1, 2) == 3\n")  # runs in a test process of its own


def wait_running(future, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not future.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert future.running()


@pytest.mark.timeout(40)
@pytest.mark.parametrize("test", [CallTest("add", (1, 2), 3), SLOW_TEST], ids=["call", "assert"])
def test_cancelling_a_running_test_kills_it_and_the_worker_serves_the_next(solo, test):
    [slow] = solo.submit(SLOW, [test], Limits(timeout_s=60))
    wait_running(slow)
    time.sleep(0.3)  # it is in the child, sleeping
    t0 = time.monotonic()
    assert slow.cancel()
    with pytest.raises(CancelledError):
        slow.result(timeout=20)
    print(f"cancelled in {(time.monotonic() - t0) * 1000:.0f} ms")
    [fast] = solo.submit(FAST, [test])
    assert fast.result(timeout=20)[0].verdict is Verdict.PASSED


@pytest.mark.timeout(40)
def test_cancelling_queued_tests_drops_them_without_running(solo):
    first, *queued = solo.submit(SLOW, [CallTest("add", (i, 1), i + 1) for i in range(4)], Limits(timeout_s=60))
    wait_running(first)
    for f in queued:
        assert f.cancel()
    assert first.cancel()
    for f in [first, *queued]:
        with pytest.raises(CancelledError):
            f.result(timeout=20)
    assert solo.check(FAST, [CallTest("add", (2, 2), 4)]).passed


def test_results_land_per_test_and_syntax_errors_need_no_sandbox(sandbox, tmp_path):
    (tmp_path / "test_m.py").write_text("from solution import add\n\ndef test_a():\n    assert add(1, 1) == 2\n")
    futures = sandbox.submit(FAST, [CallTest("add", (1, 2), 3), PytestTest(tmp_path / "test_m.py")])
    assert [[r.verdict for r in f.result(timeout=60)] for f in futures] == [[Verdict.PASSED], [Verdict.PASSED]]
    [broken] = sandbox.submit("def add(:\n", [CallTest("add", (1, 2), 3)])
    assert broken.done() and broken.result()[0].verdict is Verdict.SYNTAX_ERROR
