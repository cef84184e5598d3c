"""Examples written the way people write them (not doctests), read from stubs and from Markdown problems."""
from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from dcode.problem import AssertTest, CallTest, load_problem, parse_markdown


def stub(tmp_path: Path, signature: str, *doc_lines: str) -> list:
    """The tests of a stub whose docstring holds `doc_lines` (the first one on line 3 of the file)."""
    body = "\n".join(f"    {line}" if line else "" for line in doc_lines)
    (tmp_path / "stub.py").write_text(f"def {signature}:\n    \"\"\"Do it.\n{body}\n    \"\"\"\n")
    return load_problem(tmp_path / "stub.py").tests


def calls(tests: list) -> list[tuple]:
    assert all(isinstance(t, CallTest) for t in tests), tests
    return [(t.fn, t.args, t.expected) for t in tests]


@pytest.mark.parametrize(
    ("signature", "line", "call"),
    [
        ("is_equal_to_sum_even(n)", "is_equal_to_sum_even(4) == False", ("is_equal_to_sum_even", (4,), False)),
        ("multiply(a, b)", "multiply(148, 412) should return 16.", ("multiply", (148, 412), 16)),
        ("f(x)", "f(3) ➞ 5", ("f", (3,), 5)),
        ("f(x)", "f(3) => 5", ("f", (3,), 5)),
        ("f(x)", "f(3) -> 5", ("f", (3,), 5)),
        ("f(x)", "f(3) ==> 5", ("f", (3,), 5)),
        ("f(x)", "f([1,2]) = 3", ("f", ([1, 2],), 3)),
        ("decimal_to_binary(decimal)", 'decimal_to_binary(15)   # returns "db1111db"',
         ("decimal_to_binary", (15,), "db1111db")),
        ("file_name_check(name)", "file_name_check(\"1example.dll\") # => 'No' (the name should start with a letter)",
         ("file_name_check", ("1example.dll",), "No")),
        ("anti_shuffle(s)", "anti_shuffle('hello') returns 'ehllo'", ("anti_shuffle", ("hello",), "ehllo")),
        ("is_simple_power(x, n)", "is_simple_power(1, 4) => true", ("is_simple_power", (1, 4), True)),
        ("x_or_y(n, x, y)", "for x_or_y(7, 34, 12) == 34", ("x_or_y", (7, 34, 12), 34)),
        ("sort_array(a)", "* sort_array([5]) => [5]", ("sort_array", ([5],), [5])),
        ("solve(N)", 'For N = 150, the sum of digits will be 6 the output should be "110".',
         ("solve", (150,), "110")),
        ("f(lst)", "for x = [1,2] the output should be 3", ("f", ([1, 2],), 3)),
        ("reverse_delete(s, c)", "For s = \"abcdef\", c = \"b\"  the result should be ('acdef',False)",
         ("reverse_delete", ("abcdef", "b"), ("acdef", False))),
        ("fruit_distribution(s, n)", 'fruit_distribution("5 apples and 6 oranges", 19) ->19 - 5 - 6 = 8',
         ("fruit_distribution", ("5 apples and 6 oranges", 19), 8)),
        ("get_odd_collatz(n)", "get_odd_collatz(5) returns [1, 5] # The sequence is [5, 16, 8, 4, 2, 1]",
         ("get_odd_collatz", (5,), [1, 5])),
    ],
)
def test_each_form_is_a_call_test(tmp_path, signature, line, call):
    (test,) = stub(tmp_path, signature, "Examples:", line)
    assert calls([test]) == [call]
    assert test.name.startswith("line 4: ")  # the docstring opens on line 2; "Examples:" is line 3


def test_input_output_labels_in_a_docstring(tmp_path):
    tests = stub(tmp_path, "maximum(arr, k)",
                 "Example 1:", "",
                 "    Input: arr = [-3, -4, 5], k = 3",
                 "    Output: [-4, -3, 5]",
                 "Example 2:",
                 "    Input: k = 2, arr = [4, -4, 4]",
                 "    Output: [4, 4] # both fours",
                 "    Explanation: the two largest")
    assert calls(tests) == [("maximum", ([-3, -4, 5], 3), [-4, -3, 5]), ("maximum", ([4, -4, 4], 2), [4, 4])]
    assert [t.name.split(":")[0] for t in tests] == ["line 5", "line 8"]


