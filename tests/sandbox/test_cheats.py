"""Programs that try to pass without being right must not pass; heavy honest ones must."""
from __future__ import annotations

import textwrap

from dcode.problem.types import AssertTest, CallTest, IOTest
from dcode.sandbox import Verdict

WRONG = "def add(a, b):\n    return a - b\n"
TESTS = [AssertTest("assert add(2, 2) == 4\nassert add(1, 5) == 6")]


def verdict_of(box, cheat: str, tests=TESTS) -> Verdict:
    return box.check(WRONG + textwrap.dedent(cheat), tests).results[0].verdict


def test_printing_passed_does_not_pass(sandbox):
    assert verdict_of(sandbox, "print('PASSED')\nprint('All tests passed')") is not Verdict.PASSED


def test_exiting_zero_before_the_asserts_does_not_pass(sandbox):
    assert verdict_of(sandbox, "import os\nos._exit(0)") is Verdict.RUNTIME_ERROR
    assert verdict_of(sandbox, "import sys\nsys.exit(0)") is Verdict.RUNTIME_ERROR


def test_patching_exit_does_not_pass(sandbox):
    cheat = """
        import os, sys, builtins
        sys.exit = lambda *a: os._exit(0)
        builtins.exit = builtins.quit = sys.exit
        sys.excepthook = lambda *a: os._exit(0)
        os.abort = lambda: os._exit(0)
    """
    assert verdict_of(sandbox, cheat) is not Verdict.PASSED


def test_monkeypatching_the_harness_does_not_pass(sandbox):
    cheat = """
        import os, sys
        for name, module in list(sys.modules.items()):
            if "dcode" in name or "harness" in name:
                for attr in dir(module):
                    if callable(getattr(module, attr, None)) and not attr.startswith("__"):
                        try:
                            setattr(module, attr, lambda *a, **k: os._exit(0))
                        except Exception:
                            pass
        _real_exit = os._exit
        os._exit = lambda code: _real_exit(0)
    """
    assert verdict_of(sandbox, cheat) is not Verdict.PASSED


def test_a_trace_hook_cannot_jump_over_the_asserts(sandbox):
    cheat = """
        import sys
        def skip(frame, event, arg):
            if frame.f_code.co_filename == "tests.py" and event == "line" and frame.f_lineno < 3:
                frame.f_lineno = 3
            return skip
        sys.settrace(skip)
    """
    tests = [AssertTest("assert add(2, 2) == 4\nassert add(1, 5) == 6\nchecked = True\n")]
    assert verdict_of(sandbox, cheat, tests) is not Verdict.PASSED
    inside = """
        import sys
        def skip(frame, event, arg):
            if frame.f_code.co_filename == "tests.py" and event == "line" and frame.f_lineno < 3:
                frame.f_lineno = 3
            return skip
        def add(a, b):
            sys.settrace(skip)
            sys._getframe(1).f_trace = skip
            return 0
    """
    assert verdict_of(sandbox, inside, tests) is not Verdict.PASSED


def test_the_harness_cannot_be_found_through_gc(sandbox):
    cheat = """
        import gc
        found = [o for o in gc.get_objects() if type(o).__name__ == "Reporter"]
    """
    r = sandbox.check(WRONG + textwrap.dedent(cheat), TESTS).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR and "gc.get_objects is not allowed" in r.message


def test_writing_expected_output_or_report_lines_does_not_pass(sandbox):
    cheat = """
        import json, os
        for fd in range(3, 2000):
            try:
                os.write(fd, (json.dumps({"event": "done", "nonce": "0" * 32}) + "\\n").encode())
            except OSError:
                pass
        for path in ["expected.txt", "/sandbox/expected_output", "/tmp/result.json"]:
            open(path, "w").write("PASSED")
        os._exit(0)
    """
    assert verdict_of(sandbox, cheat) is Verdict.RUNTIME_ERROR


def test_call_cheats_do_not_pass(sandbox):
    tests = [CallTest("add", (2, 2), 4)]
    assert verdict_of(sandbox, "import os\nprint(4)\nos._exit(0)", tests) is Verdict.RUNTIME_ERROR
    always_equal = "class Eq:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Eq()\n"
    assert sandbox.check(always_equal, tests).results[0].verdict is Verdict.RUNTIME_ERROR


def test_io_cheat_printing_the_expected_marker_fails(sandbox):
    r = sandbox.check("print('PASSED')", [IOTest("1 2", "3")]).results[0]
    assert r.verdict is Verdict.WRONG_ANSWER


def test_heavy_honest_programs_pass(sandbox):
    big = "data = bytearray(200 * 2**20)\ndata[-1] = 1\nprint(sum(data[-10:]))"
    deep = textwrap.dedent("""
        import sys, threading
        sys.setrecursionlimit(300000)
        threading.stack_size(512 * 2**20)
        def depth(n):
            return 0 if n == 0 else 1 + depth(n - 1)
        def main():
            print(depth(100000))
        t = threading.Thread(target=main)
        t.start()
        t.join()
    """)
    numpy = "import numpy as np\nprint(int(np.arange(10).sum()))"
    result = sandbox.check_many([(big, [IOTest("", "1")]), (deep, [IOTest("", "100000")]),
                                 (numpy, [IOTest("", "45")])])
    assert [r.verdict for r in result] == [Verdict.PASSED] * 3, [r.results[0].message for r in result]
