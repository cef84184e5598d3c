"""Which isolation this machine allows, and the command that enters it.

Chosen at run time, in this order: as root, `unshare` creates pid, net, mount, ipc and uts
namespaces and candidates run as an unused uid (so RLIMIT_NPROC binds); as an ordinary
user the same namespaces come inside a user namespace; where that is refused (some
distributions only let bubblewrap create user namespaces), `bwrap` builds the same file
system and the worker runs without any capability. DCODE_SANDBOX=unshare or =bwrap pins
one. When none works, the message names the missing piece instead of running code
unprotected.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from dcode.errors import BadInput
from dcode.sandbox.boot import nested_in_scratch

NAMESPACES = ("--pid", "--fork", "--net", "--mount", "--ipc", "--uts", "--kill-child")
# As root, each worker's candidates run as their own uid from this range, which no one else
# uses: RLIMIT_NPROC counts per uid, so a fork bomb in one worker (or in another dcode
# process on the same machine) cannot use up the process count of another.
CANDIDATE_UID = 2_000_000_000
CANDIDATE_UIDS = 2**30
SERVER = Path(__file__).with_name("server.py")
CHILD_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/sandbox",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class Isolation:
    """How workers are started: `root` and `userns` (unshare; the worker builds the root and
    keeps the capabilities to reset it), or `bwrap` (bubblewrap builds it; no capabilities)."""

    mode: str  # "root" | "userns" | "bwrap"
    tool: str

    def command(self, uid: int, scratch_mb: int, cpu: int | None = None) -> tuple[list[str], dict[str, str]]:
        """argv and environment that start one warm worker (server.py) inside the sandbox."""
        setuid = self.mode == "root"
        config = {"keep": interpreter_paths(), "uid": uid if setuid else 0, "setuid": setuid, "cpu": cpu,
                  "scratch_mb": scratch_mb, "mode": self.mode}
        server = [sys.executable, "-I", "-B", str(SERVER), json.dumps(config)]
        if self.mode == "bwrap":
            return [self.tool, *_bwrap_args(scratch_mb), "--", *server], {}
        user = ["--user", "--map-root-user"] if self.mode == "userns" else []
        return [self.tool, *user, *NAMESPACES, "--", *server], dict(CHILD_ENV)

    def describe(self) -> str:
        if self.mode == "root":
            return ("unshare as root (pid, net, mount, ipc, uts namespaces); candidates run as "
                    "an unused uid per worker, with no capabilities")
        if self.mode == "userns":
            return ("unshare in a user namespace (user, pid, net, mount, ipc, uts namespaces); candidates "
                    "run with no capabilities")
        return ("bubblewrap (user, pid, net, mount, ipc, uts namespaces); worker and candidates run with "
                "no capabilities")


SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


def _bwrap_args(scratch_mb: int) -> list[str]:
    """The file system of boot.py, built by bubblewrap: system and interpreter read-only, tmpfs scratch."""
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1", "--clearenv"]
    if os.geteuid() == 0:  # root is exempt from RLIMIT_NPROC: become nobody in a user namespace
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"]
    for key, value in CHILD_ENV.items():
        args += ["--setenv", key, value]
    bound: list[str] = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
            bound.append(d)
    binds: list[str] = []
    for p in [*interpreter_paths(), str(SERVER.parent)]:  # the server's own code, nothing else of ours
        if not any(p == b or p.startswith(b + "/") for b in [*bound, *binds]):
            binds.append(p)
    # A path under a scratch dir (a clone under /tmp) is bound after the tmpfs, or it would be hidden.
    nested = nested_in_scratch(binds)
    for p in binds:
        if p not in nested:
            args += ["--ro-bind", p, p]
    mb = 2**20
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(64 * mb), "--tmpfs", "/dev/shm",
             "--perms", "1777", "--size", str(scratch_mb * mb), "--tmpfs", "/tmp",
             "--perms", "0700", "--size", str(scratch_mb * mb), "--tmpfs", "/sandbox"]
    for p in nested:
        args += ["--ro-bind", p, p]
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/sandbox"]
    return args


def interpreter_paths() -> list[str]:
    """Directories the candidate's interpreter needs, bound back read-only inside the sandbox.

    The interpreter may live in a home directory (pyenv), which is otherwise hidden, and
    candidates use this environment's packages (numpy, pytest), so both prefixes come back.
    """
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(os.path.realpath(sys.executable)).parent.parent)}
    return sorted(os.path.realpath(p) for p in paths if p and os.path.isdir(p))


def _probe(argv: list[str]) -> str | None:
    """Run `true` under these namespaces; None if it worked, else the reason."""
    try:
        proc = subprocess.run([*argv, "true"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if proc.returncode == 0:
        return None
    return (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]


def _userns_hint() -> str:
    for path, bad in (("/proc/sys/kernel/unprivileged_userns_clone", "0"),
                      ("/proc/sys/user/max_user_namespaces", "0"),
                      ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1")):
        try:
            if Path(path).read_text().strip() == bad:
                name = path.removeprefix("/proc/sys/").replace("/", ".")
                return f"; the kernel forbids it ({name} = {bad})"
        except OSError:
            continue
    return ""


def _wanted() -> str:
    wanted = os.environ.get("DCODE_SANDBOX", "").strip().lower() or "auto"
    if wanted not in {"auto", "unshare", "bwrap"}:
        raise BadInput(f"DCODE_SANDBOX={wanted!r}: choose unshare or bwrap (or leave it unset)")
    return wanted


def _candidates() -> tuple[list[Isolation], list[str]]:
    """Every isolation that passes a quick probe, best first, and why the others did not."""
    if sys.platform != "linux":
        return [], [f"dcode isolates programs with Linux namespaces, and this is {sys.platform}"]
    wanted = _wanted()
    found: list[Isolation] = []
    reasons: list[str] = []
    if wanted in {"auto", "unshare"}:
        unshare = shutil.which("unshare")
        if unshare is None:
            reasons.append("the `unshare` command (util-linux) is not installed")
        elif os.geteuid() == 0:
            reason = _probe([unshare, *NAMESPACES, "--"])
            if reason is None:
                found.append(Isolation("root", unshare))
            else:
                reasons.append(f"unshare as root failed ({reason})")
        else:
            reason = _probe([unshare, "--user", "--map-root-user", *NAMESPACES, "--"])
            if reason is None:
                found.append(Isolation("userns", unshare))
            else:
                reasons.append(f"unshare could not create a user namespace ({reason}){_userns_hint()}")
    if wanted in {"auto", "bwrap"}:
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            reasons.append("bubblewrap (`bwrap`) is not installed")
        else:
            reason = _probe([bwrap, "--unshare-all", "--ro-bind", "/", "/", "--"])
            if reason is None:
                found.append(Isolation("bwrap", bwrap))
            else:
                reasons.append(f"bwrap failed ({reason}){_userns_hint()}")
    return found, reasons


def available() -> list[Isolation]:
    """Every kind that passes its quick probe here, best first (tests run the suite on each)."""
    return list(_candidates()[0])


_lock = threading.Lock()
_found: tuple[list[Isolation], list[str]] | None = None


def current() -> Isolation:
    """The best isolation not yet found broken; BadInput naming every missing piece when none is left."""
    global _found
    with _lock:
        if _found is None:
            _found = _candidates()
        found, reasons = _found
        if not found:
            raise BadInput("no sandbox: " + "; ".join(reasons))
        return found[0]


def reject(iso: Isolation, reason: str) -> None:
    """A sandbox of this kind could not be built here: fall back to the next kind."""
    with _lock:
        if _found is not None and iso in _found[0]:
            _found[0].remove(iso)
            _found[1].append(f"{iso.mode}: {reason}")


def isolation_status() -> str:
    """One line: which isolation is in use, or why none is available (builds one sandbox to know)."""
    from dcode.sandbox.pool import Worker

    _wanted()  # a broken setting is bad input, not a missing sandbox
    worker = Worker(CANDIDATE_UID)
    try:
        worker.start()
        return worker.isolation.describe()  # type: ignore[union-attr]
    except BadInput as e:
        return str(e)
    finally:
        worker.close()
