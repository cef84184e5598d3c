"""RaySandbox: the checker interface of the local pool, with the work spread over a Ray cluster.

Work goes to one `NodeSandbox` actor per node in batches of whole programs, two batches
in flight per node so the next is already there when one ends; a test costs a share of
one Ray call, not a call of its own. (The idea is verl's and DeepCoder's: reward checks of
a whole RL batch sent at once to sandboxes that are already warm.) One dispatcher thread
owns the nodes; callers only queue jobs and wait on futures.

Faults: a node or actor that dies, or a batch that outlives its deadline, loses its node;
its unfinished jobs go to the front of the queue for the other nodes, and a job lost a
second time gets `sandbox_error`. Every future is resolved: by a verdict, a cancel, or an
error. New nodes are picked up as they join.
"""
from __future__ import annotations

import math
import os
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from dcode.errors import BadInput
from dcode.problem.types import TestCase
from dcode.sandbox import judge
from dcode.sandbox.cluster.connect import connect, import_ray
from dcode.sandbox.cluster.jobs import Batch, ClusterFuture, NodeState, PendingJob, settle_outcome, why
from dcode.sandbox.cluster.node import Job, NodeSandbox
from dcode.sandbox.shared import in_order
from dcode.sandbox.verdict import CheckResult, Limits, TestResult

BATCH_DEPTH = 2  # batches in flight per node
TESTS_PER_WORKER = 32  # a batch holds at most this many tests per worker of its node
MAX_BATCH_TESTS = 2048
REFRESH_S = 5.0  # how often the cluster's node list is read again
GRACE_S = 60.0  # on top of a batch's own time limits before its node counts as lost
MAX_ATTEMPTS = 2  # a job goes to a second node once, then gets sandbox_error
MAX_ACTOR_STARTS = 3  # failed starts in a row on a node that stays alive, before it is left out


