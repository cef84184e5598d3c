"""The candidate in one process, its test in another (stdlib only; runs inside the sandbox).

For call, assert and pytest tests the forked child splits in two. The candidate's process
runs the candidate's module and then only answers requests (channel.py). The test's
process holds the report channel and the nonce, is not dumpable (so the candidate, under
the same uid, can neither ptrace it nor open its /proc files), and runs the test against
proxies of the candidate's functions. Whatever the candidate does to its own interpreter
(patch pytest's reports, rewrite `os._exit`, read every fd it has) happens in a process
whose word counts for nothing: only the test's process can write the `done` event, and
it learns the nonce only after the test's last statement ran.

When the candidate's process dies, the test's process dies the same way (same signal, or
an error event for an exit), after reaping it, so the parent's verdict (timeout, memory)
and the resource usage it reads cover both.
"""
from __future__ import annotations

import builtins
import ctypes
import importlib.abc
import importlib.machinery
import os
import signal
import socket
import sys
import types

PR_SET_DUMPABLE = 4
_libc = ctypes.CDLL(None, use_errno=True)
# What the candidate's process may report about itself before serving: only its own failures.
RELAYED = frozenset({"error", "syntax_error"})


harness = sys.modules.get("_dcode_sandbox_harness") or __import__("dcode.sandbox.harness", fromlist=["_"])
channel = harness._sibling("channel")
landlock = harness._sibling("landlock")
pytest_side = harness._sibling("pytest_side")


class _Events:
    """The candidate's side of reporting: events are kept and sent to the test's process, which judges them."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def event(self, **data: object) -> None:
        self.events.append(data)


def _set_dumpable(value: int) -> None:
    _libc.prctl(PR_SET_DUMPABLE, value, 0, 0, 0)


def run(req: dict, reporter) -> None:
    """Fork the candidate's process, then run the test here; never returns."""
    _set_dumpable(0)  # before the fork: no moment in which the candidate could attach to us
    pid, fd = _fork_candidate(req, reporter, ())
    ch = channel.Channel(fd, channel.TEST_SIDE_OPS)
    judge = _Judge(req, reporter, ch, pid)
    ch.on_broken = judge.stop_candidate
    ch.on_request = judge.restart_if_stopped
    try:
        TESTS[req["kind"]](judge)
    except channel.CandidateGone as e:
        judge.candidate_gone(e)
    harness._shutdown(1)


def _fork_candidate(req: dict, reporter, close: tuple[int, ...]) -> tuple[int, int]:
    """A new candidate process, and our end of the channel to it."""
    ours, theirs = socket.socketpair()
    pid = _libc.fork()  # as server.py forks: without os.fork's Python hooks (threading's, random's)
    if pid < 0:
        raise OSError(ctypes.get_errno(), "fork")
    if pid == 0:
        ours.close()
        for fd in (reporter.fd, reporter.nonce_fd, *close):
            try:
                os.close(fd)
            except OSError:
                pass
        _set_dumpable(1)  # the candidate's own /proc/self works as usual
        _forget_the_test(req)
        _candidate(req, theirs.detach())
    theirs.close()
    return pid, ours.detach()


def _forget_the_test(req: dict) -> None:
    """In a candidate forked from a test's process (a restart): its proxies must not shadow the real module."""
    pytest_side.forget(req)


# -- the candidate's process ---------------------------------------------------------------

