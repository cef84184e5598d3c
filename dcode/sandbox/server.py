"""A warm worker that lives inside the namespaces: one fork per test (stdlib only).

Started by the parent through `unshare` as `python -I -B server.py CONFIG`; it is pid 1 of
its own pid namespace. It builds the sandbox root (boot.py), imports the modules that
candidates commonly need once, then answers requests on its stdin/stdout: length-prefixed
JSON frames, one test each. Per test it forks a child that drops every privilege, applies
the rlimits and runs the candidate (harness.py); afterwards it kills every other process
in the namespace and replaces the scratch mounts, so nothing survives from one test to the
next. When the parent goes away its stdin closes and the whole namespace dies with it.
A pytest project's files are laid out here, owned by the server, and each pytest child
sees the working dir read-only. Each worker runs on the CPU the pool gave it.
"""
from __future__ import annotations

import ctypes
import errno
import importlib.util
import json
import os
import resource
import select
import signal
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str):
    """Load a sibling module by path before the pivot makes the source tree disappear."""
    spec = importlib.util.spec_from_file_location(f"_dcode_sandbox_{name}", os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


boot = _load("boot")
for _name in ("crossing", "proxy", "channel", "harness", "landlock", "pytest_side", "split"):
    _load(_name)  # in the order they import each other, each found by the next under its sandbox name
harness = sys.modules["_dcode_sandbox_harness"]

# Imported once, before any fork: what competitive and interview-style programs use. numpy
# and pytest are left out on purpose: their memory makes every fork slower (bench/RESULTS.md),
# and only the programs that need them pay for importing them.
WARM_MODULES = ("array", "bisect", "collections", "copy", "dataclasses", "datetime", "decimal", "fractions",
                "functools", "heapq", "itertools", "json", "math", "operator", "random", "re", "statistics",
                "string", "typing", "io", "time", "threading", "traceback")
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_DUMPABLE = 4
CLONE_NEWNS = 0x00020000
_libc = ctypes.CDLL(None, use_errno=True)
STDERR_TAIL = 2048
MAX_FD = resource.getrlimit(resource.RLIMIT_NOFILE)[0]  # no fd of the server's can be above its own limit
# The child's report and nonce pipes sit at fds that vary per test, each in its half of
# [100, MAX_FD): dup2() refuses a target at or above the soft limit, often 1024.
FD_SPAN = max(1, (MAX_FD - 100) // 2)


def _fork() -> int:
    """fork(2) without os.fork's Python-level after-fork hooks.

    The server is single-threaded and holds no lock when it forks, so the hooks have nothing
    to repair; what they do cost is time: threading's and random's hooks write to ~150 pages
    of the copy-on-write heap, about 0.4 ms per test on this project's VMs. One visible effect:
    every child starts with the server's `random` state, so a program that seeds nothing
    draws the same numbers on every run of one worker (reproducible, as a judge should be).
    """
    pid = _libc.fork()
    if pid < 0:
        raise OSError(ctypes.get_errno(), "fork")
    return pid


def _frame_write(fd: int, obj: dict) -> None:
    data = json.dumps(obj).encode()
    data = struct.pack(">I", len(data)) + data
    while data:
        n = os.write(fd, data)
        data = data[n:]


def _read_exact(fd: int, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _frame_read(fd: int) -> dict:
    (n,) = struct.unpack(">I", _read_exact(fd, 4))
    return json.loads(_read_exact(fd, n))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _last_cap() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 63


LAST_CAP = _last_cap()


def _no_way_back() -> None:
    """Once, in the server: no capability can ever be gained again by any process it forks.

    The server keeps the capabilities it holds (it mounts and kills), but it never execs, so
    an empty bounding set and no_new_privs cost it nothing; children inherit both, so a
    candidate that execs a setuid binary, or execs as root of a user namespace, gains nothing.
    """
    for cap in range(LAST_CAP + 1):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != errno.EINVAL:
            raise OSError(ctypes.get_errno(), f"dropping capability {cap} from the bounding set")
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "no_new_privs")


def _drop_privileges(uid: int, setuid: bool) -> None:
    """In each child: an unprivileged uid where we have one, and no capabilities.

    Moving every uid from 0 to another clears all capabilities (the kernel does it; we never
    set SECBIT_KEEP_CAPS), so only a child that stays root of its user namespace needs capset.
    """
    if setuid:  # supplementary groups were cleared once, in the server (setgroups is slow)
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        return
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


_LIMITED = (resource.RLIMIT_CPU, resource.RLIMIT_AS, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE,
            resource.RLIMIT_NPROC, resource.RLIMIT_CORE)
# What the user's own hard limits allow (read once): a test gets the lower of those and its own.
HARD_LIMITS = {res: resource.getrlimit(res)[1] for res in _LIMITED}


def _capped(res: int, soft: int, hard: int) -> tuple[int, int]:
    ceiling = HARD_LIMITS[res]
    if ceiling == resource.RLIM_INFINITY:
        return soft, hard
    return min(soft, ceiling), min(hard, ceiling)


def _set_limits(limits: dict) -> None:
    mb = 1024 * 1024
    cpu = int(limits["timeout_s"]) + 1
    for res, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)),
                       (resource.RLIMIT_AS, (limits["memory_mb"] * mb,) * 2),
                       (resource.RLIMIT_FSIZE, (max(limits["file_size_mb"] * mb, limits["output_bytes"] + 1),) * 2),
                       (resource.RLIMIT_NOFILE, (limits["open_files"],) * 2),
                       (resource.RLIMIT_NPROC, (limits["processes"],) * 2),
                       (resource.RLIMIT_CORE, (0, 0))):
        resource.setrlimit(res, _capped(res, *value))


