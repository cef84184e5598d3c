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


def _keys(session: str, *keys: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, *keys], check=True)


def _quits(session: str) -> None:
    _keys(session, "q")
    deadline = time.monotonic() + 20
    while subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "q did not quit the app"
        time.sleep(0.3)


def _start(command: str, env: dict[str, str], cwd: Path | None = None) -> str:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (apt-get install tmux)")
    session = f"dcode-tui-{uuid.uuid4().hex[:8]}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
                    *(["-c", str(cwd)] if cwd else []), command], env={**env, "TERM": "xterm-256color"}, check=True)
    return session


DCODE = Path(sys.executable).parent / "dcode"


def test_a_solve_run_in_tmux_shows_its_verdict(gemma_home, tmp_path):
    command = f"{DCODE} solve {ROOT / 'examples' / 'solve-largest.py'} --tui --model gemma-3-270m --samples 8 --seed 2"
    session = _start(command, {**os.environ, "DCODE_HOME": str(gemma_home)})
    try:
        _wait_for(session, lambda s: "r to run" in s, 60)
        _keys(session, "r")
        screen = _wait_for(session, lambda s: re.search(r"· \w+ after \d+ samples", s) is not None, 300)
        assert re.search(r"#1 . (\d/\d \w+|same as \d)", screen), screen  # the first candidate with its badge
        assert "gemma-3-270m · llama_cpp · " in screen, screen
        _keys(session, "4")  # the tests table of the first candidate
        _wait_for(session, lambda s: "expected" in s and re.search(r"│ [✓✗] (passed|wrong_answer|\w+_error) ", s), 20)
        _quits(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_without_a_problem_the_picker_opens_and_the_keyboard_alone_chooses_one(tmp_path):
    (tmp_path / "add.py").write_text('def add(a, b):\n    """>>> add(1, 2)\n    3\n    """\n')
    session = _start(f"{DCODE} tui --model tinycoder", dict(os.environ), cwd=tmp_path)
    try:
        _wait_for(session, lambda s: "add.py" in s and "Open a problem" in s, 60)
        _keys(session, "Down", "Enter")
        _wait_for(session, lambda s: "r to run" in s and ">>> add(1, 2)" in s, 20)
        _quits(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
