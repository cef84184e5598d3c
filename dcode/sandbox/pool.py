"""The pool of warm workers on this machine: `Sandbox`, one implementation of the `Checker` interface.

Each worker is one sandbox (isolation.py) with a pre-warmed interpreter inside (server.py)
that forks once per test. The pool keeps one per core; a thread per worker feeds it, with
the next request already queued when a test ends, and replaces a worker that stops
answering; a test that was on it gets `timeout` if it ran out its time, else
`sandbox_error`.
"""
from __future__ import annotations

import itertools
import binascii
import json
import marshal
import os
import queue
import secrets
import select
import struct
import subprocess
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from typing import Any

from dcode.errors import BadInput
from dcode.problem.types import PytestTest, TestCase
from dcode.sandbox import harness, isolation, judge
from dcode.sandbox.verdict import CheckResult, Limits, TestResult, Verdict

BOOT_TIMEOUT_S = 60.0
GRACE_S = 5.0  # on top of a test's wall limit, for the worker to kill, clean up and answer


_started_once = False  # has any worker started in this process? then a failure is not the machine's


class WorkerDied(Exception):
    """The worker stopped answering or broke the protocol; it is replaced."""


class Worker:
    """One sandboxed server process, spoken to over length-prefixed JSON on its stdin/stdout."""

    def __init__(self, uid: int, scratch_mb: int = 128, pinned: isolation.Isolation | None = None,
                 cpu: int | None = None) -> None:
        self.uid = uid
        self.cpu = cpu
        self.isolation: isolation.Isolation | None = None
        self._pinned = pinned
        self._scratch_mb = scratch_mb
        self._proc: subprocess.Popen | None = None
        self._stderr: deque[bytes] = deque(maxlen=64)
        self._write_lock = threading.Lock()

    def start(self) -> None:
        """Boot a server; until one has booted in this process, a kind that fails is dropped for the next."""
        global _started_once
        if self._pinned is not None:
            self._boot(self._pinned)
            self.isolation = self._pinned
            return
        while True:
            iso = isolation.current()  # BadInput when no kind is left
            try:
                self._boot(iso)
            except WorkerDied as e:
                if _started_once:
                    raise
                isolation.reject(iso, str(e))
                continue
            self.isolation = iso
            _started_once = True
            return

    def _boot(self, iso: isolation.Isolation) -> None:
        argv, env = iso.command(self.uid, self._scratch_mb, self.cpu)
        self._stderr.clear()
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, env=env, cwd="/", start_new_session=True)
        threading.Thread(target=self._drain, args=(self._proc,), daemon=True).start()
        try:
            hello = self._read(time.monotonic() + BOOT_TIMEOUT_S)
        except WorkerDied as e:
            self.close()
            raise WorkerDied(f"the sandbox did not start: {e}{self._stderr_tail()}") from None
        if not hello.get("ok"):
            self.close()
            raise WorkerDied(f"the sandbox did not start: {hello.get('error')}")

    def _drain(self, proc: subprocess.Popen) -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            self._stderr.append(line)

    def _stderr_tail(self) -> str:
        text = b"".join(self._stderr).decode("utf-8", "replace").strip()
        return f" ({text.splitlines()[-1][:300]})" if text else ""

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def send(self, data: bytes) -> None:
        """Queue one encoded request; the worker is started first if it is not running."""
        if not self.alive:
            self.start()
        try:
            with self._write_lock:  # a cancel may be written from another thread
                self._proc.stdin.write(struct.pack(">I", len(data)) + data)  # type: ignore[union-attr]
                self._proc.stdin.flush()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError) as e:
            self.close()
            raise WorkerDied(f"the worker went away: {e}") from None

    def cancel(self, request_id: int) -> None:
        """Ask the worker to drop a queued request, or kill the test it runs now; its reply says `cancelled`."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        data = json.dumps({"kind": "cancel", "id": request_id}).encode()
        try:
            with self._write_lock:
                proc.stdin.write(struct.pack(">I", len(data)) + data)  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError, ValueError):
            pass  # the worker is going away; the driver resolves the test

    def receive(self, deadline: float) -> dict:
        """The next reply, in the order the requests were sent."""
        try:
            return self._read(deadline)
        except WorkerDied:
            self.close()
            raise

    def _read(self, deadline: float) -> dict:
        header = self._read_exact(4, deadline)
        (n,) = struct.unpack(">I", header)
        try:
            return json.loads(self._read_exact(n, deadline))
        except ValueError as e:
            raise WorkerDied(f"bad reply: {e}") from None

    def _read_exact(self, n: int, deadline: float) -> bytes:
        fd = self._proc.stdout.fileno()  # type: ignore[union-attr]
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerDied("no answer in time")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                raise WorkerDied("the worker exited")
            buf += chunk
        return bytes(buf)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass


def _compile(code: str) -> tuple[str | None, str | None]:
    """Compile in the parent: (bytecode for the child, None) or (None, the syntax error).

    A program that does not parse never needs a sandbox, and one that does is sent compiled
    (marshal, base64): the child loads it instead of compiling it a second time.
    """
    try:
        compiled = compile(code, harness.MODULE_FILE, "exec", dont_inherit=True)
    except SyntaxError as e:
        return None, f"SyntaxError: {e.msg} (line {e.lineno})"
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        return None, f"{type(e).__name__}: {e}"
    return binascii.b2a_base64(marshal.dumps(compiled), newline=False).decode("ascii"), None


PIPELINE_DEPTH = 2  # requests queued on a worker: the next one is waiting when a test ends
PIPELINE_BYTES = 32 * 1024  # a request queued behind another must fit the pipe's buffer, or writing it could block


_IDS = itertools.count(1)


class CheckFuture(Future):
    """One test's future. `cancel()` works at every stage: before it is sent, while it waits in
    the worker's queue, and while it runs (the worker kills it and serves the next test)."""

    _task: "_Task"

    def cancel(self) -> bool:
        if super().cancel():
            return True
        task = self._task
        with task.lock:
            if self.done():
                return False
            task.cancel_requested = True
            worker = task.worker
        if worker is not None:
            worker.cancel(task.id)
        return True