class Server:
    def __init__(self, config: dict) -> None:
        self.uid = config["uid"]
        self.setuid = config["setuid"]
        self.scratch_mb = config["scratch_mb"]
        self.can_mount = config["mode"] != "bwrap"
        self.nested = config["nested"]
        self.scratch_uid = (self.uid if self.setuid else 0) if self.can_mount else os.getuid()
        # Keep the parent's pipes on fds no child will ever see.
        self.rfd = os.dup(0)
        self.wfd = os.dup(1)
        os.set_inheritable(self.rfd, False)
        os.set_inheritable(self.wfd, False)
        self.pending: list[dict] = []  # requests read while a test ran (the parent queues the next one)
        self.cancelled: set[int] = set()  # ids the parent cancelled before they ran
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1):
            os.dup2(null, fd)
        os.close(null)

    def serve(self) -> None:
        while True:
            try:
                req = self.pending.pop(0) if self.pending else _frame_read(self.rfd)
            except (EOFError, OSError):
                return
            if req.get("kind") == "ping":
                _frame_write(self.wfd, {"ok": True})
                continue
            if req.get("kind") == "cancel":  # for a request not run yet; it gets no reply of its own
                self.cancelled.add(req.get("id"))
                continue
            if req.get("id") in self.cancelled:
                self.cancelled.discard(req.get("id"))
                _frame_write(self.wfd, {"status": "cancelled", "time_s": 0.0})
                continue
            try:
                reply = self.run(req)
            except Exception as e:  # our own failure: say so, the parent marks sandbox_error
                reply = {"status": "error", "message": f"{type(e).__name__}: {e}"}
            _frame_write(self.wfd, reply)

    def run(self, req: dict) -> dict:
        t0 = time.monotonic()
        limits = req["limits"]
        self._lay_out(req)
        stdin = os.memfd_create("stdin")
        os.write(stdin, req.get("stdin", "").encode())
        os.lseek(stdin, 0, os.SEEK_SET)
        stdout, stderr, report = (os.memfd_create(n) for n in ("stdout", "stderr", "report"))
        nonce_r, nonce_w = os.pipe()
        os.write(nonce_w, req.get("nonce", "").encode())
        os.close(nonce_w)
        req.pop("nonce", None)
        start = time.monotonic()
        pid = _fork()
        if pid == 0:
            self._child(req, limits, stdin, stdout, stderr, report, nonce_r)
        for fd in (stdin, nonce_r):
            os.close(fd)
        status, usage = self._wait(pid, start + limits["wall_s"], req.get("id"))
        elapsed = time.monotonic() - start
        t_kill = time.monotonic()
        self._kill_all()
        t_read = time.monotonic()
        reply = {"status": status[0], "code": status[1], "time_s": elapsed,
                 "cpu_s": usage.ru_utime + usage.ru_stime if usage else None,
                 "max_rss_mb": usage.ru_maxrss / 1024 if usage else None}
        out = self._read(stdout, limits["output_bytes"] + 1)
        reply["stdout"] = out.decode("utf-8", "replace")
        reply["stdout_truncated"] = len(out) > limits["output_bytes"]
        reply["stderr"] = self._tail(stderr, STDERR_TAIL).decode("utf-8", "replace")
        reply["report"] = self._read(report, 4 * 1024 * 1024).decode("utf-8", "replace")
        for fd in (stdout, stderr, report):
            os.close(fd)
        t_reset = time.monotonic()
        if self.can_mount:
            boot.reset_scratch(self.scratch_uid, self.scratch_mb, self.nested)
        else:
            boot.wipe_scratch(self.scratch_uid, self.nested)
        # Where a test's overhead goes, for bench/sandbox_overhead.py.
        reply["overhead_s"] = {"prepare": start - t0, "kill": t_read - t_kill, "collect": t_reset - t_read,
                               "reset": time.monotonic() - t_reset}
        return reply

    @staticmethod
    def _lay_out(req: dict) -> None:
        """A pytest project's files in the working dir, owned by us: the candidate reads them, never writes."""
        files = req.get("files") or {}
        binary = req.pop("binary_files", None) or {}
        if req.get("kind") == "pytest":
            files = {**files, req["module_path"]: req["code"]}
        for name, data in [*files.items(), *binary.items()]:
            path = os.path.normpath(os.path.join(boot.WORKDIR, name))
            if not path.startswith(boot.WORKDIR + "/"):
                continue
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            with open(path, "wb") as f:
                f.write(data.encode() if name in files else bytes.fromhex(data))

    def _read_only_project(self) -> None:
        """In the child, before privileges go: its own view of the working dir, read-only.

        The test's process imports the project's files (conftest.py, the tests, their
        helpers); a candidate that could write there could put code into that process.
        """
        if not self.can_mount:
            return
        if _libc.unshare(CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
        boot.mount(None, "/", None, boot.MS_REC | boot.MS_PRIVATE)
        boot.mount(None, boot.WORKDIR, None, boot.MS_BIND | boot.MS_REMOUNT | boot.MS_RDONLY | boot.MS_NOSUID
                   | boot.MS_NODEV)

    def _child(self, req, limits, stdin, stdout, stderr, report, nonce_r) -> None:
        try:
            if req.get("kind") == "pytest":
                self._read_only_project()
            os.setsid()
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.dup2(stdin, 0)
            os.dup2(stdout, 1)
            os.dup2(stderr, 2)
            report_fd, nonce_fd = 100 + os.getpid() % FD_SPAN, 100 + FD_SPAN + os.getpid() % FD_SPAN
            os.dup2(report, report_fd)
            os.dup2(nonce_r, nonce_fd)
            os.closerange(3, report_fd)
            os.closerange(report_fd + 1, nonce_fd)
            os.closerange(nonce_fd + 1, MAX_FD)
            os.chdir(boot.WORKDIR)
            _set_limits(limits)
            _drop_privileges(self.uid, self.setuid)
        except BaseException as e:
            os.write(2, f"sandbox: could not prepare the child: {e}\n".encode())
            os._exit(125)
        harness.run(req, report_fd, nonce_fd)
        os._exit(1)

    def _wait(self, pid: int, deadline: float, req_id: object = None):
        """The child's end: it exited, was signalled, ran out of time, or the parent cancelled it.

        The parent's pipe is watched too: a cancel for this test kills the child at once;
        anything else that arrives (the next request) is kept for `serve`.
        """
        pidfd = os.pidfd_open(pid)
        try:
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            poller.register(self.rfd, select.POLLIN)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    os.kill(pid, signal.SIGKILL)
                    _, raw, usage = os.wait4(pid, 0)
                    return ("timeout", None), usage
                ready = dict(poller.poll(left * 1000))
                if self.rfd in ready and pidfd not in ready and self._cancelled_now(req_id):
                    os.kill(pid, signal.SIGKILL)
                    _, raw, usage = os.wait4(pid, 0)
                    return ("cancelled", None), usage
                if pidfd in ready:
                    _, raw, usage = os.wait4(pid, 0)
                    if os.WIFSIGNALED(raw):
                        return ("signaled", os.WTERMSIG(raw)), usage
                    return ("exited", os.WEXITSTATUS(raw)), usage
        finally:
            os.close(pidfd)

    def _cancelled_now(self, req_id: object) -> bool:
        """Read what the parent sent while a test runs: True when it cancels this very test."""
        try:
            frame = _frame_read(self.rfd)
        except (EOFError, OSError):  # the parent is gone: so is everything here
            self._kill_all()
            os._exit(0)
        if frame.get("kind") == "cancel":
            if frame.get("id") == req_id:
                return True
            self.cancelled.add(frame.get("id"))
        else:
            self.pending.append(frame)
        return False

    @staticmethod
    def _kill_all() -> None:
        """Every process in this pid namespace but us: daemons, orphans, forks."""
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return

    @staticmethod
    def _read(fd: int, limit: int) -> bytes:
        """Up to `limit` bytes of a memfd, read at its size: no buffer of the limit's size per test."""
        want = min(os.fstat(fd).st_size, limit)
        os.lseek(fd, 0, os.SEEK_SET)
        chunks, size = [], 0
        while size < want:
            chunk = os.read(fd, min(1 << 20, want - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)

    @staticmethod
    def _tail(fd: int, n: int) -> bytes:
        size = os.fstat(fd).st_size
        os.lseek(fd, max(0, size - n), os.SEEK_SET)
        return os.read(fd, n)


def _pin(cpu) -> None:
    """The CPU the pool gave this worker (see pool.py); every test's processes inherit it."""
    if isinstance(cpu, int):
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass


def main() -> None:
    config = json.loads(sys.argv[1])
    _pin(config.get("cpu"))
    # pid 1 of a namespace gets no signal it has no handler for; give it none to receive.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    wfd = 1
    try:
        if config["mode"] == "bwrap":  # bubblewrap built the root; we hold no capability to change it
            os.chdir(boot.WORKDIR)
            config["nested"] = boot.nested_in_scratch([*config["keep"], os.path.dirname(os.path.abspath(__file__))])
            if _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:  # same uid as candidates: no ptrace, no /proc/1/mem
                raise OSError(ctypes.get_errno(), "PR_SET_DUMPABLE")
        else:
            config["nested"] = boot.build_root(config["keep"], config["uid"] if config["setuid"] else 0,
                                               config["scratch_mb"])
            _no_way_back()
            if config["setuid"]:
                os.setgroups([])
    except (boot.BootError, OSError) as e:
        _frame_write(wfd, {"ok": False, "error": str(e)})
        return
    warm = []
    for name in WARM_MODULES:
        try:
            __import__(name)
            warm.append(name)
        except Exception:
            pass
    harness._install_guard()  # inherited by every child; audit hooks cannot be removed
    server = Server(config)
    harness.prepare_stdio()
    _frame_write(server.wfd, {"ok": True, "warm": warm, "pid": os.getpid()})
    server.serve()


if __name__ == "__main__":
    main()
