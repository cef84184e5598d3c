"""What runs on each Ray node: one long-lived actor that owns that node's sandbox pool.

The actor is a plain class here (Ray wraps it in client.py), so this module imports no
Ray and its logic is tested like any other code. Batches arrive as `Job`s; each test's
outcome goes back as a list of TestResults, None (not run: an earlier test of the same
program failed and the job asked to stop), or a `Cancelled` / `Refused` marker. A result
whose `test` is the job's own test comes back with `test=None`: the client has the test
already, and a project's files need not cross the network twice.
"""
from __future__ import annotations

import os
import socket
import threading
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, replace
from typing import Any

from dcode.errors import BadInput
from dcode.sandbox.verdict import Limits, TestResult, Verdict


@dataclass(frozen=True)
class Job:
    """One program against its tests, as it crosses to a node."""

    id: str  # unique across the processes that share the actor
    code: str
    tests: list[Any]
    limits: Limits
    stop_on_first_failure: bool = False
    skip: frozenset[int] = frozenset()  # tests cancelled before the job was sent


@dataclass(frozen=True)
class Cancelled:
    pass


@dataclass(frozen=True)
class Refused:
    """The node's sandbox refused the test as bad input (unreadable tests): the caller hears why."""

    message: str


Outcome = list[TestResult] | None | Cancelled | Refused


class NodeSandbox:
    """dcode's pool of isolated workers on one node; Ray calls it from several threads at once."""

    def __init__(self, workers: int, first_cpu: int = 0) -> None:
        from dcode.sandbox.pool import Sandbox

        self.error = ""
        self.workers = workers
        self.sandbox: Any = None
        try:
            self.sandbox = Sandbox(workers, first_cpu=first_cpu).start()
        except BadInput as e:  # no isolation works on this node: the client leaves it out, saying why
            self.error = str(e)
        self._running: dict[tuple[str, int], Future] = {}
        self._cancelled: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def info(self) -> dict:
        from dcode.sandbox.isolation import isolation_status

        status = ""
        if not self.error:
            try:
                status = isolation_status()
            except Exception as e:  # a report only; the pool itself started
                status = f"unknown ({type(e).__name__})"
        return {"host": socket.gethostname(), "pid": os.getpid(), "workers": self.workers,
                "isolation": status, "error": self.error}

    def run(self, batch: list[Job]) -> list[list[Outcome]]:
        """Every test of every job in the batch, submitted at once to the pool; outcomes in job and test order."""
        if self.sandbox is None:
            raise BadInput(self.error)
        submitted = []
        for job in batch:
            futures = self.sandbox.submit(job.code, job.tests, job.limits,
                                          stop_on_first_failure=job.stop_on_first_failure)
            with self._lock:
                for index, future in enumerate(futures):
                    key = (job.id, index)
                    if index in job.skip or key in self._cancelled:
                        self._cancelled.discard(key)
                        future.cancel()
                    else:
                        self._running[key] = future
            submitted.append((job, futures))
        outcomes = [[self._outcome(job, index, future) for index, future in enumerate(futures)]
                    for job, futures in submitted]
        with self._lock:  # a cancel that came after its test finished is not kept for ever
            self._cancelled -= {(job.id, i) for job in batch for i in range(len(job.tests))}
        return outcomes

    def cancel(self, job_id: str, index: int) -> None:
        """Drop a test still queued here, or kill it while it runs; a cancel may arrive before its batch."""
        with self._lock:
            future = self._running.get((job_id, index))
            if future is None:
                self._cancelled.add((job_id, index))
        if future is not None:
            future.cancel()

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()

    def _outcome(self, job: Job, index: int, future: Future) -> Outcome:
        test = job.tests[index]
        try:
            results = future.result()
        except CancelledError:
            return Cancelled()
        except BadInput as e:
            return Refused(str(e))
        except Exception as e:  # the pool resolves every test; this is a guard, not a path
            results = [TestResult(test=test, verdict=Verdict.SANDBOX_ERROR, time_s=0.0,
                                  message=f"{type(e).__name__}: {e}")]
        finally:
            with self._lock:
                self._running.pop((job.id, index), None)
        if results is None:
            return None
        return [replace(r, test=None) if r.test is test else r for r in results]  # type: ignore[arg-type]
