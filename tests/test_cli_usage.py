"""Usage errors through the real `dcode` executable: one line on stderr, exit 2, no traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DCODE = Path(sys.executable).parent / "dcode"


@pytest.mark.parametrize("args, words", [
    (["check"], "Missing argument 'candidate'"),
    (["solve", "x.md", "--samples", "abc"], "'abc' is not a valid int"),
    (["nosuchcmd"], "No such command 'nosuchcmd'"),
    (["models", "pull"], "Missing argument 'name'"),
    (["check", "x.py", "--tests", "t.json", "--no-such-flag"], "No such option: --no-such-flag"),
])
def test_usage_errors_are_one_line_and_exit_2(args, words):
    done = subprocess.run([str(DCODE), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("dcode: error: "), done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_version_and_help():
    version = subprocess.run([str(DCODE), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("dcode ")
    for command in ([], ["check"], ["solve"], ["fix"], ["test"], ["eval", "humaneval"], ["models", "pull"],
                    ["config"], ["sandbox"]):
        done = subprocess.run([str(DCODE), *command, "--help"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "Usage" in done.stdout, (command, done.stderr)


@pytest.mark.parametrize("command, shows", [([], "solve"), (["models"], "bench"), (["eval"], "humaneval")])
def test_a_missing_subcommand_prints_the_help_and_no_empty_error(command, shows):
    """`dcode` and `dcode models` alone print the help, as typer's no_args_is_help intends, and nothing else.

    Exit 2, click's code for an incomplete command line, so a script that forgot the subcommand
    still fails; but no `dcode: error:` line follows, since there is no error to tell.
    """
    done = subprocess.run([str(DCODE), *command], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Usage" in done.stdout and shows in done.stdout
    assert "error" not in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_server_that_cannot_be_reached_is_said_to_be_down():
    """Exit 2 and one line, as bad input, but worded as what it is."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([str(Path(sys.executable).with_name("dcode")), "solve", str(root / "examples" / "solve-largest.py"),
                           "--engine", "openai", "--server-url", "http://127.0.0.1:9/v1", "--model", "x",
                           "--samples", "1"], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("dcode: server down: cannot reach the model server")


@pytest.mark.parametrize("args, words", [
    (["tui", "no-such-problem.md"], "no-such-problem.md: no such file"),
    (["tui", "examples/solve-largest.py", "--samples", "0"], "--samples"),
    (["solve", "no-such-problem.md", "--tui"], "no-such-problem.md: no such file"),
    (["solve", "examples/solve-largest.py", "--tui", "--style", "poetry"], "--style"),
])
def test_the_terminal_ui_refuses_bad_input_before_its_screen_opens(args, words):
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([str(DCODE), *args], capture_output=True, text=True, timeout=60, cwd=root)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in done.stderr, done.stderr
