"""The loops' checks through the sandbox's futures: verdicts reported as they land, and cancel that reaches them."""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from typing import Protocol

from dcode.problem.types import TestCase
from dcode.sandbox.verdict import CheckResult, Limits, TestResult, Verdict


class Stopping(Protocol):
    @property
    def stopping(self) -> bool: ...


def checks_as_they_land(jobs: list[tuple[str, list[TestCase]]], limits: Limits | None, *,
                        on_result: Callable[[int, TestResult], None] | None = None,
                        cancel: Stopping | None = None) -> list[CheckResult]:
    """The sandbox's checks as futures: each verdict reported as it lands, and a cancel reaches running tests.

    A test cancelled before its verdict counts as failed (`sandbox_error`, "cancelled"), so a
    half-checked candidate can never pass.
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    from dcode.sandbox import get_sandbox

    box = get_sandbox()
    start = time.monotonic()
    futures = [(i, t, f) for i, (code, tests) in enumerate(jobs) for t, f in zip(tests, box.submit(code, tests, limits))]
    owner = {f: (i, t) for i, t, f in futures}
    pending = set(owner)
    while pending:
        if cancel is not None and cancel.stopping:
            for f in pending:
                f.cancel()
        done, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
        for f in done:
            if on_result is not None and not f.cancelled() and f.exception() is None:
                for r in f.result():
                    on_result(owner[f][0], r)
    out: list[CheckResult] = [CheckResult(time_s=time.monotonic() - start) for _ in jobs]
    for i, t, f in futures:  # in test order, as check_many gives them
        try:
            out[i].results.extend(f.result())
        except CancelledError:
            out[i].results.append(TestResult(test=t, verdict=Verdict.SANDBOX_ERROR, time_s=0.0, message="cancelled"))
    return out
