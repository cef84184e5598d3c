"""`dcode check` end to end: the real CLI in a subprocess, the real sandbox, real candidates."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dcode.eval.check import check_file
from dcode.eval.check import check_json

ROOT = Path(__file__).resolve().parents[1]
DCODE = ROOT / ".venv" / "bin" / "dcode"
EXAMPLES = ROOT / "examples"

STDIN = {
    "passed": "a, b = map(int, input().split())\nprint(a + b)\n",
    "wrong_answer": "print(0)\n",
    "runtime_error": "a, b = map(int, input().split())\nprint(a / 0)\n",
    "timeout": "while True:\n    pass\n",
}
CALL = {
    "passed": "def add(a, b):\n    return a + b\n",
    "wrong_answer": "def add(a, b):\n    return a - b\n",
    "runtime_error": "def add(a, b):\n    return a / 0\n",
    "timeout": "def add(a, b):\n    while True:\n        pass\n",
}
TESTS = {
    "md-stdin": ("t.md", STDIN, "# Add\n\nInput\n```\n1 2\n```\nOutput\n```\n3\n```\n"),
    "md-leetcode": ("t.md", CALL, "Input: a = 1, b = 2\nOutput: 3\n\n```python\ndef add(a, b):\n```\n"),
    "md-assert": ("t.md", CALL, "```python\nassert add(1, 2) == 3\n```\n"),
    "json-io": ("t.json", STDIN, json.dumps({"io": [{"input": "1 2\n", "output": "3\n"}]})),
    "json-calls": ("t.json", CALL, json.dumps({"calls": [{"fn": "add", "args": [1, 2], "expected": 3}]})),
    "pytest": ("test_add.py", CALL, "from solution import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"),
}


def dcode(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(DCODE), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


CASES = [(kind, outcome) for kind in TESTS for outcome in ("passed", "wrong_answer", "runtime_error", "timeout")]


def _files(tmp_path: Path, kind: str, outcome: str) -> tuple[Path, Path]:
    name, candidates, content = TESTS[kind]
    tests = tmp_path / "tests" / name
    tests.parent.mkdir()
    tests.write_text(content)
    candidate = tmp_path / "solution.py"
    candidate.write_text(candidates[outcome])
    return candidate, tests


@pytest.mark.parametrize(("kind", "outcome"), CASES)
def test_check_verdicts(tmp_path, kind, outcome):
    """The library behind the command, in-process (one warm pool for the whole matrix)."""
    candidate, tests = _files(tmp_path, kind, outcome)
    report = check_json(check_file(candidate, tests, timeout_s=1))
    assert report["passed"] is (outcome == "passed")
    # pytest reports that a test failed, not why: an exception in the code under test reads as a failure
    expected = {"wrong_answer", "runtime_error"} if kind == "pytest" and outcome == "runtime_error" else {outcome}
    assert report["verdict"] in expected, report
    assert [t["verdict"] for t in report["tests"]] == [report["verdict"]]


@pytest.mark.parametrize(("kind", "outcome"), [("md-stdin", "wrong_answer"), ("pytest", "passed"),
                                              ("json-calls", "timeout")])
def test_check_cli_exit_codes(tmp_path, kind, outcome):
    candidate, tests = _files(tmp_path, kind, outcome)
    done = dcode("check", candidate, "--tests", tests, "--json", "--timeout", "1")
    assert done.returncode == (0 if outcome == "passed" else 1), done.stderr
    assert json.loads(done.stdout)["verdict"] == outcome


def test_json_contract():
    done = dcode("check", EXAMPLES / "two_sum.py", "--tests", EXAMPLES / "two-sum.md", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= {"passed", "verdict", "tests", "n_passed", "n_tests", "time_s"}
    assert report["passed"] is True and report["verdict"] == "passed"
    assert report["n_tests"] == len(report["tests"]) == 5  # visible and hidden tests both run
    assert [t["hidden"] for t in report["tests"]] == [False, False, False, True, True]
    for t in report["tests"]:
        assert isinstance(t["name"], str) and t["kind"] == "call"
        assert t["verdict"] == "passed" and isinstance(t["time_s"], float)


def test_json_carries_expected_and_actual_on_failure(tmp_path):
    (tmp_path / "c.py").write_text("print(4)\n")
    (tmp_path / "t.json").write_text(json.dumps({"io": [{"input": "", "output": "3\n"}]}))
    report = json.loads(dcode("check", tmp_path / "c.py", "--tests", tmp_path / "t.json", "--json").stdout)
    (test,) = report["tests"]
    assert test["verdict"] == "wrong_answer"
    assert test["expected"].strip() == "3" and test["actual"].strip() == "4"


@pytest.mark.parametrize(
    ("candidate", "tests"),
    [
        ("two_sum.py", "two-sum.md"),
        ("two_sum.py", "two-sum.json"),
        ("two_sum.py", "tests/test_two_sum.py"),  # imports `two_sum`, the candidate's own name
        ("sum_of_pairs.py", "sum-of-pairs.md"),
    ],
)
def test_examples_pass_with_plain_output_when_piped(candidate, tests):
    done = dcode("check", EXAMPLES / candidate, "--tests", EXAMPLES / tests)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert all(line.startswith("passed\t") for line in lines[:-1])
    assert "passed" in lines[-1] and "\x1b[" not in done.stdout  # no colour codes in a pipe


def test_problem_limits_apply(tmp_path):
    (tmp_path / "p.md").write_text("time limit per test: 1 second\n\nInput\n```\n\n```\nOutput\n```\nx\n```\n")
    (tmp_path / "c.py").write_text("import time\ntime.sleep(30)\n")
    report = json.loads(dcode("check", tmp_path / "c.py", "--tests", tmp_path / "p.md", "--json").stdout)
    assert report["verdict"] == "timeout"


@pytest.mark.parametrize(
    ("files", "args", "words"),
    [
        ({"c.py": "x = 1\n"}, ["c.py", "--tests", "missing.md"], "missing.md: no such file"),
        ({"t.json": "{}"}, ["nope.py", "--tests", "t.json"], "nope.py: no such file"),
        ({"c.py": "", "t.md": "# T\n\nInput\n```\n1\n```\n"}, ["c.py", "--tests", "t.md"],
         "t.md:3: Input block has no Output block after it"),
        ({"c.py": "", "t.json": '{"io": [\n  {"input": "1",}\n]}'}, ["c.py", "--tests", "t.json"],
         "t.json:2: invalid JSON"),
        ({"c.py": "", "t.md": "Input: n = [1,\nOutput: 2\n\n```python\ndef f(n):\n```\n"},
         ["c.py", "--tests", "t.md"], "t.md:1: cannot read LeetCode input"),
        ({"c.py": "", "t.md": "# nothing to run\n"}, ["c.py", "--tests", "t.md"], "holds no tests"),
        ({"c.py": "", "t.toml": "x = 1\n"}, ["c.py", "--tests", "t.toml"], "unknown test format"),
        ({"c.py": "", "t.json": '{"io": []}'}, ["c.py", "--tests", "t.json", "--timeout", "0"],
         "--timeout must be positive"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, files, args, words):
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    done = dcode("check", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_doctest_session_judged_like_doctest(tmp_path):
    (tmp_path / "p.md").write_text("```pycon\n>>> greet('Ann')\nHello, Ann!\n>>> c = Counter()\n"
                                   ">>> c.add(2); c.total\n2\n```\n")
    good = "def greet(n):\n    print(f'Hello, {n}!')\n\nclass Counter:\n    total = 0\n" \
           "    def add(self, k):\n        self.total += k\n"
    (tmp_path / "good.py").write_text(good)
    (tmp_path / "bad.py").write_text(good.replace("Hello", "Hi"))
    assert check_file(tmp_path / "good.py", tmp_path / "p.md").passed
    result = check_file(tmp_path / "bad.py", tmp_path / "p.md")
    assert result.verdict == "wrong_answer" and "Hi, Ann!" in result.results[0].message + result.results[0].stderr


@pytest.mark.parametrize("open_files", [1024, 200])
def test_check_works_under_a_low_limit_of_open_files(tmp_path, open_files):
    """1024 is the default soft limit on most desktops: the sandbox's fds must all fit below it;
    below a test's own open-files limit (256), the user's hard limit wins."""
    (tmp_path / "c.py").write_text(STDIN["passed"])
    (tmp_path / "t.md").write_text(TESTS["md-stdin"][2])
    done = subprocess.run(["bash", "-c", f'ulimit -n {open_files} && exec "{DCODE}" check c.py --tests t.md --json'],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["verdict"] == "passed"
