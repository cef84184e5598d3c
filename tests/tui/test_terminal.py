"""The real app in a real terminal: tmux at 80x24, the real gemma-3-270m GGUF, keys sent as a person types."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def _wait_for(session: str, found, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        screen = _screen(session)
        if found(screen):
            return screen
        time.sleep(0.5)
    raise AssertionError(f"not on the screen in {timeout_s} s:\n{_screen(session)}")


def test_a_solve_run_in_tmux_shows_its_verdict(gemma_home, tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (apt-get install tmux)")
    session = f"dcode-tui-{uuid.uuid4().hex[:8]}"
    dcode = Path(sys.executable).parent / "dcode"
    command = f"{dcode} tui {ROOT / 'examples' / 'solve-largest.py'} --model gemma-3-270m --samples 8 --seed 2"
    env = {**os.environ, "DCODE_HOME": str(gemma_home), "TERM": "xterm-256color"}
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], env=env, check=True)
    try:
        _wait_for(session, lambda s: "r to run" in s, 60)
        subprocess.run(["tmux", "send-keys", "-t", session, "r"], check=True)
        screen = _wait_for(session, lambda s: re.search(r"· \w+ after \d+ samples", s) is not None, 300)
        assert re.search(r"#1 . (\d/\d \w+|same as \d)", screen), screen  # the first candidate with its badge
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 20
        while subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "q did not quit the app"
            time.sleep(0.3)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