@dataclass(eq=False)
class _Task:
    """One test on its way through a worker: built lazily, resolved through its future."""

    code: str
    bytecode: str | None
    test: Any
    limits: Limits
    future: Future
    skip: threading.Event | None = None  # set when an earlier test of the same candidate failed
    data: bytes = b""
    nonce: str = ""
    wall: float = 0.0
    claimed: bool = False  # the driver has seen it (its future is running, its request built)
    attempts: int = 0
    started: float = 0.0
    id: int = field(default_factory=lambda: next(_IDS))
    worker: Worker | None = None  # where it was sent, for a cancel
    cancel_requested: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def encode(self) -> None:
        req = judge.build_request(self.code, self.test, self.limits)
        req["id"] = self.id
        if self.bytecode is not None and req["kind"] != "pytest":  # pytest imports the module from a file
            req["bytecode"] = self.bytecode
        self.nonce = req["nonce"]
        self.wall = req["limits"]["wall_s"]
        self.data = json.dumps(req).encode()

    def resolve(self, reply: dict) -> None:
        """Turn the worker's raw reply into verdicts (here, in the parent) and hand them over."""
        if self.future.done():
            return
        if reply.get("status") == "cancelled" or self.cancel_requested:
            self.future.set_exception(CancelledError())
            return
        try:
            reply["wall_s"] = self.wall
            if isinstance(self.test, PytestTest):
                results = judge.pytest_verdicts(self.test, reply, self.nonce, self.limits)
            else:
                results = [judge.verdict(self.test, reply, self.nonce, self.limits)]
        except BadInput as e:
            self.future.set_exception(e)
            return
        except Exception as e:
            results = [TestResult(test=self.test, verdict=Verdict.SANDBOX_ERROR, time_s=0.0,
                                  message=f"{type(e).__name__}: {e}")]
        if self.skip is not None and any(not r.passed for r in results):
            self.skip.set()
        self.future.set_result(results)


@dataclass(eq=False)
class _Lane:
    """What one driver holds: its worker, the tests sent to it (in order) and those taken but not sent."""

    worker: Worker
    inflight: deque[_Task] = field(default_factory=deque)
    waiting: deque[_Task] = field(default_factory=deque)
    stopping: bool = False  # the pool is closing: send nothing more


