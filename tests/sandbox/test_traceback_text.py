"""The child writes a failing candidate's traceback itself; it must read as Python's own."""
from __future__ import annotations

import linecache
import traceback

import pytest

from dcode.problem.types import AssertTest
from dcode.sandbox import harness

CASES = {
    "assert": "def check(c):\n    assert c() == 2\ncheck(lambda: 1)\n",
    "recursion": "def f(n):\n    return f(n + 1)\nf(0)\n",
    "key_error": "d = {}\nd['missing']\n",
    "own_class": "class MyError(Exception):\n    pass\nraise MyError('boom')\n",
    "library": "import json\njson.loads('{bad')\n",
    "no_message": "raise ValueError\n",
}


def _raise(source: str) -> BaseException:
    linecache.cache["solution.py"] = (len(source), None, source.splitlines(True), "solution.py")
    try:
        exec(compile(source, "solution.py", "exec", dont_inherit=True), {"__name__": "__main__"})
    except BaseException as e:  # noqa: BLE001 - the exception is the subject of the test
        return e
    raise AssertionError("the case did not raise")


@pytest.mark.parametrize("name", CASES)
def test_plain_traceback_is_pythons_without_caret_lines(name):
    exc = _raise(CASES[name])
    tb = exc.__traceback__.tb_next  # this test's own frame
    python = "".join(traceback.format_exception(type(exc), exc, tb))
    python = "".join(line for line in python.splitlines(True) if not line.strip() or set(line.strip()) - set("^~"))
    assert harness._plain_traceback(exc, tb) == python


def test_chained_and_syntax_errors_are_left_to_the_traceback_module():
    chained = _raise("try:\n    1 / 0\nexcept ZeroDivisionError:\n    raise KeyError('k')\n")
    assert harness._plain_traceback(chained, chained.__traceback__) is None
    syntax = _raise("eval('1 +')\n")
    assert harness._plain_traceback(syntax, syntax.__traceback__) is None


def test_a_failing_candidate_gets_its_traceback_in_the_sandbox(sandbox):
    code = "def f(x):\n    return x + 1\n\nassert f(1) == 3, 'f is off'\n"
    result = sandbox.check(code, [AssertTest(source="", name="t")]).results[0]
    assert not result.passed
    assert 'File "solution.py", line 4, in <module>' in result.stderr
    assert "assert f(1) == 3, 'f is off'" in result.stderr
    assert result.stderr.rstrip().endswith("AssertionError: f is off")
    deep = sandbox.check("def f(n):\n    return f(n + 1)\nf(0)\n", [AssertTest(source="", name="t")]).results[0]
    assert "[Previous line repeated" in deep.stderr and "RecursionError" in deep.stderr
