"""Tests a person types in the TUI, and problems edited before they are saved, checked in the real sandbox."""
from __future__ import annotations

from pathlib import Path

import pytest

from dcode.errors import BadInput
from dcode.problem import AssertTest, CallTest, IOTest, parse_problem, typed_test
from dcode.sandbox import check

STUB = 'def add(a, b):\n    """Return a + b.\n\n    >>> add(1, 2)\n    3\n    """\n'


def test_a_call_with_literals_is_compared_in_the_parent_and_anything_else_is_an_assert():
    problem = parse_problem(STUB, Path("add.py"))
    call = typed_test(problem, "add(2, [3][0]) == 5")
    assert isinstance(call, AssertTest)  # not a literal argument: an assert
    call = typed_test(problem, "assert add(-1, 1) == 0", name="mine")
    assert call == CallTest("add", (-1, 1), 0, name="mine")
    condition = typed_test(problem, "add(1, 1) > 1")
    assert isinstance(condition, AssertTest)
    code = "def add(a, b):\n    return a + b\n"
    assert check(code, [call, condition]).passed
    assert not check("def add(a, b):\n    return a - b\n", [call]).passed


def test_a_program_test_takes_its_input_and_output_with_escaped_line_breaks():
    problem = parse_problem("# Echo\n\nPrint the sum of two numbers on two lines.\n", Path("sum.md"))
    test = typed_test(problem, "2\\n3", "5")
    assert test == IOTest("2\n3\n", "5\n")
    assert check("print(int(input()) + int(input()))\n", [test]).passed


@pytest.mark.parametrize("text, output, message", [
    ("", None, "the test is empty"),
    ("add(1, 2) ==", None, "does not parse"),
    ("add(1,\x00 2) == 3", None, "does not parse"),
])
def test_bad_tests_are_bad_input(text, output, message):
    with pytest.raises(BadInput, match=message):
        typed_test(parse_problem(STUB, Path("add.py")), text, output)


def test_a_program_test_without_output_is_bad_input():
    with pytest.raises(BadInput, match="expected output"):
        typed_test(parse_problem("Print 1.\n", Path("one.md")), "x")


def test_an_edited_problem_parses_like_its_file_and_errors_name_it(tmp_path):
    problem = parse_problem(STUB, tmp_path / "add.py")
    assert problem.function_name == "add" and len(problem.visible_tests) == 1 and problem.source == tmp_path / "add.py"
    with pytest.raises(BadInput, match="add.py"):
        parse_problem("def add(a, b):\n    return", tmp_path / "add.py")
    with pytest.raises(BadInput, match="empty"):
        parse_problem("  \n", tmp_path / "p.md")
    assert not (tmp_path / "add.py").exists()  # nothing is written
