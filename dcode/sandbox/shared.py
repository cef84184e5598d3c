"""The process-wide checker and the calls on it: check, check_many, submit, run_program, call_function.

There are two implementations of one interface (`Checker`): the pool of workers on this
machine (pool.py) and the same pool on every node of a Ray cluster (cluster/). Which one
the process uses is configuration, chosen once by the front door (`use_cluster`); the
loops, evaluation and training call `get_sandbox()` or the functions here and never know.
"""
from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Protocol

from dcode.problem.types import TestCase
from dcode.sandbox.verdict import CheckResult, Limits, TestResult


class Checker(Protocol):
    """What checks candidates: `Sandbox` here, `RaySandbox` on a cluster. Verdicts are the same."""

    @property
    def closed(self) -> bool: ...

    def start(self) -> Checker: ...

    def close(self) -> None: ...

    def check(self, code: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
              stop_on_first_failure: bool = False) -> CheckResult: ...

    def check_many(self, jobs: Sequence[tuple[str, Sequence[TestCase]]], limits: Limits | None = None, *,
                   stop_on_first_failure: bool = False) -> list[CheckResult]: ...

    def submit(self, code: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
               stop_on_first_failure: bool = False) -> list[Future]: ...

    def run_program(self, code: str, stdin: str = "", limits: Limits | None = None) -> TestResult: ...

    def call_function(self, code: str, fn: str, args: Sequence[Any], limits: Limits | None = None) -> TestResult: ...


_default: Any = None  # the local pool, or the cluster once use_cluster() was called
_cluster_address: str | None = None
_default_lock = threading.Lock()
_default_pid = 0


def use_cluster(address: str | None) -> None:
    """Check on a Ray cluster from now on in this process: "" or "local" starts one here, else join `address`.

    None goes back to the local pool. Connecting happens here, so a bad address is a
    BadInput at once, not at the first check.
    """
    global _default, _cluster_address, _default_pid
    with _default_lock:
        previous, _default, _cluster_address = _default, None, address
        if previous is not None and _default_pid == os.getpid():
            previous.close()
        if address is not None:
            _default, _default_pid = _open_cluster(address), os.getpid()


def cluster_address() -> str | None:
    """The address use_cluster() was given (None: checks run on this machine)."""
    return _cluster_address


def cluster_nodes(timeout_s: float = 120.0) -> list[dict]:
    """The cluster's nodes with a sandbox ready (host, workers, isolation), once they have started;
    empty when checks run on this machine. BadInput when no node can have a sandbox."""
    if _cluster_address is None:
        return []
    return get_sandbox().wait_ready(timeout_s)  # type: ignore[attr-defined]


def is_cluster_address(text: str) -> bool:
    """Does `text` name a Ray cluster: local, auto, HOST:PORT or ray://HOST:PORT?"""
    from dcode.sandbox.cluster.connect import is_address

    return is_address(text)


def _open_cluster(address: str) -> Checker:
    from dcode.sandbox.cluster import RaySandbox

    box = RaySandbox(address).start()
    atexit.register(box.close)
    return box


def get_sandbox(workers: int | None = None) -> Checker:
    """The process-wide checker, created on first use: the cluster if use_cluster() chose one,
    else the local pool (`workers`, else Settings.workers, else one per core)."""
    global _default, _default_pid
    from dcode.sandbox.pool import Sandbox

    with _default_lock:
        if _default is not None and _default_pid == os.getpid() and not _default.closed:
            return _default
        if _cluster_address is not None:
            _default = _open_cluster(_cluster_address)
        else:
            if workers is None:
                from dcode.config import load_settings

                workers = load_settings().workers or None
            _default = Sandbox(workers)
            atexit.register(_default.close)
        _default_pid = os.getpid()
        return _default


@contextmanager
def open_sandbox(workers: int | None = None) -> Iterator[Checker]:
    """A checker for one batch of work: the cluster when one is in use (left open), else a pool of
    `workers` that is closed afterwards. For a caller that wants its own pool size."""
    if _cluster_address is not None:
        yield get_sandbox()
        return
    from dcode.sandbox.pool import Sandbox

    with Sandbox(workers) as box:
        yield box.start()


def in_order(plan: Sequence[Future | list[TestResult]], stop_on_first_failure: bool) -> list[TestResult]:
    """One program's results in test order from its futures (or results known without a run).

    A future whose result is None was skipped after an earlier failure; with
    `stop_on_first_failure` the results end at the first failing test.
    """
    results: list[TestResult] = []
    for item in plan:
        batch = item if isinstance(item, list) else item.result()
        if batch is None:
            break
        results.extend(batch)
        if stop_on_first_failure and any(not r.passed for r in batch):
            break
    return results


def check(code: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
          stop_on_first_failure: bool = False) -> CheckResult:
    """`code` against every test, in the process-wide sandbox; results in test order.

        result = check("def add(a, b):\\n    return a + b\\n", [CallTest("add", (1, 2), 3)])
        result.passed, [r.verdict for r in result.results]       # True, [Verdict.PASSED]
    """
    return get_sandbox().check(code, tests, limits, stop_on_first_failure=stop_on_first_failure)


def check_many(jobs: Sequence[tuple[str, Sequence[TestCase]]], limits: Limits | None = None, *,
               stop_on_first_failure: bool = False) -> list[CheckResult]:
    return get_sandbox().check_many(jobs, limits, stop_on_first_failure=stop_on_first_failure)


def submit(code: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
           stop_on_first_failure: bool = False) -> list[Future]:
    return get_sandbox().submit(code, tests, limits, stop_on_first_failure=stop_on_first_failure)


def run_program(code: str, stdin: str = "", limits: Limits | None = None) -> TestResult:
    return get_sandbox().run_program(code, stdin, limits)


def call_function(code: str, fn: str, args: Sequence[Any], limits: Limits | None = None) -> TestResult:
    return get_sandbox().call_function(code, fn, args, limits)