class Sandbox:
    """A pool of warm, isolated workers. Use as a context manager, or get_sandbox() for the shared one."""

    def __init__(self, workers: int | None = None, *, kind: isolation.Isolation | None = None,
                 first_cpu: int = 0) -> None:
        """`workers`: how many (default one per core); `kind`: pin one isolation (default: the best that works);
        `first_cpu`: where the round robin of CPUs starts (pools sharing a machine start apart)."""
        if kind is None:
            isolation.current()  # fail early, with the reason, where no sandbox can exist
        self.size = min(1024, max(1, workers or os.cpu_count() or 1))
        base = isolation.CANDIDATE_UID + secrets.randbelow(isolation.CANDIDATE_UIDS // 1024) * 1024
        cpus = sorted(os.sched_getaffinity(0))
        # Each worker on a CPU of its own (round robin): a test's two processes (split.py) then take
        # turns on one CPU, where a call between them is a context switch, not a cross-CPU wake-up.
        self._all = [Worker(base + i, pinned=kind, cpu=cpus[(first_cpu + i) % len(cpus)])
                     for i in range(self.size)]
        self._tasks: queue.SimpleQueue[_Task | None] = queue.SimpleQueue()
        self._drivers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()  # a forked copy of this process must not share the workers' pipes

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Cancel what has not started, let running tests finish, stop every worker."""
        with self._lock:
            if self._closed or self._pid != os.getpid():
                return
            self._closed = True
        for _ in self._drivers:
            self._tasks.put(None)
        for driver in self._drivers:
            driver.join()
        while True:  # anything submitted with no driver left to take it
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                task.future.cancel()
        for w in self._all:
            w.close()

    # -- the drivers: one thread per worker ---------------------------------------------

    def start(self) -> Sandbox:
        """Boot every worker now, in the background, instead of on the first test each one gets.

        Worth calling as early as possible before a batch: booting overlaps whatever the
        caller does next (reading files, compiling candidates).
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("this sandbox is closed")
            if not self._drivers:
                self._drivers = [threading.Thread(target=self._drive, args=(w,), daemon=True,
                                                  name=f"dcode-sandbox-{i}") for i, w in enumerate(self._all)]
                for driver in self._drivers:
                    driver.start()
        return self

    def _submit(self, code: str, bytecode: str | None, test: Any, limits: Limits,
                skip: threading.Event | None = None) -> CheckFuture:
        self.start()
        future = CheckFuture()
        task = _Task(code, bytecode, test, limits, future, skip)
        future._task = task
        self._tasks.put(task)
        return future

    def _drive(self, worker: Worker) -> None:
        """Feed one worker: keep the next request queued behind the running one, resolve replies in order.

        A worker that dies is restarted: the test it was running gets `timeout` if it had
        used up its time, else one more try (then `sandbox_error`); the requests queued
        behind it never started and go again. Nothing escapes this thread: a failure of
        the driver itself becomes `sandbox_error` for the tests it held.
        """
        try:
            if not worker.alive:
                worker.start()
        except Exception:  # BadInput or WorkerDied: said again, to the caller, at the first send
            pass
        lane = _Lane(worker)
        while not (lane.stopping and not lane.inflight):
            try:
                self._feed(lane)
            except Exception as e:  # a bug here must not leave a caller waiting for ever
                worker.close()
                for task in [*lane.inflight, *lane.waiting]:
                    task.resolve({"status": "error", "message": f"sandbox driver: {type(e).__name__}: {e}",
                                  "time_s": 0.0})
                lane.inflight.clear()
                lane.waiting.clear()
        for task in lane.waiting:
            if not task.future.cancel() and not task.future.done():
                task.future.set_result(None)

    def _feed(self, lane: _Lane) -> None:
        """Send what fits behind the running test, then wait for one reply."""
        inflight, waiting = lane.inflight, lane.waiting
        while not lane.stopping and len(inflight) < PIPELINE_DEPTH:
            if inflight and not waiting and self._tasks.qsize() < self.size:
                break  # a short backlog is better spread over idle workers than queued behind a slow test
            if not waiting:
                try:
                    item = self._tasks.get(block=not inflight)
                except queue.Empty:
                    break
                if item is None:
                    lane.stopping = True
                    break
                waiting.append(item)
            task = waiting[0]
            if not task.claimed and not self._claim(task):
                waiting.popleft()
                continue
            if inflight and len(task.data) > PIPELINE_BYTES:
                break
            waiting.popleft()
            task.attempts += 1
            try:
                with task.lock:
                    if task.cancel_requested:
                        task.resolve({"status": "cancelled"})
                        continue
                    lane.worker.send(task.data)
                    task.worker = lane.worker
            except BadInput as e:  # no sandbox can start here: the caller hears why
                task.future.set_exception(e)
                continue
            except Exception as e:  # WorkerDied, or no worker could be started at all (OSError)
                lane.worker.close()
                self._died(task, e, waiting)
                continue
            if not inflight:
                task.started = time.monotonic()
            inflight.append(task)
        if not inflight:
            return
        head = inflight.popleft()
        try:
            reply = lane.worker.receive(head.started + head.wall + GRACE_S)
        except Exception as e:  # WorkerDied, or its pipe failed under us
            lane.worker.close()
            for task in reversed(inflight):  # queued behind the one that ran: they never started
                task.attempts -= 1
                waiting.appendleft(task)
            inflight.clear()
            self._died(head, e, waiting)
            return
        if inflight:
            inflight[0].started = time.monotonic()
        head.resolve(reply)

    def _claim(self, task: _Task) -> bool:
        """First sight of a task: False if it needs no run (cancelled, skipped, unreadable tests)."""
        task.claimed = True
        if self._closed:
            task.future.cancel()
            return False
        if not task.future.set_running_or_notify_cancel():
            return False
        if task.skip is not None and task.skip.is_set():
            task.future.set_result(None)
            return False
        try:
            task.encode()
        except BadInput as e:
            task.future.set_exception(e)
            return False
        return True

    @staticmethod
    def _died(task: _Task, e: Exception, waiting: deque[_Task]) -> None:
        """The worker died under `task`: out of time if it had run its limit, else once more, else an error."""
        elapsed = time.monotonic() - task.started if task.started else 0.0
        if task.started and elapsed >= task.wall:
            task.resolve({"status": "timeout", "time_s": elapsed})
        elif task.attempts >= 2:
            task.resolve({"status": "error", "message": str(e), "time_s": elapsed})
        else:
            task.started = 0.0
            waiting.appendleft(task)

    # -- public calls -------------------------------------------------------------------

    def check(self, code: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
              stop_on_first_failure: bool = False) -> CheckResult:
        """Run `code` against every test; results in test order."""
        return self.check_many([(code, tests)], limits, stop_on_first_failure=stop_on_first_failure)[0]

    def submit(self, code: str, tests: Sequence[TestCase], limits: Limits | None = None, *,
               stop_on_first_failure: bool = False) -> list[CheckFuture]:
        """Start checking `code` against each test; one future per test, each a list of TestResults.

        Nothing blocks: an editor or a TUI waits on the futures it cares about, and
        `future.cancel()` drops a test still queued or kills one that is running (the
        worker then serves the next test). A program that does not parse needs no sandbox:
        its futures are already done.

            futures = sandbox.submit(code, tests)
            futures[0].cancel()
            finished = [f.result() for f in futures[1:]]  # lists of TestResults

        With `stop_on_first_failure`, a test not yet started when another one of this
        program fails is not run: its future's result is None.
        """
        limits = limits or Limits()
        bytecode, error = _compile(code)
        if error:
            done = []
            for t in tests:
                future = CheckFuture()
                future._task = _Task(code, None, t, limits, future)
                future.set_result([TestResult(test=t, verdict=Verdict.SYNTAX_ERROR, time_s=0.0, message=error)])
                done.append(future)
            return done
        skip = threading.Event() if stop_on_first_failure else None
        return [self._submit(code, bytecode, t, limits, skip) for t in tests]  # type: ignore[misc]

    def check_many(self, jobs: Sequence[tuple[str, Sequence[TestCase]]], limits: Limits | None = None, *,
                   stop_on_first_failure: bool = False) -> list[CheckResult]:
        """Many candidates at once, spread over the pool; results in job order."""
        limits = limits or Limits()
        start = time.monotonic()
        plans: list[list[Any]] = []
        for code, tests in jobs:
            bytecode, error = _compile(code)
            if error:
                plans.append([[TestResult(test=t, verdict=Verdict.SYNTAX_ERROR, time_s=0.0, message=error)]
                              for t in tests][:1 if stop_on_first_failure else None])
                continue
            skip = threading.Event() if stop_on_first_failure else None
            plans.append([self._submit(code, bytecode, t, limits, skip) for t in tests])
        from dcode.sandbox.shared import in_order

        return [CheckResult(results=in_order(plan, stop_on_first_failure), time_s=time.monotonic() - start)
                for plan in plans]

    def run_program(self, code: str, stdin: str = "", limits: Limits | None = None) -> TestResult:
        """Run a program with `stdin`; passed if it exits cleanly. `actual` is its stdout."""
        return self._single(code, judge.ProgramRun(stdin=stdin), limits)

    def call_function(self, code: str, fn: str, args: Sequence[Any], limits: Limits | None = None) -> TestResult:
        """Call `fn(*args)` after running `code`; `actual` is the JSON of the return value."""
        return self._single(code, judge.FunctionCall(fn=fn, args=tuple(args)), limits)

    def _single(self, code: str, test: Any, limits: Limits | None) -> TestResult:
        bytecode, error = _compile(code)
        if error:
            return TestResult(test=test, verdict=Verdict.SYNTAX_ERROR, time_s=0.0, message=error)
        return self._submit(code, bytecode, test, limits or Limits()).result()[0]