def test_input_output_with_a_bare_value_needs_a_single_parameter(tmp_path):
    one = stub(tmp_path, "pluck(arr)", "Input: [4,2,3]", "Output: [2, 1]", "", "Input: 1, 2", "Output: 3")
    assert calls(one) == [("pluck", ([4, 2, 3],), [2, 1])]  # `1, 2`: one tuple or two values? left out
    assert stub(tmp_path, "add(a, b)", "Input: [1, 2]", "Output: 3") == []


def test_a_call_written_over_several_lines(tmp_path):
    tests = stub(tmp_path, "get_row(lst, x)", "Examples:", "get_row([", "  [1,2,3,4,5,6],", "  [1,2,3,4,1,6]",
                 "], 1) == [(0, 0), (1, 4), (1, 0)]", "get_row([], 1) == []")
    assert calls(tests) == [("get_row", ([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 1, 6]], 1), [(0, 0), (1, 4), (1, 0)]),
                            ("get_row", ([], 1), [])]
    assert [t.name.split(":")[0] for t in tests] == ["line 4", "line 8"]


@pytest.mark.parametrize(
    ("signature", "lines", "kept"),
    [
        ("numerical_letter_grade(grades)",  # HumanEval/81 calls a function of another name
         ["grade_equation([4.0, 3]) ==> ['A+', 'B']", "numerical_letter_grade([4.0]) ==> ['A+']"],
         ("numerical_letter_grade", ([4.0],), ["A+"])),
        ("is_happy(s)", ["is_happy(a) => False", "is_happy('abc') => True"],  # `a` is not a literal
         ("is_happy", ("abc",), True)),
        ("bf(p1, p2)", ['bf("Earth", "Mercury") ==> ("Venus")',  # a string, or a one-tuple?
                        'bf("Jupiter", "Neptune") ==> ("Saturn", "Uranus")'],
         ("bf", ("Jupiter", "Neptune"), ("Saturn", "Uranus"))),
        ("find_max(words)", ['find_max(["aaaaaaa", "bb"]) == ""aaaaaaa"', 'find_max(["name", "of"]) == "name"'],
         ("find_max", (["name", "of"],), "name")),
        ("f(n)", ["f(2) == 4 is what you get", "f(3) == 9"], ("f", (3,), 9)),  # words after the answer
        ("add(a, b)", ["For x = 1 the output should be 3", "add(1, 2) == 3"],  # one value for two parameters
         ("add", (1, 2), 3)),
        ("add(a, b)", ["For a = 1, c = 2 the output should be 3",  # `c` is no parameter
                       "For b = 2, a = 1 the output should be 3"], ("add", (1, 2), 3)),
        ("f(n)", ["f(1) == 2", "f(1) == 3", "f(2) == 4"], ("f", (2,), 4)),  # two answers for one call
        ("f(n)", ["f(n=1) == 2", "f(1) == 2"], ("f", (1,), 2)),  # keywords are not read
        ("f(n)", ["Input: n = 1", "Explanation: none", "Output: 2", "Input: n = 2", "Output: 4"],
         ("f", (2,), 4)),  # an Output: must follow its Input:
    ],
)
def test_unsure_examples_are_left_out(tmp_path, signature, lines, kept):
    assert calls(stub(tmp_path, signature, *lines)) == [kept]


def test_lines_above_a_formula_define_the_function_and_are_not_examples(tmp_path):
    """HumanEval/130: `tri(1) = 3` is a term of the sequence, but tri(n) returns the first n + 1 terms."""
    tests = stub(tmp_path, "tri(n)", "tri(1) = 3", "tri(n) = 1 + n / 2, if n is even.",
                 "tri(2) = 1 + (2 / 2) = 2", "tri(3) = tri(2) + tri(1) + tri(4)", "Examples:",
                 "tri(3) = [1, 3, 2, 8]")
    assert calls(tests) == [("tri", (3,), [1, 3, 2, 8])]


def test_calls_that_json_would_change_become_assert_tests(tmp_path):
    """A tuple would reach the candidate as a list, and `{8: ...}` as `{"8": ...}`."""
    tuples, int_keys = stub(tmp_path, "f(a, b)", "f((1, 2), (2, 3)) ==> \"NO\"", "f({8: 'x'}, 1) == False")
    assert isinstance(tuples, AssertTest) and "assert f((1, 2), (2, 3)) == 'NO'" in tuples.source
    assert isinstance(int_keys, AssertTest) and "{8: 'x'}" in int_keys.source
    assert tuples.name == "line 3: f((1, 2), (2, 3))"


