"""Real-layout projects: `dcode check`, and the same project from memory, give what `python -m pytest` gives.

Each project under tests/fixtures/projects is copied to a fresh folder (so no pytest
configuration above it counts), then run three ways: plain pytest in the project folder,
`dcode check MODULE --tests TARGET --json`, and `project_test(in_memory(files), ...)`
through the sandbox. For every test, the three must agree on passed or not.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dcode.problem.project import in_memory, load_project
from dcode.problem.testfiles import project_test

FIXTURES = Path(__file__).parent / "fixtures" / "projects"
DCODE = Path(sys.executable).with_name("dcode")
# project -> (the module under test, the --tests target)
CASES = {
    "sibling": ("mymod.py", "tests"),
    "package": ("slugpkg/core.py", "tests"),
    "conftests": ("square.py", "tests"),
    "conftests-one-file": ("square.py", "tests/test_square.py"),
    "datafiles": ("wc.py", "tests"),
    "datafiles-one-file": ("wc.py", "tests/test_wc.py"),
    "collection_error": ("mathy.py", "tests"),
    "srclayout": ("src/calc/ops.py", "tests"),
    "patterns": ("inv.py", "tests"),  # parametrize, classes, raises, tmp_path, capsys, monkeypatch, mock.patch
}
EXPECTED = {  # what plain pytest says, written down so a change in the fixtures shows
    "sibling": {"tests/test_mymod.py::test_join": False, "tests/test_mymod.py::test_shout": True},
    "package": {"tests/test_core.py::test_words": True, "tests/test_core.py::test_spaces": True},
    "conftests": {"tests/test_square.py::test_cases": True, "tests/test_square.py::test_negative": False,
                  "tests/test_square.py::test_missing_fixture": False},
    "datafiles": {"tests/test_wc.py::test_file": True, "tests/test_wc.py::test_empty": True},
    "collection_error": {"tests/test_broken.py": False},
    "patterns": {f"tests/test_inv.py::{n}": True for n in (
        "test_price[1-2]", "test_price[3-6]", "test_rate", "test_take", "test_out", "test_save", "test_mock",
        "TestGroup::test_a")} | {f"tests/test_patches.py::{n}": True for n in (
            "test_rate", "test_after", "test_mock", "test_after_mock")},
    "srclayout": {"tests/test_ops.py::test_add": True, "tests/test_ops.py::test_clamped": True,
                  "tests/test_ops.py::test_sub": False},
}


@pytest.fixture(scope="module")
def sandbox():
    from dcode.sandbox import Sandbox

    with Sandbox(2) as box:
        yield box


def _project(tmp_path: Path, case: str) -> Path:
    target = tmp_path / case
    shutil.copytree(FIXTURES / case.removesuffix("-one-file"), target)
    return target


def plain_pytest(folder: Path, target: str) -> dict[str, bool]:
    """Node id -> passed, from `python -m pytest -rA` run in the project folder."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-q", "-p", "no:cacheprovider", target],
                         cwd=folder, capture_output=True, text=True, timeout=120)
    outcomes = {}
    for line in run.stdout.splitlines():
        m = re.match(r"(PASSED|FAILED|ERROR) (\S+)", line)
        if m:
            outcomes[m[2]] = m[1] == "PASSED"
    return outcomes


def dcode_check(folder: Path, module: str, target: str) -> tuple[int, dict]:
    run = subprocess.run([str(DCODE), "check", module, "--tests", target, "--json"], cwd=folder,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)


@pytest.mark.parametrize("case", sorted(CASES))
def test_dcode_check_agrees_with_plain_pytest(tmp_path, case):
    folder = _project(tmp_path, case)
    module, target = CASES[case]
    expected = plain_pytest(folder, target)
    assert expected == {k: v for k, v in EXPECTED[case.removesuffix("-one-file")].items()}
    code, report = dcode_check(folder, module, target)
    got = {t["name"]: t["verdict"] == "passed" for t in report["tests"]}
    assert got == expected, report
    assert code == (0 if all(expected.values()) else 1)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_project_from_memory_agrees_with_plain_pytest(tmp_path, case, sandbox):
    folder = _project(tmp_path, case)
    module, target = CASES[case]
    files = dict(load_project(folder).files)
    code = files[module]
    test = project_test(in_memory(files), [target], module)
    got = {r.test.name: r.passed for r in sandbox.check(code, [test]).results}
    assert got == plain_pytest(folder, target)