def _candidate(req: dict, fd: int) -> None:
    if req["kind"] == "pytest":
        landlock.no_writes_outside_scratch()
    ch = channel.Channel(fd, channel.CANDIDATE_SIDE_OPS)
    ch.traceback_of = _traceback_text
    events = _Events()
    if req["kind"] == "pytest":
        module, status = _import_candidate(req, events)
    else:
        module = harness._fresh_main(f"{harness.WORKDIR}/{harness.MODULE_FILE}")
        status = harness._exec_code(req["code"], module, events, bytecode=req.get("bytecode"))
    ch.root = module
    init = {"init": True, "status": status, "events": events.events}
    if status is None and req["kind"] != "pytest":  # the test's namespace comes with the news, saving a round trip
        names = ch.names(module)
        if req["kind"] == "call":  # a call needs its function only
            names = {k: v for k, v in names.items() if k in (req["fn"], "Solution")}
        init["names"] = ch.encode_names(names)
    try:
        ch.send(init)
    except channel.CandidateGone:
        os._exit(1)
    if status is not None:
        harness._shutdown(status)
    ch.captured = channel.capture_output()
    ch.serve_forever()
    _flush()
    os._exit(0)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _traceback_text(e: BaseException) -> tuple[str, int | None]:
    """The candidate's traceback as Python prints it, and its line: for the test's report (feedback for a model)."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in harness.OWN_FILES:
        tb = tb.tb_next
    text = harness._plain_traceback(e, tb)
    if text is None:
        import traceback

        text = "".join(traceback.format_exception(type(e), e, tb))
    return text[-4000:], harness._describe(e)["line"]


class _Exited(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class _CandidateLoader(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import pkg.mod` in the candidate's process runs the candidate's code, after `pkg` as Python would."""

    def __init__(self, req: dict, path: str, events: _Events) -> None:
        self.req, self.path, self.events = req, path, events

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.req["module"]:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, origin=self.path)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        module.__file__ = self.path
        status = harness._exec_code(self.req["code"], module, self.events, filename=self.path)
        if status is not None:
            raise _Exited(status)


def _import_candidate(req: dict, events: _Events) -> tuple[types.ModuleType, int | None]:
    """The candidate as the module it replaces: its dotted name, its package, its siblings importable."""
    import importlib

    name, path = req["module"], os.path.join(harness.WORKDIR, req["module_path"])
    base = os.path.join(harness.WORKDIR, *req["module_path"].split("/")[:-len(name.split("."))])
    entries = [base, *(os.path.join(harness.WORKDIR, p) for p in req.get("pythonpath", [])), harness.WORKDIR]
    for entry in reversed(entries):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    sys.meta_path.insert(0, _CandidateLoader(req, path, events))
    try:
        return importlib.import_module(name), None
    except _Exited as e:
        return types.ModuleType(name), e.status
    except BaseException as e:  # its package failed to import: the candidate's failure too
        events.event(event="error", phase="code", **harness._describe(e))
        harness._print_traceback()
        return types.ModuleType(name), 1


# -- the test's process --------------------------------------------------------------------

class _Judge:
    """The test's side: the candidate's names as proxies, the report channel, the nonce."""

    def __init__(self, req: dict, reporter, ch, pid: int) -> None:
        self.req, self.reporter, self.ch, self.pid = req, reporter, ch, pid
        self.stopped_because = ""

    def start(self) -> bool:
        """Wait for the candidate's module to run; relay its own failures. False when it did not finish."""
        init = self.ch.receive()
        for event in init.get("events") or []:
            if isinstance(event, dict) and event.get("event") in RELAYED:
                self.reporter.event(**{k: v for k, v in event.items() if isinstance(k, str)})
        self.relayed = [e for e in init.get("events") or [] if isinstance(e, dict) and e.get("event") in RELAYED]
        status = init.get("status")
        if status is not None:
            self.exit_status = status if type(status) is int else 1
            return False
        self._names = self.ch.decode(init["names"]) if "names" in init else None
        return True

    def names(self) -> dict:
        value = self._names if self._names is not None else self.ch.request("names")
        return value if isinstance(value, dict) else {}

    def stop_candidate(self, why: str) -> None:
        """A test ran out of time while the candidate computed: stop it; the next call starts a new one."""
        self.stopped_because = why
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def restart_if_stopped(self) -> None:
        """The candidate's module again, in a fresh process, as pytest's next test would find it."""
        if not self.stopped_because or self.req["kind"] != "pytest":
            return
        self.stopped_because = ""
        self.pid, fd = _fork_candidate(self.req, self.reporter, (self.ch.fd,))
        self.ch.restart(fd)
        init = self.ch.receive()
        if init.get("status") is not None:
            self.ch._gone = "the candidate's module failed when it was started again"

    def candidate_gone(self, e: BaseException) -> None:
        """The candidate's process ended under us: die its way, or report how it left."""
        alive = self.mirror_death()
        broke = "the candidate's process " + str(e).removeprefix("the other process ")
        why = self.stopped_because or (broke if alive else "the program exited before its tests finished")
        self.reporter.event(event="error", phase="test", type="SystemExit", message=why, line=None)
        harness._shutdown(1)

    def mirror_death(self) -> bool:
        """Reap the candidate; if a signal ended it, end this process by the same signal.

        A candidate still alive after its channel broke (it wrote garbage into it, or closed
        it) is killed, not waited for: the test has failed either way.
        """
        raw = self._reap_within(0.1)
        if raw is None:
            return True
        if os.WIFSIGNALED(raw) and not self.stopped_because:
            sig = os.WTERMSIG(raw)
            _flush()
            signal.signal(sig, signal.SIG_DFL)
            resource_core_off()
            os.kill(os.getpid(), sig)
        return False

    def _reap_within(self, seconds: float) -> int | None:
        """The candidate's wait status once it has ended by itself; None when it had to be killed."""
        import time

        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                pid, raw = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    return raw
                time.sleep(0.002)
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
        return None

    def finish(self) -> None:
        """The test's last statement ran: end the candidate, then prove it with the nonce."""
        try:
            os.close(self.ch.fd)
        except OSError:
            pass
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.reporter.finish()