class RaySandbox:
    """The sandbox on every node of a Ray cluster. Use as a context manager, or through use_cluster()."""

    def __init__(self, address: str = "local", *, workers: int | None = None) -> None:
        """`address`: "local" (start a cluster here), "auto", "HOST:PORT" or "ray://HOST:PORT";
        `workers`: sandbox workers per node (default: Settings.workers, else the node's CPUs)."""
        self.address = address
        self._workers = workers
        self._pending: deque[PendingJob] = deque()
        self._events: list[tuple[str, Any, Future]] = []
        self._nodes: dict[str, NodeState] = {}
        self._starts: Counter[str] = Counter()
        self._refused: dict[str, str] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._owns_ray = False
        self._ids = 0
        self._token = secrets.token_hex(6)  # job ids from several processes meet on a shared actor
        self._pid = os.getpid()
        self._ray: Any = None
        self._actor: Any = None

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> RaySandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> RaySandbox:
        """Connect (BadInput if the cluster cannot be reached) and start an actor on every node."""
        with self._cond:
            if self._closed:
                raise RuntimeError("this sandbox is closed")
            if self._thread is not None:
                return self
            if self._workers is None:
                from dcode.config import load_settings

                self._workers = load_settings().workers or None
            self._owns_ray = connect(self.address)
            self._ray = import_ray()
            self._actor = self._ray.remote(NodeSandbox)
            self._refresh()
            self._thread = threading.Thread(target=self._run, daemon=True, name="dcode-ray-dispatch")
            self._thread.start()
        return self

    def nodes(self) -> list[dict]:
        """The nodes whose sandbox is ready: node id, host, the actor's pid, workers and isolation."""
        return [{"node_id": n.id, **n.info} for n in list(self._nodes.values()) if n.ready]

    def wait_ready(self, timeout_s: float = 120.0) -> list[dict]:
        """Wait for the nodes' sandboxes to start; the ready ones (as nodes()). BadInput when no node can have one.

        Returns once no node is still starting, or after `timeout_s` with at least one ready.
        """
        self.start()
        deadline = time.monotonic() + timeout_s
        while True:
            ready = self.nodes()
            if ready and (len(ready) == len(self._nodes) or time.monotonic() > deadline):
                return ready
            if not self._nodes:
                raise BadInput(self._refused_reason() or "the Ray cluster has no node with a CPU to check on")
            if time.monotonic() > deadline:
                raise BadInput(f"no Ray node started a sandbox in {timeout_s:g} s")
            time.sleep(0.05)

    def close(self) -> None:
        """Cancel what is still queued or running here, and stop the cluster if this started it."""
        with self._cond:
            if self._closed or self._pid != os.getpid():
                return
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        jobs = list(self._pending) + [j for n in self._nodes.values() for b in n.batches for j in b.jobs]
        for job in jobs:
            for f in job.futures:
                Future.cancel(f)
        self._nodes.clear()  # the actors are shared with the run's other processes: Ray ends them with their owner
        if self._owns_ray and self._ray is not None:
            self._ray.shutdown()

    # -- the calls of the checker interface ---------------------------------------------

    def submit(self, code: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
               stop_on_first_failure: bool = False) -> list[Future]:
        """One future per test, each resolving to a list of TestResults (None: skipped after a failure)."""
        self.start()
        with self._cond:
            self._ids += 1
            job = PendingJob(Job(f"{self._token}-{self._ids}", code, list(tests), limits or Limits(), stop_on_first_failure))
            job.futures = [ClusterFuture(self, job, i) for i in range(len(job.wire.tests))]
            if job.futures:
                self._pending.append(job)
                self._cond.notify_all()
        return list(job.futures)

    def check(self, code: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
              stop_on_first_failure: bool = False) -> CheckResult:
        return self.check_many([(code, tests)], limits, stop_on_first_failure=stop_on_first_failure)[0]

    def check_many(self, jobs: Sequence[tuple[str, Sequence[TestCase]]], limits: Limits | None = None, *,
                   stop_on_first_failure: bool = False) -> list[CheckResult]:
        start = time.monotonic()
        plans = [self.submit(code, tests, limits, stop_on_first_failure=stop_on_first_failure) for code, tests in jobs]
        return [CheckResult(results=in_order(plan, stop_on_first_failure), time_s=time.monotonic() - start)
                for plan in plans]

    def run_program(self, code: str, stdin: str = "", limits: Limits | None = None) -> TestResult:
        return self.submit(code, [judge.ProgramRun(stdin=stdin)], limits)[0].result()[0]  # type: ignore[list-item]

    def call_function(self, code: str, fn: str, args: Sequence[Any], limits: Limits | None = None) -> TestResult:
        test = judge.FunctionCall(fn=fn, args=tuple(args))
        return self.submit(code, [test], limits)[0].result()[0]  # type: ignore[list-item]

    # -- the dispatcher thread ----------------------------------------------------------

    def _run(self) -> None:
        next_refresh = time.monotonic() + REFRESH_S
        while True:
            with self._cond:
                while not (self._closed or self._events or self._can_send()):
                    left = min(next_refresh, self._next_deadline()) - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(timeout=left)
                if self._closed:
                    return
                events, self._events = self._events, []
            try:
                for kind, subject, future in events:
                    self._handle(kind, subject, future)
                if time.monotonic() >= next_refresh:
                    self._refresh()
                    next_refresh = time.monotonic() + REFRESH_S
                self._expire()
                self._dispatch()
                self._fail_if_nowhere()
            except Exception as e:  # a bug here must not leave a caller waiting for ever
                self._fail_all(f"cluster dispatcher: {type(e).__name__}: {e}")

    def _event(self, kind: str, subject: Any, future: Future) -> None:
        with self._cond:
            self._events.append((kind, subject, future))
            self._cond.notify_all()

    def _can_send(self) -> bool:
        return bool(self._pending) and any(n.ready and len(n.batches) < BATCH_DEPTH for n in self._nodes.values())

    def _next_deadline(self) -> float:
        return min((b.deadline for n in self._nodes.values() for b in n.batches), default=math.inf)

    def _refresh(self) -> None:
        """Read the cluster's nodes: start an actor on each new one, drop those that left."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        try:
            alive = {n["NodeID"]: n for n in self._ray.nodes() if n.get("Alive")}
        except Exception:  # the head is briefly unreachable: keep the nodes as they were, read again later
            return
        for node in [n for n in self._nodes.values() if n.id not in alive]:
            self._lose(node, "its Ray node left the cluster")
        for node in [n for n in self._nodes.values() if n.ready and not n.batches]:
            # An idle actor that died is found now, not by the next batch (which would lose an attempt on it).
            node.actor.info.remote().future().add_done_callback(lambda f, node=node: self._event("ping", node, f))
        for node_id, info in alive.items():
            if node_id in self._nodes or node_id in self._refused or self._starts[node_id] >= MAX_ACTOR_STARTS:
                continue
            cpus = int(info.get("Resources", {}).get("CPU", 0))
            workers = self._workers or cpus
            if workers < 1:
                continue  # a node that offers Ray no CPU (a head started with --num-cpus 0) checks nothing
            first_cpu = list(alive).index(node_id)  # pools sharing one machine (a local cluster) start apart
            self._starts[node_id] += 1
            # One actor per node for every process of a run: the ranks of `accelerate launch` share it
            # by name instead of each starting a pool of all the node's CPUs.
            actor = self._actor.options(
                name=f"dcode-sandbox-{node_id}-{workers}", namespace="dcode", get_if_exists=True,
                num_cpus=0, max_concurrency=128,  # batches from every process, and cancels beside them
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False)).remote(workers, first_cpu)
            node = NodeState(node_id, workers, actor)
            self._nodes[node_id] = node
            actor.info.remote().future().add_done_callback(lambda f, node=node: self._event("info", node, f))

    def _handle(self, kind: str, subject: Any, future: Future) -> None:
        if kind == "info":
            self._started(subject, future)
        elif kind == "ping":
            if self._nodes.get(subject.id) is subject and future.exception() is not None:
                self._lose(subject, f"its sandbox actor stopped answering: {why(future.exception())}")
        else:
            self._landed(subject, future)

    def _started(self, node: NodeState, future: Future) -> None:
        if self._nodes.get(node.id) is not node:
            return
        try:
            info = future.result()
        except Exception as e:
            self._lose(node, f"its sandbox actor did not start: {why(e)}")
            return
        if info.get("error"):
            self._refused[node.id] = f"{info.get('host', node.id)}: {info['error']}"
            del self._nodes[node.id]
            self._kill(node.actor)
            return
        node.info, node.ready = info, True
        self._starts[node.id] = 0  # counted are starts that fail in a row; a death later is a fault of its own

    def _landed(self, batch: Batch, future: Future) -> None:
        node = batch.node
        if batch not in node.batches:
            return  # its node was lost first, and its jobs went elsewhere
        node.batches.remove(batch)
        from ray.exceptions import RayTaskError

        try:
            outcomes = future.result()
        except RayTaskError as e:  # the actor raised: the same would happen on any node
            cause = getattr(e, "cause", None)
            for job in batch.jobs:
                if isinstance(cause, BadInput):
                    job.refuse(str(cause))
                else:
                    job.fail(f"on its Ray node: {why(e)}")
            return
        except Exception as e:  # the actor or its node died under the batch
            self._lose(node, why(e), extra=[batch])
            return
        for job, outs in zip(batch.jobs, outcomes, strict=True):
            for index, out in enumerate(outs):
                settle_outcome(job, index, out)

    def _expire(self) -> None:
        now = time.monotonic()
        for node in [n for n in self._nodes.values() if any(b.deadline < now for b in n.batches)]:
            self._lose(node, "a batch on it ran past every time limit it had")

    def _lose(self, node: NodeState, reason: str, extra: Sequence[Batch] = ()) -> None:
        """A node is gone: kill its actor and send its unfinished jobs to the others (once more each)."""
        if self._nodes.get(node.id) is node:
            del self._nodes[node.id]
        self._kill(node.actor)
        jobs = [job for batch in [*extra, *node.batches] for job in batch.jobs if job.open]
        node.batches.clear()
        again = []
        for job in jobs:
            job.batch = None
            if job.attempts >= MAX_ATTEMPTS:
                job.fail(f"lost twice with its Ray node ({reason})")
            else:
                again.append(job)
        with self._cond:
            self._pending.extendleft(reversed(again))
        if again:
            self._refresh()  # an actor that died on a node that lives is started again there

    def _dispatch(self) -> None:
        ready = [n for n in self._nodes.values() if n.ready]
        for node in sorted(ready, key=lambda n: len(n.batches)):
            while len(node.batches) < BATCH_DEPTH:
                jobs = self._take(node, len(ready))
                if not jobs:
                    return
                self._send(node, jobs)

    def _take(self, node: NodeState, nodes: int) -> list[PendingJob]:
        """Whole jobs from the front of the queue: an even share of it, at most a few tests per worker."""
        with self._cond:
            queued = sum(len(job.wire.tests) for job in self._pending)
            target = max(1, min(node.workers * TESTS_PER_WORKER, MAX_BATCH_TESTS,
                                math.ceil(queued / (nodes * BATCH_DEPTH))))
            jobs, size = [], 0
            while self._pending and size < target:
                job = self._pending.popleft()
                if job.open:
                    jobs.append(job)
                    size += len(job.wire.tests)
            return jobs

    def _send(self, node: NodeState, jobs: list[PendingJob]) -> None:
        wires = []
        for job in jobs:
            job.attempts += 1
            wires.append(replace(job.wire, skip=frozenset(i for i, f in enumerate(job.futures) if f.done())))
        start = max([b.deadline - GRACE_S for b in node.batches] + [time.monotonic()])
        batch = Batch(node, jobs, start + sum(job.cost_s() for job in jobs) / node.workers + GRACE_S)
        for job in jobs:
            job.batch = batch
        node.batches.append(batch)
        node.actor.run.remote(wires).future().add_done_callback(lambda f, b=batch: self._event("batch", b, f))

    def _forward_cancel(self, job: PendingJob, index: int) -> None:
        batch = job.batch
        if batch is not None and not self._closed:
            try:
                batch.node.actor.cancel.remote(job.wire.id, index)
            except Exception:  # the node is going away; its batch is settled when it is lost
                pass

    def _fail_if_nowhere(self) -> None:
        """Nothing can check the queued jobs (no node, or none whose sandbox starts): say so to each caller."""
        if self._nodes or not self._pending:
            return
        reason = self._refused_reason() or "no Ray node is left to check on"
        for job in self._take_all():
            job.refuse(reason)

    def _fail_all(self, reason: str) -> None:
        jobs = self._take_all() + [j for n in self._nodes.values() for b in n.batches for j in b.jobs]
        for node in self._nodes.values():
            node.batches.clear()
        for job in jobs:
            job.fail(reason)

    def _take_all(self) -> list[PendingJob]:
        with self._cond:
            jobs, self._pending = list(self._pending), deque()
        return jobs

    def _refused_reason(self) -> str | None:
        """Why no node could have a sandbox, when that is the reason (the first node's words)."""
        if not self._refused:
            return None
        return "no Ray node can run the sandbox: " + next(iter(self._refused.values()))

    def _kill(self, actor: Any) -> None:
        try:
            self._ray.kill(actor, no_restart=True)
        except Exception:  # already dead, or the cluster is gone
            pass
