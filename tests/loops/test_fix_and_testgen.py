"""`dcode fix` and `dcode test`: scripted models for control flow, the real sandbox, the real CLI with tiny.gguf."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from dcode.cli import loops as commands
from dcode.loops.fix import fix_module
from dcode.loops.testgen import generate_tests, split_tests, target_for
from dcode.problem import bind_module, load_tests

from loops_fakes import ScriptedEngine

ROOT = Path(__file__).resolve().parents[2]
BROKEN = 'def clamp(x, lo, hi):\n    """Limit x to [lo, hi]."""\n    return max(lo, x)\n'
FIXED = 'def clamp(x, lo, hi):\n    """Limit x to [lo, hi]."""\n    return min(hi, max(lo, x))\n'
TESTS = ("from mathy import clamp\n\n\ndef test_low():\n    assert clamp(-1, 0, 3) == 0\n\n\n"
         "def test_high():\n    assert clamp(9, 0, 3) == 3\n")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "mathy.py").write_text(BROKEN)
    (tmp_path / "tests" / "test_mathy.py").write_text(TESTS)
    return tmp_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bound_tests(project: Path):
    return bind_module(load_tests(project / "tests" / "test_mathy.py"), project / "mathy.py")


def test_fix_feeds_back_the_failing_test_and_keeps_the_version_that_passes(project):
    engine = ScriptedEngine([f"```python\n{BROKEN}```", f"Fixed:\n```python\n{FIXED}```"], chat_template=True)
    before = digest(project / "tests" / "test_mathy.py")
    result = fix_module(project / "mathy.py", bound_tests(project), engine, rounds=3, samples_per_round=1)
    assert result.before.n_passed == 1 and result.passed and result.rounds == 2
    question = engine.calls[0]["prompt"][0].content
    assert "test_high" in question and "assert 9 == 3" in question  # the failing test and pytest's own words
    assert "return max(lo, x)" in question and "def test_low" in question  # the module and the tests it must pass
    assert "-    return max(lo, x)" in result.diff() and "+    return min(hi, max(lo, x))" in result.diff()
    assert (project / "mathy.py").read_text() == BROKEN  # the library never writes
    assert digest(project / "tests" / "test_mathy.py") == before


def test_fix_stops_after_its_rounds_and_keeps_the_original_when_nothing_helps(project):
    engine = ScriptedEngine(["def clamp(x, lo, hi):\n    return lo\n"])  # a base model's whole-file rewrite
    result = fix_module(project / "mathy.py", bound_tests(project), engine, rounds=2, samples_per_round=2)
    assert not result.passed and not result.changed and result.rounds == 2
    assert engine.calls[0]["kind"] == "complete" and "# The tests fail:" in engine.calls[0]["prompt"]


def test_fix_command_writes_only_with_write_and_keeps_a_backup(project, monkeypatch, capsys):
    monkeypatch.setattr("dcode.engines.load_engine",
                        lambda settings: ScriptedEngine([f"```python\n{FIXED}```"], chat_template=True))
    quiet = Console(file=open("/dev/null", "w"))
    code = commands.fix_command(project / "mathy.py", project / "tests" / "test_mathy.py", write=False, rounds=2,
                                samples=1, seed=None, model=None, engine=None, server_url=None, out=quiet, err=quiet)
    assert code == 0 and (project / "mathy.py").read_text() == BROKEN
    assert "+    return min(hi, max(lo, x))" in capsys.readouterr().out
    code = commands.fix_command(project / "mathy.py", project / "tests" / "test_mathy.py", write=True, rounds=2,
                                samples=1, seed=None, model=None, engine=None, server_url=None, out=quiet, err=quiet)
    assert code == 0 and (project / "mathy.py").read_text() == FIXED
    assert (project / "mathy.py.bak").read_text() == BROKEN
    assert (project / "tests" / "test_mathy.py").read_text() == TESTS


GENERATED = ("low():\n    assert clamp(-1, 0, 3) == 0\n\n\ndef test_inside():\n    assert clamp(2, 0, 3) == 2\n\n\n"
             "def test_wrong():\n    assert clamp(1, 0, 3) == 2\n\n\ndef test_cut_off():\n    assert clamp(1,")


def test_generated_tests_are_kept_only_when_they_pass_and_coverage_is_measured(project):
    (project / "mathy.py").write_text(FIXED + "\n\ndef unused(x):\n    y = x * 2\n    return y\n")
    result = generate_tests(project / "mathy.py", ScriptedEngine([GENERATED]), samples=1)
    assert [t.name for t in result.kept] == ["test_low", "test_inside"]
    assert [(t.name, t.verdict) for t in result.dropped] == [("test_wrong", "wrong_answer")]
    assert result.coverage is not None and 0 < result.coverage < 1
    assert result.missing_lines == [7, 8]  # the body of unused()
    assert "def test_wrong" not in result.source and result.source.startswith("import pytest")
    assert result.target == project / "tests" / "test_mathy_dcode.py"  # test_mathy.py exists: never overwritten


def test_split_tests_cuts_a_proposal_back_to_what_parses():
    tests = split_tests("import math\n\n\ndef test_a():\n    assert math.pi > 3\n\n\ndef test_b():\n    assert (")
    assert [t.name for t in tests] == ["test_a"] and tests[0].header == ("import math",)


def test_target_is_beside_the_module_without_a_tests_folder(tmp_path):
    (tmp_path / "m.py").write_text("x = 1\n")
    assert target_for(tmp_path / "m.py") == tmp_path / "test_m.py"


def dcode(*args: str) -> subprocess.CompletedProcess:
    """The real CLI; the noise model's answers are capped at 48 tokens, which is all plumbing needs."""
    env = {**os.environ, "DCODE_MAX_TOKENS": "48"}
    return subprocess.run([sys.executable, "-m", "dcode.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def test_fix_cli_with_a_real_model_leaves_files_alone_without_write(project, tiny_gguf):
    before = {p: digest(p) for p in project.rglob("*.py")}
    done = dcode("fix", str(project / "mathy.py"), "--tests", str(project / "tests" / "test_mathy.py"),
                 "--model", str(tiny_gguf), "--rounds", "1", "--samples", "1", "--seed", "3")
    assert done.returncode == 1, done.stderr
    assert "1/2 passed before" in done.stderr
    assert {p: digest(p) for p in project.rglob("*.py")} == before


def test_test_cli_with_a_real_model_writes_nothing_without_write(project, tiny_gguf):
    (project / "mathy.py").write_text(FIXED)
    done = dcode("test", str(project / "mathy.py"), "--model", str(tiny_gguf), "--samples", "1", "--seed", "3")
    assert done.returncode in (0, 1), done.stderr
    assert "proposed tests" in done.stderr
    assert sorted(p.name for p in project.rglob("*.py")) == ["mathy.py", "test_mathy.py"]


@pytest.mark.parametrize("args, message", [
    (["fix", "missing.py", "--tests", "examples/tests/test_two_sum.py"], "no such file"),
    (["fix", "examples/two_sum.py", "--tests", "missing_tests.py"], "no such file"),
    (["fix", "examples/tests/test_two_sum.py", "--tests", "examples/tests"], "never tests"),
    (["fix", "examples/two-sum.md", "--tests", "examples/tests"], "expected a Python file"),
    (["fix", "examples/two_sum.py", "--tests", "examples/tests", "--rounds", "0"], "--rounds"),
    (["test", "missing.py"], "no such file"),
    (["test", "examples/two-sum.md"], "expected a Python file"),
])
def test_fix_and_test_bad_input_is_one_line_and_exit_2(args, message):
    done = dcode(*args)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
