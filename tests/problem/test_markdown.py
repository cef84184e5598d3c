"""Each Markdown format, parsed for real from text, and each malformed case named by its line."""
from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from dcode.errors import BadInput
from dcode.problem import AssertTest, CallTest, IOTest, PytestTest, load_problem, parse_markdown

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def md(text: str, base: Path | None = None):
    return parse_markdown(dedent(text), origin="p.md", base_dir=base)


def test_codeforces_pairs_and_limits():
    p = load_problem(EXAMPLES / "sum-of-pairs.md")
    assert p.style == "stdin" and p.function_name is None
    assert p.title == "A. Sum of Pairs"
    assert (p.time_limit_s, p.memory_limit_mb) == (2.0, 256)
    assert [t.input for t in p.visible_tests] == ["2\n1 2\n3 4\n", "1\n-5 5\n"]
    assert [t.output for t in p.visible_tests] == ["3\n7\n", "0\n"]
    assert all(isinstance(t, IOTest) for t in p.tests)
    assert len(p.hidden_tests) == 1 and "Hidden" not in p.statement
    assert "2000000000" not in p.statement  # a model never sees hidden tests


def test_atcoder_headings_and_indented_blocks():
    p = md("""
        # B - Double
        Time Limit: 500 ms / Memory Limit: 1 GB

        ### Sample Input 1
        ```
        3
        ```
        ### Sample Output 1
        ```
        6
        ```
        Sample Input 2

            5

        Sample Output 2

            10
        """)
    assert [(t.input, t.output) for t in p.tests] == [("3\n", "6\n"), ("5\n", "10\n")]
    assert (p.time_limit_s, p.memory_limit_mb) == (0.5, 1024)


def test_input_section_prose_is_not_an_example():
    p = md("""
        ## Input
        The first line holds n.

        ## Output
        Print n squared.
        """)
    assert p.tests == [] and not p.has_tests and p.style == "stdin"


def test_leetcode_examples_follow_signature_order():
    p = load_problem(EXAMPLES / "two-sum.md")
    assert p.style == "function" and p.function_name == "twoSum"
    assert "class Solution" in p.starter_code
    first = p.tests[0]
    assert isinstance(first, CallTest)
    assert (first.fn, first.args, first.expected) == ("twoSum", ([2, 7, 11, 15], 9), [0, 1])
    assert len(p.visible_tests) == 3 and len(p.hidden_tests) == 2


def test_leetcode_one_line_json_values_and_reordered_names():
    p = md("""
        Example 1: Input: x = null, s = "a,b", flag = true Output: false

        Example 2: Input: s = 'c', flag = false, x = [1, {"k": 2}] Output: true Explanation: why not.

        ```python
        def f(s: str, flag: bool, x) -> bool: ...
        ```
        """)
    assert [t.args for t in p.tests] == [("a,b", True, None), ("c", False, [1, {"k": 2}])]
    assert [t.expected for t in p.tests] == [False, True]
    assert [t.fn for t in p.tests] == ["f", "f"]


def test_leetcode_picks_the_signature_whose_params_match():
    p = md("""
        Input: s = "ab"
        Output: 2

        ```python
        def helper(x): ...
        def count(s: str) -> int:
            pass
        ```
        """)
    assert p.function_name == "count" and p.tests[0].fn == "count"


def test_doctests_become_call_tests():
    p = md("""
        Write `square`.

        ```python
        >>> square(2)
        4
        >>> square(-3)
        9
        ```
        """)
    assert [(t.fn, t.args, t.expected) for t in p.tests] == [("square", (2,), 4), ("square", (-3,), 9)]
    assert p.style == "function" and p.function_name == "square"


def test_doctest_with_setup_becomes_one_assert_test():
    p = md("""
        ```pycon
        >>> s = Stack()
        >>> s.push(1)
        >>> s.pop()
        1
        ```
        """)
    (t,) = p.tests
    assert isinstance(t, AssertTest)
    assert "s = Stack()" in t.source and "_dcode_replay" in t.source


def test_assert_lines_in_python_block_with_setup_and_stub():
    p = md("""
        ```python
        import math

        def area(r: float) -> float:
            \"\"\"Area of a circle.\"\"\"

        assert area(1) == math.pi
        assert area(0) == 0
        ```
        """)
    assert [type(t) for t in p.tests] == [AssertTest, AssertTest]
    assert p.tests[0].source == "import math\nassert area(1) == math.pi\n"  # the stub is left out
    assert p.tests[1].name.startswith("line 9:")
    assert p.function_name == "area" and p.style == "function"


def test_tests_line_points_at_pytest_and_json(tmp_path):
    (tmp_path / "test_it.py").write_text("from solution import f\n\ndef test_f():\n    assert f() == 1\n")
    (tmp_path / "more.json").write_text('{"calls": [{"fn": "f", "args": [], "expected": 1}]}')
    (tmp_path / "p.md").write_text("# F\n\ntests: test_it.py\n\nhidden-tests: `more.json`\n")
    p = load_problem(tmp_path / "p.md")
    assert isinstance(p.tests[0], PytestTest) and p.tests[0].path == tmp_path / "test_it.py"
    assert isinstance(p.tests[1], CallTest) and p.tests[1].hidden
    assert "tests:" not in p.statement and p.style == "function"


def test_hidden_section_ends_at_next_heading_of_same_level():
    p = md("""
        ## Hidden tests
        Input: 1
        Output: 2

        ## Notes
        Input: 3
        Output: 4
        """)
    assert [t.hidden for t in p.tests] == [True, False]
    assert "Notes" in p.statement and "Hidden" not in p.statement


def test_no_tests_is_legal():
    p = md("# Just words\n\nWrite something nice.\n")
    assert not p.has_tests and p.tests == [] and p.title == "Just words"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("# T\n\nInput\n```\n1\n```\n\nsome text\n", 3, "Input block has no Output"),
        ("# T\n\nOutput\n```\n1\n```\n", 3, "Output block has no Input"),
        ("Input: nums = [1,2\nOutput: 1\n\n```python\ndef f(nums): ...\n```\n", 1, "cannot read LeetCode input"),
        ("Input: nums = [1,2]\nOutput: [0,\n\n```python\ndef f(nums): ...\n```\n", 2, "cannot read LeetCode output"),
        ("text\n\nInput: nums = [1,2]\nOutput: 3\n", 3, "no function signature"),
        ("Input: a = 1, b = 2\nOutput: 3\n\n```python\ndef f(a): ...\n```\n", 1, "do not match"),
        ("Input: a = 1\n\nmore\n", 1, "Input: line has no Output"),
        ("```python\nassert f(1) == 2\nassert (\n```\n", 3, "does not parse"),
        ("tests: nowhere.py\n", 1, "tests path not found"),
        ("Input\n```\n1\n```\nOutput\n```\n1\n```\n\n```python\nassert f() == 1\n```\n", 11, "mixes stdin"),
    ],
)
def test_malformed_names_the_line(text, line, words, tmp_path):
    with pytest.raises(BadInput) as e:
        parse_markdown(text, origin="p.md", base_dir=tmp_path)
    assert f"p.md:{line}:" in str(e.value)
    assert words in str(e.value)
