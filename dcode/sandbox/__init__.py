"""Run candidate programs against tests in isolation, fast, with verdicts decided by the parent.

    from dcode.sandbox import check
    result = check(code, problem.tests)
    result.passed, result.verdict, [r.message for r in result.results]
"""
from dcode.sandbox.isolation import isolation_status
from dcode.sandbox.pool import Sandbox, call_function, check, check_many, get_sandbox, run_program
from dcode.sandbox.verdict import CheckResult, Limits, TestResult, Verdict

__all__ = ["check", "check_many", "run_program", "call_function", "Sandbox", "get_sandbox",
           "isolation_status", "CheckResult", "Limits", "TestResult", "Verdict"]
