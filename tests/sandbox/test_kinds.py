"""Each kind of test: stdin/stdout, function calls, assert scripts, pytest files."""
from __future__ import annotations

import textwrap

from dcode.problem.types import AssertTest, CallTest, IOTest, PytestTest
from dcode.sandbox import Limits, Verdict


def test_io_floats_and_several_lines(sandbox):
    code = "n = int(input())\nfor i in range(1, n + 1):\n    print(i, 1 / i)"
    assert sandbox.check(code, [IOTest("3", "1 1.0\n2 0.5\n3 0.3333333")]).passed


def test_io_reads_stdin_buffer(sandbox):
    code = "import sys\ndata = sys.stdin.buffer.read().split()\nprint(sum(map(int, data)))"
    numbers = " ".join(str(i) for i in range(100000))
    assert sandbox.check(code, [IOTest(numbers, str(sum(range(100000))))]).passed


def test_call_compares_json_in_the_parent(sandbox):
    code = "def two_sum(nums, target):\n    seen = {}\n    for i, x in enumerate(nums):\n" \
           "        if target - x in seen:\n            return [seen[target - x], i]\n        seen[x] = i\n"
    result = sandbox.check(code, [CallTest("two_sum", ([2, 7, 11, 15], 9), [0, 1]),
                                  CallTest("two_sum", ([3, 2, 4], 6), (1, 2)),
                                  CallTest("two_sum", ([3, 3], 6), [1, 0])])
    assert [r.verdict for r in result.results] == [Verdict.PASSED, Verdict.PASSED, Verdict.WRONG_ANSWER]
    assert result.results[2].actual == "[0, 1]" and result.results[2].expected == "[1, 0]"


def test_call_finds_leetcode_solution_methods(sandbox):
    code = "class Solution:\n    def isPalindrome(self, s: str) -> bool:\n        return s == s[::-1]\n"
    result = sandbox.check(code, [CallTest("isPalindrome", ("aba",), True), CallTest("isPalindrome", ("ab",), 0)])
    assert [r.verdict for r in result.results] == [Verdict.PASSED, Verdict.WRONG_ANSWER]


def test_call_missing_function_and_unserialisable_value(sandbox):
    result = sandbox.check("def f():\n    return object()", [CallTest("g", (), 1), CallTest("f", (), 1)])
    assert [r.verdict for r in result.results] == [Verdict.RUNTIME_ERROR, Verdict.RUNTIME_ERROR]
    assert "no function 'g'" in result.results[0].message
    assert "not JSON data" in result.results[1].message


def test_humaneval_style_assert(sandbox):
    prompt_tests = textwrap.dedent('''
        def check(candidate):
            assert candidate([1, 2, 3]) == 6
            assert candidate([]) == 0
        check(total)
    ''')
    assert sandbox.check("def total(xs):\n    return sum(xs)", [AssertTest(prompt_tests)]).passed
    r = sandbox.check("def total(xs):\n    return len(xs)", [AssertTest(prompt_tests)]).results[0]
    assert r.verdict is Verdict.WRONG_ANSWER and "candidate([1, 2, 3]) == 6" in r.message


def test_pytest_file_yields_one_result_per_test(sandbox, tmp_path):
    tests = tmp_path / "test_mathx.py"
    tests.write_text(textwrap.dedent('''
        import pytest
        from solution import double, halve

        def test_double():
            assert double(2) == 4

        @pytest.mark.parametrize("x", [2, 4])
        def test_halve(x):
            assert halve(x) * 2 == x

        def test_halve_odd():
            assert halve(3) == 1.5
    '''))
    code = "def double(x):\n    return 2 * x\n\ndef halve(x):\n    return x // 2\n"
    result = sandbox.check(code, [PytestTest(tests)])
    names = [r.test.name for r in result.results]
    assert names == ["tests/test_mathx.py::test_double", "tests/test_mathx.py::test_halve[2]",
                     "tests/test_mathx.py::test_halve[4]", "tests/test_mathx.py::test_halve_odd"]
    assert [r.verdict for r in result.results] == [Verdict.PASSED] * 3 + [Verdict.WRONG_ANSWER]


def test_pytest_directory_with_conftest_and_module_name(sandbox, tmp_path):
    (tmp_path / "conftest.py").write_text("import pytest\n\n@pytest.fixture\ndef word():\n    return 'level'\n")
    (tmp_path / "test_pal.py").write_text("from pal import is_pal\n\ndef test_it(word):\n    assert is_pal(word)\n")
    result = sandbox.check("def is_pal(s):\n    return s == s[::-1]", [PytestTest(tmp_path, module="pal")])
    assert result.passed and [r.test.name for r in result.results] == ["tests/test_pal.py::test_it"]


def test_pytest_import_error_in_candidate_fails_every_test(sandbox, tmp_path):
    tests = tmp_path / "test_x.py"
    tests.write_text("from solution import f\n\ndef test_f():\n    assert f() == 1\n")
    result = sandbox.check("raise RuntimeError('broken at import')", [PytestTest(tests)])
    assert not result.passed and result.results[0].verdict is Verdict.RUNTIME_ERROR


def test_pytest_each_test_gets_the_timeout(sandbox, tmp_path):
    tests = tmp_path / "test_slow.py"
    tests.write_text("from solution import work\n\ndef test_slow():\n    work(60)\n\ndef test_fast():\n    work(0)\n")
    code = "import time\ndef work(s):\n    try:\n        time.sleep(s)\n    except Exception:\n        pass\n"
    result = sandbox.check(code, [PytestTest(tests)], Limits(timeout_s=1))
    assert [r.verdict for r in result.results] == [Verdict.TIMEOUT, Verdict.PASSED]


def test_code_runs_as_python_runs_a_file(sandbox):
    """Compiled without the harness's own `from __future__` flags: annotations are evaluated
    when the function is defined, so an undefined name in one fails here as under python3."""
    result = sandbox.check("def f(x: Undefined) -> int:\n    return x\n", [CallTest("f", (1,), 1)])
    assert result.results[0].verdict is Verdict.RUNTIME_ERROR
    assert "Undefined" in result.results[0].message


def test_threads_and_stdio_work_in_every_child(sandbox):
    """The child is forked without os.fork's hooks; threads, print and input still behave."""
    code = textwrap.dedent("""
        import threading
        out = []
        def work(n):
            out.append(n * n)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(sorted(out), input())
    """)
    result = sandbox.check(code, [IOTest("x", "[0, 1, 4, 9] x")] * 3)
    assert result.passed, result.results
