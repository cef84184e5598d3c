"""Assert blocks of literal calls: planned as calls, judged in the parent, exactly as the asserts would judge."""
from __future__ import annotations

import textwrap

import pytest

from dcode.problem.types import AssertTest
from dcode.sandbox import Verdict
from dcode.sandbox.plan import plan

CODE = "def f(x):\n    return x - 1\n"


@pytest.mark.parametrize("source", [
    "assert f(3) == 2",
    "assert 2 == f(3)",
    "assert f(0) == -1",
    "assert not f(1)",
    "assert f(2)",
    "assert abs(f(1.5) - 0.5) < 1e-9",
    "assert f(3) is not None",
    "assert f(10) in (8, 9)",
    "assert round(f(2.4)) == 1",
    "assert len(str(f(100))) == 2",
    "def check(candidate):\n    assert candidate(3) == 2, 'three'\n    assert True\n\ncheck(f)",
    "METADATA = {'author': 'x'}\n\ndef check(candidate):\n    '''doc'''\n    assert candidate(5) == 4\n\ncheck(f)",
])
def test_literal_checks_are_planned_and_pass(sandbox, source):
    assert plan(source) is not None
    result = sandbox.check(CODE, [AssertTest(source)]).results[0]
    assert result.verdict is Verdict.PASSED, result.message


@pytest.mark.parametrize("source", [
    "x = 3\nassert f(x) == 2",  # a name, not a literal
    "for i in range(3):\n    assert f(i) == i - 1",
    "assert f(3) == f(3)",
    "def check(candidate):\n    assert candidate(3) == helper(2)\n\ncheck(f)",
    "assert f(*[3]) == 2",
    "assert f(x=3) == 2",
])
def test_anything_more_runs_in_a_test_process_of_its_own(sandbox, source):
    assert plan(source) is None
    code = CODE + "def helper(n):\n    return n\n"
    result = sandbox.check(code, [AssertTest(source)]).results[0]
    assert result.verdict in (Verdict.PASSED, Verdict.RUNTIME_ERROR), result.message  # x=3 form passes, f(x=) errs


def test_the_first_failing_assert_decides_with_its_message(sandbox):
    source = "def check(candidate):\n    assert candidate(1) == 0\n    assert candidate(2) == 5, 'two'\n" \
             "    assert candidate('a') == 0\n\ncheck(f)"
    r = sandbox.check(CODE, [AssertTest(source)]).results[0]
    assert r.verdict is Verdict.WRONG_ANSWER
    assert "line 3" in r.message and "candidate(2) == 5" in r.message and "(two)" in r.message
    assert r.stderr.rstrip().endswith("AssertionError: two")  # the exception the program would have ended with


def test_an_exception_counts_only_when_no_earlier_assert_failed(sandbox):
    raises = "assert f(1) == 0\nassert f('a') == 0\nassert f(2) == 7"
    r = sandbox.check(CODE, [AssertTest(raises)]).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR and "TypeError" in r.message
    earlier = "assert f(2) == 7\nassert f('a') == 0"
    assert sandbox.check(CODE, [AssertTest(earlier)]).results[0].verdict is Verdict.WRONG_ANSWER


def test_types_are_compared_as_python_compares_them(sandbox):
    """A tuple is not a list, 1.0 equals 1, True is not 1 under `is`: values keep their types."""
    code = "def pair():\n    return [1, 2]\ndef one():\n    return 1.0\ndef yes():\n    return 1\n"
    assert sandbox.check(code, [AssertTest("assert pair() == (1, 2)")]).results[0].verdict is Verdict.WRONG_ANSWER
    assert sandbox.check(code, [AssertTest("assert one() == 1")]).results[0].verdict is Verdict.PASSED
    assert sandbox.check(code, [AssertTest("assert yes() is True")]).results[0].verdict is Verdict.WRONG_ANSWER


def test_forged_values_and_proofs_gain_nothing(sandbox):
    """The child holds no expected value: writing value events is only answering, and answering wrong fails."""
    cheat = textwrap.dedent("""
        import json, os
        def f(x):
            for fd in range(3, 1100):
                try:
                    os.write(fd, (json.dumps({"event": "value", "call": 0, "value": 2}) + "\\n").encode())
                except OSError:
                    pass
            os._exit(0)
    """)
    r = sandbox.check(cheat, [AssertTest("assert f(3) == 2\nassert f(4) == 3")]).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR and "exited" in r.message, r.message


def test_arithmetic_on_literals_is_folded_and_shown_messages_use_the_value(sandbox):
    source = ("def check(candidate):\n    assert candidate(3 + 5) == 2 * 3 + 1\n"
              "    assert candidate(1) == 9, 'First test error: ' + str(candidate(1))\n\ncheck(f)")
    assert plan(source) is not None and len(plan(source).calls) == 2  # the message's call is the assert's own
    r = sandbox.check(CODE, [AssertTest(source)]).results[0]
    assert r.verdict is Verdict.WRONG_ANSWER and "(First test error: 0)" in r.message
    assert plan("assert f(2 ** 10000) == 1") is None  # folding stays small


def test_an_assert_whose_own_expression_raises_is_a_runtime_error(sandbox):
    code = "def f(x):\n    return None\n"
    r = sandbox.check(code, [AssertTest("assert abs(f(1) - 2.0) < 1e-6")]).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR and "TypeError: unsupported operand" in r.message
    assert r.stderr.rstrip().splitlines()[-1].startswith("TypeError: unsupported operand")