def test_doctests_and_other_forms_together_without_repeats(tmp_path):
    tests = stub(tmp_path, "sq(n)", ">>> sq(2)", "4", "", "sq(2) == 4", "sq(3) ➞ 9")
    assert calls(tests) == [("sq", (2,), 4), ("sq", (3,), 9)]
    assert tests[0].name == "line 3: sq(2)" and tests[1].name == "line 7: sq(3)"


def test_a_helper_defined_in_the_prompt_may_be_called(tmp_path):
    (tmp_path / "s.py").write_text('def enc(s):\n    return s[::-1]\n\n\ndef dec(s):\n'
                                   '    """enc("ab") == "ba"\n    dec("ba") == "ab"\n    other("x") == 1\n    """\n')
    assert calls(load_problem(tmp_path / "s.py").tests) == [("enc", ("ab",), "ba"), ("dec", ("ba",), "ab")]


def test_doctest_comparison_with_no_output_shown(tmp_path):
    """HumanEval/108 and others write `>>> f(x) == y` and show nothing: the comparison is the example."""
    tests = stub(tmp_path, "count_nums(arr)", ">>> count_nums([]) == 0", ">>> count_nums([1, 1, 2]) == 3")
    assert calls(tests) == [("count_nums", ([],), 0), ("count_nums", ([1, 1, 2],), 3)]


def test_an_escaped_newline_in_an_example_stays_in_its_line(tmp_path):
    """HumanEval/51: `"abcdef\\nghijklm"` in a docstring that is not raw."""
    (tmp_path / "s.py").write_text('def rv(text):\n    """\n    >>> rv("ab\\ncd")\n    \'b\\nd\'\n'
                                   '    >>> rv(\'a\')\n    \'\'\n    """\n')
    tests = load_problem(tmp_path / "s.py").tests
    assert calls(tests) == [("rv", ("ab\ncd",), "b\nd"), ("rv", ("a",), "")]
    assert [t.name.split(":")[0] for t in tests] == ["line 3", "line 5"]


def test_stated_values():
    from dcode.problem.examples import stated_value

    assert stated_value("16.") == (16,) and stated_value("6.00") == (6.0,)
    assert stated_value("1 + 9 + 0 + 0 = 10") == (10,)
    assert stated_value("19 - 5 - 6 = 9") is None  # the working does not give the answer
    assert stated_value("None") == (None,) and stated_value("") is None
    assert stated_value("24 # sum of 21 + 3") == (24,)


def test_markdown_prose_and_python_block_docstrings():
    p = parse_markdown(dedent('''\
        # Multiply

        ```python
        def multiply(a, b):
            """multiply(148, 412) should return 16."""
        ```

        - `multiply(19, 28)` ➞ `72`
        - For a = 14, b = -15 the output should be 20

        unrelated(1) == 2

        ## Hidden tests

        multiply(2, 3) == 6
        '''), origin="p.md")
    assert p.style == "function" and p.function_name == "multiply"
    assert [(t.args, t.expected, t.name.split(":")[0], t.hidden) for t in p.tests] == [
        ((148, 412), 16, "line 5", False), ((19, 28), 72, "line 8", False), ((14, -15), 20, "line 9", False),
        ((2, 3), 6, "line 15", True)]


def test_markdown_stdin_problems_take_no_call_examples():
    p = parse_markdown("```python\ndef f(x):\n    pass\n```\n\nf(1) == 2\n\nInput\n```\n1\n```\nOutput\n```\n2\n```\n")
    assert p.style == "stdin" and [type(t).__name__ for t in p.tests] == ["IOTest"]


def test_stated_examples_api():
    from dcode.problem.examples import Target, stated_examples

    target = Target("f", ("x",))
    (s,) = stated_examples("f(2) ➞ 4\nf(y) ➞ 5\n", 10, target)
    assert (s.fn, s.args, s.expected, s.line, s.call) == ("f", (2,), 4, 10, "f(2)")


def test_a_doctest_call_that_json_would_change_is_replayed_as_written(tmp_path):
    """`{1: 'a'}` would reach the candidate as `{"1": "a"}`: the session runs the call as written instead."""
    (test,) = stub(tmp_path, "f(d)", ">>> f({1: 'a'})", "'a'")
    assert isinstance(test, AssertTest) and "f({1: 'a'})" in test.source


def test_a_docstring_in_a_stdin_problem_does_not_make_it_a_function_problem():
    p = parse_markdown('```python\ndef helper(x):\n    """helper(1) == 2"""\n    return 2 * x\n```\n\n'
                       "Input\n```\n1\n```\nOutput\n```\n2\n```\n")
    assert p.style == "stdin" and [type(t).__name__ for t in p.tests] == ["IOTest"]