def resource_core_off() -> None:
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass


def fail(judge: _Judge, e: BaseException, **event: object) -> None:
    """Report the exception that ended the test: the candidate's own traceback when it came from there."""
    data = getattr(e, "_dcode_remote", None)
    if isinstance(data, dict):
        described = harness._describe(e)
        described["type"] = str(data.get("qualname", described["type"])).rsplit(".", 1)[-1]
        described["line"] = data.get("line") or described["line"]
        judge.reporter.event(**event, **described)
        sys.stderr.write(str(data.get("tb") or harness._exception_line(e)))
        harness._shutdown(1)
    harness._fail(judge.reporter, e, **event)


def run_call(judge: _Judge) -> None:
    req = judge.req
    if not judge.start():
        harness._stop(judge.reporter, judge.exit_status or 1, "code", "SystemExit",
                      f"exited with status {judge.exit_status}")
    names = judge.names()
    candidates_own = (channel.Remote, channel.proxy.RemoteClass)  # a function, or a class (LeetCode's Solution)
    fn = names.get(req["fn"])
    if not isinstance(fn, candidates_own) and isinstance(names.get("Solution"), candidates_own):
        try:
            fn = getattr(names["Solution"](), req["fn"])
        except channel.CandidateGone:
            raise
        except BaseException:
            fn = None
    if not isinstance(fn, candidates_own):
        harness._stop(judge.reporter, 1, "call", "NameError", f"no function {req['fn']!r} defined")
    try:
        value = fn(*req["args"])
        if isinstance(value, channel.Remote):
            raise TypeError(f"the return value ({value._name}) is not JSON data")
        encoded = harness.json.dumps(harness._jsonable(value), allow_nan=True)
    except channel.CandidateGone:
        raise
    except SystemExit as e:
        harness._stop(judge.reporter, 1, "call", "SystemExit",
                      f"exited with status {harness._exit_status(e)} instead of returning")
    except BaseException as e:
        fail(judge, e, event="error", phase="call")
    judge.reporter.event(event="return", value=encoded)
    judge.finish()
    harness._shutdown(0)


def run_assert(judge: _Judge) -> None:
    req = judge.req
    if not judge.start():
        status = judge.exit_status
        harness._stop(judge.reporter, status or 1, "code", "SystemExit",
                      f"the program exited (status {status}) before the tests ran")
    namespace = {"__name__": "__main__", "__builtins__": builtins, **judge.names()}
    source = req["source"]
    try:
        if source:
            harness._remember_source("tests.py", source)
            code = (harness.marshal.loads(harness.binascii.a2b_base64(req["source_bytecode"]))
                    if req.get("source_bytecode") else compile(source, "tests.py", "exec", dont_inherit=True))
            exec(code, namespace)
    except channel.CandidateGone:
        raise
    except AssertionError as e:
        fail(judge, e, event="assert_failed")
    except SystemExit as e:
        harness._stop(judge.reporter, 1, "test", "SystemExit",
                      f"exited with status {harness._exit_status(e)} during the tests")
    except BaseException as e:
        fail(judge, e, event="error", phase="test")
    judge.finish()
    harness._shutdown(0)


TESTS = {"call": run_call, "assert": run_assert, "pytest": pytest_side.run_pytest}
