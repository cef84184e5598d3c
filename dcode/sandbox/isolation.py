"""Which isolation this machine allows, and the command that enters it.

Chosen at run time: as root, `unshare` creates pid, net, mount, ipc and uts namespaces and
candidates run as an unprivileged uid (so RLIMIT_NPROC binds); as an ordinary user the
same namespaces come with a user namespace. When neither works, the message names the
missing piece instead of running code unprotected.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dcode.errors import BadInput

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
    """How workers are started: as root (setuid to a candidate uid) or in a user namespace."""

    mode: str  # "root" | "userns"
    unshare: str

    def command(self, uid: int, scratch_mb: int) -> tuple[list[str], dict[str, str]]:
        """argv and environment that start one warm worker (server.py) inside the sandbox."""
        import json

        setuid = self.mode == "root"
        config = {"keep": interpreter_paths(), "uid": uid if setuid else 0,
                  "setuid": setuid, "scratch_mb": scratch_mb}
        user = ["--user", "--map-root-user"] if self.mode == "userns" else []
        argv = [self.unshare, *user, *NAMESPACES, "--", sys.executable, "-I", "-B", str(SERVER),
                json.dumps(config)]
        return argv, dict(CHILD_ENV)

    def describe(self) -> str:
        if self.mode == "root":
            return ("unshare as root (pid, net, mount, ipc, uts namespaces); candidates run as "
                    "an unused uid per worker, with no capabilities")
        return ("unshare in a user namespace (user, pid, net, mount, ipc, uts namespaces); candidates "
                "run with no capabilities")


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


@functools.cache
def detect() -> Isolation | str:
    """The isolation to use, or one line saying why there is none."""
    if sys.platform != "linux":
        return f"no sandbox on {sys.platform}: dcode isolates programs with Linux namespaces"
    unshare = shutil.which("unshare")
    if unshare is None:
        return "no sandbox: the `unshare` command (util-linux) is not installed"
    if os.geteuid() == 0:
        reason = _probe([unshare, *NAMESPACES, "--"])
        if reason is None:
            return Isolation("root", unshare)
        return f"no sandbox: unshare as root failed ({reason})"
    reason = _probe([unshare, "--user", "--map-root-user", *NAMESPACES, "--"])
    if reason is None:
        return Isolation("userns", unshare)
    return f"no sandbox: unshare could not create a user namespace ({reason}){_userns_hint()}"


def require() -> Isolation:
    found = detect()
    if isinstance(found, str):
        raise BadInput(found)
    return found


@functools.cache
def isolation_status() -> str:
    """One line: which isolation is in use, or why none is available (builds one sandbox to know)."""
    found = detect()
    if isinstance(found, str):
        return found
    from dcode.sandbox.pool import Worker

    worker = Worker(CANDIDATE_UID, found)
    try:
        worker.start()
    except Exception as e:
        return f"no sandbox: {e}".replace("no sandbox: no sandbox:", "no sandbox:")
    finally:
        worker.close()
    return found.describe()
