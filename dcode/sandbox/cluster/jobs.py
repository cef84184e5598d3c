"""The client's bookkeeping: a test's future, a job (one program and its tests), a node, a batch in flight,
and how an outcome from a node settles a future."""
from __future__ import annotations

from concurrent.futures import CancelledError, Future, InvalidStateError
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dcode.errors import BadInput
from dcode.sandbox import judge
from dcode.sandbox.cluster.node import Cancelled, Job, Outcome, Refused
from dcode.sandbox.verdict import TestResult, Verdict

if TYPE_CHECKING:
    from dcode.sandbox.cluster.client import RaySandbox


class ClusterFuture(Future):
    """One test's future; `cancel()` drops it from the queue, or kills it on its node."""

    def __init__(self, box: RaySandbox, job: PendingJob, index: int) -> None:
        super().__init__()
        self._box, self._job, self._index = box, job, index

    def cancel(self) -> bool:
        if not super().cancel():
            return False
        self._box._forward_cancel(self._job, self._index)
        return True


@dataclass(eq=False)
class PendingJob:
    wire: Job
    futures: list[ClusterFuture] = field(default_factory=list)
    attempts: int = 0
    batch: Batch | None = None

    @property
    def open(self) -> bool:
        return any(not f.done() for f in self.futures)

    def cost_s(self) -> float:
        return sum(judge.wall_limit(t, self.wire.limits) + 5.0 for t in self.wire.tests)

    def fail(self, message: str) -> None:
        """Every test still open gets `sandbox_error` with `message`."""
        for test, future in zip(self.wire.tests, self.futures):
            settle(future, result=[TestResult(test=test, verdict=Verdict.SANDBOX_ERROR, time_s=0.0, message=message)])

    def refuse(self, message: str) -> None:
        """Every test still open raises BadInput(message) to its caller."""
        for future in self.futures:
            settle(future, error=BadInput(message))


@dataclass(eq=False)
class NodeState:
    id: str
    workers: int
    actor: Any
    ready: bool = False
    info: dict = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)


@dataclass(eq=False)
class Batch:
    node: NodeState
    jobs: list[PendingJob]
    deadline: float


def settle_outcome(job: PendingJob, index: int, out: Outcome) -> None:
    future, test = job.futures[index], job.wire.tests[index]
    if isinstance(out, Cancelled):
        settle(future, error=CancelledError())
    elif isinstance(out, Refused):
        settle(future, error=BadInput(out.message))
    elif out is None:
        settle(future, result=None)
    else:
        settle(future, result=[replace(r, test=test) if r.test is None else r for r in out])


def settle(future: Future, *, result: Any = None, error: BaseException | None = None) -> None:
    """Resolve a future unless it already is (a caller's cancel wins a race with the verdict)."""
    if future.done():
        return
    try:
        if isinstance(error, CancelledError):
            Future.cancel(future)
        elif error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass


def why(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return f"{type(e).__name__}: {text.splitlines()[0][:200]}"