def test_a_collection_error_shows_pytests_own_message(tmp_path):
    folder = _project(tmp_path, "collection_error")
    _, report = dcode_check(folder, "mathy.py", "tests")
    [broken] = report["tests"]
    assert broken["verdict"] == "runtime_error"
    assert "collection error in tests/test_broken.py" in broken["message"]
    assert "cannot import name 'triple' from 'mathy'" in broken["message"] + broken.get("actual", "")


def test_a_failing_assertion_shows_pytests_comparison(tmp_path):
    folder = tmp_path / "roman"
    (folder / "tests").mkdir(parents=True)
    (folder / "roman.py").write_text("def roman(n):\n    return 'I' * min(n, 2)\n")
    (folder / "tests" / "test_roman.py").write_text("from roman import roman\n\n\ndef test_three():\n"
                                                    "    assert roman(3) == 'III'\n")
    run = subprocess.run([str(DCODE), "check", "roman.py", "--tests", "tests"], cwd=folder, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert "assert 'II' == 'III'" in run.stdout, run.stdout


def test_the_candidate_replaces_the_module_not_the_file_on_disk(tmp_path, sandbox):
    """The fixed version of `mymod.py` is what the tests import, with its sibling `helpers` beside it."""
    folder = _project(tmp_path, "sibling")
    files = dict(load_project(folder).files)
    fixed = files["mymod.py"].replace("SEP.join(words)", "'+'.join(words)")
    result = sandbox.check(fixed, [project_test(in_memory(files), ["tests"], "mymod.py")])
    assert result.passed, [r.message for r in result.results]
    assert "SEP.join" in (folder / "mymod.py").read_text()  # the user's file is untouched


def test_hidden_test_files_stay_out_of_visible_runs(tmp_path, sandbox):
    folder = tmp_path / "hid"
    (folder / "tests" / "hidden").mkdir(parents=True)
    (folder / "m.py").write_text("def f():\n    return 1\n")
    (folder / "tests" / "test_visible.py").write_text(
        "import os\n\n\ndef test_cannot_see_hidden():\n    assert not os.path.exists('tests/hidden/test_secret.py')\n")
    (folder / "tests" / "hidden" / "test_secret.py").write_text("from m import f\n\n\ndef test_f():\n    assert f() == 1\n")
    files = dict(load_project(folder).files)
    project = in_memory(files)
    visible = project_test(project, ["tests/test_visible.py"], "m.py")
    from dataclasses import replace

    visible = replace(visible, hide=("tests/hidden",))
    assert sandbox.check(files["m.py"], [visible]).passed


def test_pytest_times_are_the_tests_own(tmp_path):
    """Setup, call and teardown of each test, not 0.000 for every one."""
    (tmp_path / "m.py").write_text("import time\n\n\ndef nap():\n    time.sleep(0.05)\n    return 1\n")
    (tmp_path / "test_m.py").write_text("from m import nap\n\n\ndef test_nap():\n    assert nap() == 1\n")
    _, report = dcode_check(tmp_path, "m.py", "test_m.py")
    [t] = report["tests"]
    assert t["verdict"] == "passed" and 0.05 <= t["time_s"] < 5, t
    plain = subprocess.run([str(DCODE), "check", "m.py", "--tests", "test_m.py"], cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert "0.000s" not in plain.stdout and "ms\t" in plain.stdout, plain.stdout


def test_a_folder_without_tests_is_bad_input(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("def f():\n    return 1\n")
    (tmp_path / "m.py").write_text("def f():\n    return 1\n")
    done = subprocess.run([str(DCODE), "check", "m.py", "--tests", "lib"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "holds no test files" in done.stderr


def test_a_project_too_large_to_copy_travels_as_its_code_and_the_tests_folder(tmp_path, monkeypatch):
    """Big data elsewhere in the project is left behind; the tests' own data files still come."""
    from dcode.problem import project as project_module

    folder = _project(tmp_path, "datafiles")
    (folder / "big").mkdir()
    for i in range(3):
        (folder / "big" / f"blob{i}.csv").write_text("x" * 4000)
    monkeypatch.setattr(project_module, "MAX_PROJECT_BYTES", 6000)
    loaded = project_module.load_project(folder, focus=("tests",))
    assert "wc.py" in loaded.files and "tests/data/in.txt" in loaded.files
    assert not any(name.startswith("big/") for name in loaded.files)
