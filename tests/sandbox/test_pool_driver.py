"""Control flow of the pool's drivers, with workers that fail on purpose (the real ones are
tested in test_verdicts.py): whatever a worker does, every caller gets an answer."""
from __future__ import annotations

import threading

from dcode.problem.types import IOTest
from dcode.sandbox import Limits, Sandbox, Verdict
from dcode.sandbox.isolation import Isolation
from dcode.sandbox.pool import WorkerDied


class FlakyWorker:
    """Answers like a server that prints the expected output, after failing as told."""

    def __init__(self, fail_sends: int = 0, fail_receives: int = 0, error: type[Exception] = OSError) -> None:
        self.fail_sends, self.fail_receives, self.error = fail_sends, fail_receives, error
        self.sent: list[bytes] = []
        self.queued = 0
        self.alive = True

    def start(self) -> None:
        self.alive = True

    def send(self, data: bytes) -> None:
        if self.fail_sends:
            self.fail_sends -= 1
            raise self.error("cannot start a worker")
        self.sent.append(data)
        self.queued += 1

    def receive(self, deadline: float) -> dict:
        if self.fail_receives:
            self.fail_receives -= 1
            self.queued = 0
            raise self.error("pipe broke")
        self.queued -= 1
        return {"status": "exited", "code": 0, "time_s": 0.001, "stdout": "ok\n", "stderr": "",
                "report": "", "stdout_truncated": False}

    def close(self) -> None:
        self.alive = False


def _pool(worker: FlakyWorker) -> Sandbox:
    box = Sandbox(workers=1, kind=Isolation(mode="root", tool="unshare"))
    box._all = [worker]
    return box


def _run(box: Sandbox, n: int) -> list:
    done: list = []
    thread = threading.Thread(target=lambda: done.extend(
        box.check_many([("print('ok')", [IOTest("", "ok")])] * n, Limits(timeout_s=1))))
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "a caller was left waiting"
    return done


def test_a_worker_that_cannot_start_gives_sandbox_errors_not_a_hang():
    with _pool(FlakyWorker(fail_sends=100)) as box:
        results = _run(box, 3)
    assert [r.results[0].verdict for r in results] == [Verdict.SANDBOX_ERROR] * 3


def test_one_failed_send_or_reply_is_retried():
    for worker in (FlakyWorker(fail_sends=1), FlakyWorker(fail_receives=1, error=WorkerDied)):
        with _pool(worker) as box:
            results = _run(box, 4)
        assert all(r.passed for r in results), [r.results for r in results]


def test_an_unexpected_error_in_a_reply_is_a_sandbox_error_for_that_test_only():
    with _pool(FlakyWorker(fail_receives=2, error=ValueError)) as box:
        results = _run(box, 5)
    verdicts = [r.results[0].verdict for r in results]
    assert verdicts.count(Verdict.PASSED) >= 3 and set(verdicts) <= {Verdict.PASSED, Verdict.SANDBOX_ERROR}
