"""The smallest useful description of why a candidate failed.

A fix prompt carries one failing test: its input (or call), what was expected, what came
out, the error's last lines and the verdict. More than that costs tokens that a small
model spends re-reading instead of fixing. Only visible tests ever get here.
"""
from __future__ import annotations

import json

from dcode.problem.types import AssertTest, CallTest, IOTest, PytestTest
from dcode.sandbox.verdict import CheckResult, TestResult, Verdict

MAX_FIELD = 600
STDERR_LINES = 8


def clip(text: str, limit: int = MAX_FIELD) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


def tail(text: str, lines: int = STDERR_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _call_text(test: CallTest) -> str:
    return f"{test.fn}({', '.join(_literal(a) for a in test.args)})"


def _literal(value: object) -> str:
    try:
        return repr(value) if not isinstance(value, str) else json.dumps(value)
    except Exception:
        return repr(value)


_VERDICT_WORDS = {
    Verdict.WRONG_ANSWER: "wrong answer",
    Verdict.RUNTIME_ERROR: "runtime error",
    Verdict.TIMEOUT: "time limit exceeded",
    Verdict.MEMORY_LIMIT: "memory limit exceeded",
    Verdict.SYNTAX_ERROR: "syntax error",
    Verdict.SANDBOX_ERROR: "the sandbox could not run it",
}


def describe_failure(result: TestResult) -> str:
    """One failing test in a few lines: verdict, input, expected and actual, error tail."""
    test = result.test
    lines = [f"Verdict: {_VERDICT_WORDS.get(result.verdict, str(result.verdict))}"]
    if isinstance(test, IOTest):
        lines += ["Input:", clip(test.input), "Expected output:", clip(test.output)]
        if result.verdict is Verdict.WRONG_ANSWER:
            lines += ["Your output:", clip(result.actual if result.actual is not None else result.stdout)]
    elif isinstance(test, CallTest):
        lines += [f"Call: {clip(_call_text(test))}", f"Expected: {clip(_literal(test.expected))}"]
        if result.verdict is Verdict.WRONG_ANSWER and result.actual is not None:
            lines.append(f"Got: {clip(result.actual)}")
    elif isinstance(test, AssertTest):
        lines += ["Test:", clip(test.source.strip().splitlines()[-1] if test.source.strip() else "")]
    elif isinstance(test, PytestTest):
        lines.append(f"Test: {test.name or test.path.name}")
    if result.message and result.verdict is not Verdict.WRONG_ANSWER:
        lines.append(f"Reason: {clip(result.message, 300)}")
    elif result.message and not isinstance(test, (IOTest, CallTest)):
        lines.append(f"Reason: {clip(result.message, 300)}")
    if result.verdict in (Verdict.RUNTIME_ERROR, Verdict.SYNTAX_ERROR, Verdict.SANDBOX_ERROR) or (
            isinstance(test, (AssertTest, PytestTest)) and result.stderr):
        if result.stderr.strip():
            lines += ["Error:", clip(tail(result.stderr))]
    return "\n".join(lines)


def shown(result: TestResult, limit: int = 200) -> tuple[str, str, str]:
    """(input, expected, actual) of one test as a table shows them: a call or stdin, its answer, what came out."""
    test = result.test
    actual = result.actual if result.actual is not None else ""
    if isinstance(test, IOTest):
        given, expected = test.input, test.output
    elif isinstance(test, CallTest):
        given, expected = _call_text(test), _literal(test.expected)
    elif isinstance(test, AssertTest):
        lines = test.source.strip().splitlines()
        given, expected = (lines[-1] if lines else ""), ""
    else:
        given, expected = " ".join(test.targets) or str(test.path), ""
    return clip(given, limit), clip(expected, limit), clip(actual, limit)


def first_failure(check: CheckResult) -> TestResult | None:
    """The failure most worth fixing first: a wrong answer tells the most, a timeout the least."""
    failing = [r for r in check.results if not r.passed]
    if not failing:
        return None
    order = [Verdict.SYNTAX_ERROR, Verdict.RUNTIME_ERROR, Verdict.WRONG_ANSWER, Verdict.MEMORY_LIMIT,
             Verdict.TIMEOUT, Verdict.SANDBOX_ERROR]
    return min(failing, key=lambda r: order.index(r.verdict) if r.verdict in order else len(order))


def feedback_for(check: CheckResult) -> str:
    failure = first_failure(check)
    if failure is None:
        return ""
    summary = f"It passed {check.n_passed} of {len(check.results)} tests."
    return describe_failure(failure) + "\n" + summary
