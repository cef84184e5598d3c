"""Where no isolation works, dcode says which piece is missing instead of running code unprotected."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from dcode.errors import BadInput
from dcode.problem.types import IOTest
from dcode.sandbox import check, isolation_status
print(isolation_status())
try:
    check("print(1)", [IOTest("", "1")])
except BadInput as e:
    print("BadInput:", e)
"""


def test_missing_unshare_is_named():
    env = {"PATH": "/nonexistent", "DCODE_CONFIG": "/nonexistent/config.toml", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    lines = done.stdout.splitlines()
    reason = "no sandbox: the `unshare` command (util-linux) is not installed; bubblewrap (`bwrap`) is not installed"
    assert lines == [reason, f"BadInput: {reason}"], done.stderr


def test_unknown_backend_is_bad_input():
    env = {"PATH": "/usr/bin:/bin", "DCODE_SANDBOX": "docker", "DCODE_CONFIG": "/nonexistent/config.toml",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert "DCODE_SANDBOX='docker': choose unshare or bwrap" in done.stdout + done.stderr


def _dcode(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DCODE_CONFIG": "/nonexistent/config.toml", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", "from dcode.cli import main; main()", *args],
                          env=base | env, capture_output=True, text=True, timeout=60)


def test_dcode_sandbox_command():
    done = _dcode("sandbox")
    assert done.returncode == 0 and ("unshare" in done.stdout or "bubblewrap" in done.stdout)
    done = _dcode("sandbox", PATH="/nonexistent")
    assert done.returncode == 1 and done.stdout.startswith("no sandbox: the `unshare` command")
    done = _dcode("sandbox", DCODE_SANDBOX="docker")
    assert done.returncode == 2 and done.stderr.strip() == (
        "dcode: error: DCODE_SANDBOX='docker': choose unshare or bwrap (or leave it unset)")
