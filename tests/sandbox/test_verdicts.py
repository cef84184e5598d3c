"""Every verdict, produced by real programs in the real sandbox."""
from __future__ import annotations

from dcode.problem.types import AssertTest, CallTest, IOTest
from dcode.sandbox import Limits, Verdict

ADD = "a, b = map(int, input().split())\nprint(a + b)\n"


def test_passed_and_wrong_answer(sandbox):
    result = sandbox.check(ADD, [IOTest("1 2", "3"), IOTest("2 2", "5")])
    assert [r.verdict for r in result.results] == [Verdict.PASSED, Verdict.WRONG_ANSWER]
    assert result.results[1].message == "line 1: expected '5', got '4'"
    assert result.verdict is Verdict.WRONG_ANSWER and not result.passed
    assert all(r.time_s > 0 for r in result.results)


def test_runtime_error_keeps_a_capped_stderr_tail(sandbox):
    code = "import sys\nsys.stderr.write('x' * 100000)\nraise ValueError('boom')\n"
    r = sandbox.check(code, [IOTest("", "")]).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR
    assert "ValueError: boom" in r.message and "line 3" in r.message
    assert len(r.stderr) <= 2048 and r.stderr.rstrip().endswith("ValueError: boom")
    assert 'File "solution.py", line 3' in r.stderr and "harness" not in r.stderr


def test_nonzero_exit_is_a_runtime_error_even_with_the_right_output(sandbox):
    r = sandbox.check("print(3)\nraise SystemExit(4)", [IOTest("", "3")]).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR and "exit status 4" in r.message


def test_timeout_wall_clock(sandbox):
    r = sandbox.check("import time\ntime.sleep(60)", [IOTest("", "")], Limits(timeout_s=0.5)).results[0]
    assert r.verdict is Verdict.TIMEOUT


def test_timeout_cpu(sandbox):
    r = sandbox.check("while True:\n    pass", [IOTest("", "")], Limits(timeout_s=1)).results[0]
    assert r.verdict is Verdict.TIMEOUT


def test_memory_limit(sandbox):
    code = "chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 2**20))"
    r = sandbox.check(code, [IOTest("", "")], Limits(memory_mb=256)).results[0]
    assert r.verdict is Verdict.MEMORY_LIMIT


def test_syntax_error_never_runs(sandbox):
    result = sandbox.check("def f(:\n    pass", [IOTest("", ""), AssertTest("assert True")])
    assert [r.verdict for r in result.results] == [Verdict.SYNTAX_ERROR] * 2
    assert "line 1" in result.results[0].message


def test_sandbox_error_when_limits_cannot_be_applied(sandbox):
    r = sandbox.check("print(1)", [IOTest("", "1")], Limits(open_files=-5)).results[0]
    assert r.verdict is Verdict.SANDBOX_ERROR


def test_stop_on_first_failure_returns_the_prefix(sandbox):
    tests = [IOTest("1 1", "2"), IOTest("1 1", "3"), IOTest("2 2", "4"), IOTest("3 3", "6")]
    result = sandbox.check(ADD, tests, stop_on_first_failure=True)
    assert [r.verdict for r in result.results] == [Verdict.PASSED, Verdict.WRONG_ANSWER]


def test_check_many_keeps_order(sandbox):
    jobs = [(f"def f(x):\n    return x + {k}", [CallTest("f", (1,), 3)]) for k in range(6)]
    results = sandbox.check_many(jobs)
    assert [r.passed for r in results] == [k == 2 for k in range(6)]


def test_run_program_and_call_function(sandbox):
    r = sandbox.run_program("import sys\nprint(sys.stdin.read()[::-1])", "abc")
    assert r.verdict is Verdict.PASSED and r.actual == "cba\n"
    r = sandbox.call_function("def g(a, b):\n    return {'sum': a + b, 'pair': (a, b)}", "g", [1, 2])
    assert r.verdict is Verdict.PASSED and r.actual == '{"sum": 3, "pair": [1, 2]}'
    r = sandbox.run_program("raise SystemExit(2)")
    assert r.verdict is Verdict.RUNTIME_ERROR


def test_module_level_functions_use_the_shared_pool():
    from dcode.sandbox import check, get_sandbox, isolation_status

    assert check("print(input())", [IOTest("hi", "hi")]).passed
    assert get_sandbox() is get_sandbox()
    assert "unshare" in isolation_status()


def test_output_flood_is_cut(sandbox):
    code = "import sys\nline = 'x' * 1023 + '\\n'\nfor _ in range(20 * 1024):\n    sys.stdout.write(line)\n"
    r = sandbox.check(code, [IOTest("", "x")], Limits(output_bytes=2**20)).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR and "printed more than 1 MB" in r.message
    assert len(r.stdout) <= 2**20 + 1


def test_a_worker_killed_from_outside_is_replaced(solo):
    import os
    import signal

    assert solo.check("print(1)", [IOTest("", "1")]).passed
    worker = solo._all[0]
    os.killpg(worker._proc.pid, signal.SIGKILL)
    assert solo.check("print(2)", [IOTest("", "2")]).passed


def test_tests_queued_behind_a_killed_worker_run_again(solo):
    """The pool keeps the next request queued on a worker; if the worker dies, both are redone."""
    import os
    import signal
    import threading
    import time

    assert solo.check("print(0)", [IOTest("", "0")]).passed  # the worker is up
    worker = solo._all[0]

    def kill_soon() -> None:
        time.sleep(0.5)
        os.killpg(worker._proc.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    jobs = [("import time\ntime.sleep(1.5)\nprint(1)", [IOTest("", "1")])] + \
           [(f"print({i})", [IOTest("", str(i))]) for i in range(2, 6)]
    results = solo.check_many(jobs, Limits(timeout_s=5))
    killer.join()
    assert [r.passed for r in results] == [True] * 5, [r.results[0].message for r in results]
