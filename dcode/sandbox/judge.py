"""Requests for the sandbox, and verdicts from its replies: decided here, in the parent.

A request carries only what the child must see (the code, stdin, a call's arguments, the
assert source, the pytest files). Expected outputs and return values stay in this process;
the reply carries raw facts (exit status, output, report events), and every verdict is
derived from those facts plus data the candidate never touched.
"""
from __future__ import annotations

import functools
import json
import secrets
import signal
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dcode.errors import BadInput
from dcode.problem.types import AssertTest, CallTest, IOTest, PytestTest
from dcode.sandbox.compare import compare_output, values_equal
from dcode.sandbox.harness import _jsonable
from dcode.sandbox.verdict import Limits, TestResult, Verdict

MAX_TEST_FILES_BYTES = 16 * 1024 * 1024
SKIP_DIRS = {"__pycache__", ".git", ".pytest_cache", ".venv", "node_modules", ".mypy_cache"}
MEMORY_HINTS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")


@dataclass(frozen=True)
class ProgramRun:
    """`run_program`: no expected output; it passes if it ran cleanly."""

    stdin: str = ""
    name: str = "program"
    hidden: bool = False


@dataclass(frozen=True)
class FunctionCall:
    """`call_function`: no expected value; the JSON of the return value is the result."""

    fn: str
    args: tuple[Any, ...] = ()
    name: str = "call"
    hidden: bool = False


def wall_limit(test: object, limits: Limits) -> float:
    """Wall-clock budget of one sandbox run: a whole pytest file gets more than one case."""
    if isinstance(test, PytestTest):
        return max(limits.timeout_s * 10, 60.0)
    return limits.timeout_s


@functools.lru_cache(maxsize=64)
def _limits_dict(limits: Limits) -> dict[str, Any]:
    return asdict(limits)


def build_request(code: str, test: object, limits: Limits) -> dict:
    lim = _limits_dict(limits) | {"wall_s": wall_limit(test, limits)}
    req: dict[str, Any] = {"code": code, "limits": lim, "nonce": secrets.token_hex(16)}
    if isinstance(test, PytestTest):  # each test gets the timeout, the whole run a larger budget
        req["test_timeout_s"] = limits.timeout_s
        lim["timeout_s"] = lim["wall_s"]
    if isinstance(test, IOTest):
        req |= {"kind": "io", "stdin": test.input}
    elif isinstance(test, ProgramRun):
        req |= {"kind": "program", "stdin": test.stdin}
    elif isinstance(test, CallTest | FunctionCall):
        req |= {"kind": "call", "fn": test.fn, "args": _jsonable(list(test.args))}
    elif isinstance(test, AssertTest):
        req |= {"kind": "assert", "source": test.source}
    elif isinstance(test, PytestTest):
        files, target = pytest_files(Path(test.path), test.module)
        req |= {"kind": "pytest", "files": files, "target": target, "module": test.module}
    else:
        raise BadInput(f"unknown test kind {type(test).__name__}")
    return req


def pytest_files(path: Path, module: str) -> tuple[dict[str, str], str]:
    """Copies of the test file (or directory) to recreate next to the candidate's module."""
    if not path.exists():
        raise BadInput(f"{path}: no such test file or directory")
    if path.is_file():
        pairs = [(path, Path("tests") / path.name)]
        target = f"tests/{path.name}"
    else:
        pairs = [(p, Path("tests") / p.relative_to(path)) for p in sorted(path.rglob("*"))
                 if p.is_file() and not SKIP_DIRS & set(p.relative_to(path).parts)
                 and p.suffix in {".py", ".json", ".txt", ".csv", ".toml", ".ini", ".cfg", ".yaml", ".yml", ".in",
                                  ".out", ".md"}]
        target = "tests"
    files, total = {}, 0
    for src, rel in pairs:
        if rel.name == f"{module}.py":
            continue  # the candidate takes that name
        try:
            text = src.read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise BadInput(f"{src}: cannot read test file: {e}") from None
        total += len(text)
        if total > MAX_TEST_FILES_BYTES:
            raise BadInput(f"{path}: test files larger than {MAX_TEST_FILES_BYTES // 2**20} MB")
        files[str(rel)] = text
    if not any(name.endswith(".py") for name in files):
        raise BadInput(f"{path}: no Python test files")
    return files, target


def _events(report: str) -> list[dict]:
    events = []
    for line in report.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def _done(events: list[dict], nonce: str) -> bool:
    return any(e.get("event") == "done" and e.get("nonce") == nonce for e in events)


def _failure(reply: dict, events: list[dict], limits: Limits) -> tuple[Verdict, str] | None:
    """The verdict when the run itself did not end cleanly; None when it did."""
    status, code = reply.get("status"), reply.get("code")
    stderr = reply.get("stderr", "")
    if status == "error":
        return Verdict.SANDBOX_ERROR, reply.get("message", "the sandbox failed")
    if status == "timeout":
        return Verdict.TIMEOUT, f"ran longer than {reply.get('wall_s', limits.timeout_s):g} s"
    if status == "signaled" and (code == signal.SIGXCPU or code == signal.SIGKILL and (
            reply.get("cpu_s") or 0) >= int(limits.timeout_s)):
        return Verdict.TIMEOUT, f"used more than {limits.timeout_s:g} s of CPU"
    if status == "signaled" and code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT) and (
            reply.get("max_rss_mb") or 0) >= 0.9 * limits.memory_mb:
        return Verdict.MEMORY_LIMIT, f"exceeded {limits.memory_mb} MB"
    syntax = next((e for e in events if e.get("event") == "syntax_error"), None)
    if syntax:
        return Verdict.SYNTAX_ERROR, syntax.get("message", "syntax error")
    error = next((e for e in events if e.get("event") == "error"), None)
    if error and error.get("type") == "MemoryError" or any(h in stderr for h in MEMORY_HINTS):
        return Verdict.MEMORY_LIMIT, f"exceeded {limits.memory_mb} MB"
    if status == "signaled":
        if code == signal.SIGXFSZ:
            return Verdict.RUNTIME_ERROR, f"wrote more than {limits.file_size_mb} MB to a file or stdout"
        return Verdict.RUNTIME_ERROR, f"killed by {_signame(code)}"
    if reply.get("stdout_truncated"):
        return Verdict.RUNTIME_ERROR, f"printed more than {limits.output_bytes // 2**20} MB"
    if code == 125 and "sandbox: could not prepare" in stderr:
        return Verdict.SANDBOX_ERROR, stderr.strip().splitlines()[-1]
    assert_failed = next((e for e in events if e.get("event") == "assert_failed"), None)
    if assert_failed and status == "exited":
        line = f" (line {assert_failed['line']})" if assert_failed.get("line") else ""
        return Verdict.WRONG_ANSWER, f"assertion failed{line}: {assert_failed.get('message', '')}".rstrip(": ")
    if error:
        line = f" (line {error['line']})" if error.get("line") else ""
        return Verdict.RUNTIME_ERROR, f"{error.get('type')}: {error.get('message')}{line}"
    if code != 0:
        last = stderr.strip().splitlines()[-1:] or [""]
        return Verdict.RUNTIME_ERROR, f"exit status {code}" + (f": {last[0][:200]}" if last[0] else "")
    return None


def _signame(sig: int | None) -> str:
    try:
        return signal.Signals(sig).name  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return f"signal {sig}"


def verdict(test: object, reply: dict, nonce: str, limits: Limits) -> TestResult:
    """One TestResult for io, call, assert and program runs."""
    events = _events(reply.get("report", ""))
    result = TestResult(test=test, verdict=Verdict.PASSED, time_s=float(reply.get("time_s") or 0.0),
                        stdout=reply.get("stdout", ""), stderr=reply.get("stderr", ""))
    result.actual = result.stdout
    failed = _failure(reply, events, limits)
    if failed is None and isinstance(test, AssertTest | CallTest | FunctionCall) and not _done(events, nonce):
        failed = Verdict.RUNTIME_ERROR, "the program exited before its tests finished"
    if failed is not None:
        result.verdict, result.message = failed
        return result
    if isinstance(test, IOTest):
        result.expected = test.output
        reason = compare_output(test.output, result.stdout)
        if reason:
            result.verdict, result.message = Verdict.WRONG_ANSWER, reason
    elif isinstance(test, CallTest | FunctionCall):
        value = next((e["value"] for e in events if e.get("event") == "return" and "value" in e), None)
        result.actual = value
        if value is None:
            result.verdict, result.message = Verdict.RUNTIME_ERROR, "no return value reported"
        elif isinstance(test, CallTest):
            expected = _jsonable_or_repr(test.expected)
            result.expected = json.dumps(expected)
            actual = json.loads(value)
            if not values_equal(expected, actual):
                result.verdict = Verdict.WRONG_ANSWER
                result.message = f"{test.fn}(...) returned {_short(value)}, expected {_short(result.expected)}"
    return result


def _jsonable_or_repr(value: Any) -> Any:
    try:
        return json.loads(json.dumps(_jsonable(value)))
    except (TypeError, ValueError):
        return value


def _short(s: str, n: int = 120) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def pytest_verdicts(test: PytestTest, reply: dict, nonce: str, limits: Limits) -> list[TestResult]:
    """A pytest run yields one TestResult per collected test, named by node id."""
    events = _events(reply.get("report", ""))
    stdout, stderr = reply.get("stdout", ""), reply.get("stderr", "")
    collected = next((e.get("nodes", []) for e in events if e.get("event") == "collected"), None)
    failure = _failure(reply, events, limits)
    if failure is None and not _done(events, nonce):
        failure = Verdict.RUNTIME_ERROR, "pytest exited before reporting every test"
    if not collected:
        verdict, message = failure or (Verdict.RUNTIME_ERROR, "pytest collected no tests")
        if failure is None:
            errors = [e for e in events if e.get("event") == "test" and e.get("outcome") == "failed"]
            if errors:
                message = "collection failed: " + errors[0].get("longrepr", "")[-500:]
        return [TestResult(test=test, verdict=verdict, time_s=float(reply.get("time_s") or 0.0),
                           stdout=stdout, stderr=stderr, message=message)]
    outcomes: dict[str, tuple[Verdict, float, str]] = {}
    for e in events:
        if e.get("event") != "test":
            continue
        node, outcome = e.get("node"), e.get("outcome")
        if outcome == "passed":
            v = Verdict.PASSED
        elif outcome == "skipped":
            # A skip from a marker is the author's; one raised while the test runs may be the candidate's.
            v = Verdict.PASSED if e.get("when") == "setup" or e.get("xfail") else Verdict.RUNTIME_ERROR
        else:
            text = e.get("longrepr", "")
            v = Verdict.WRONG_ANSWER if "AssertionError" in text or "assert " in text else Verdict.RUNTIME_ERROR
            if "MemoryError" in text:
                v = Verdict.MEMORY_LIMIT
            if "SandboxTestTimeout" in text:
                v = Verdict.TIMEOUT
        prev = outcomes.get(node)
        if prev is None or prev[0] is Verdict.PASSED:
            outcomes[node] = (v, float(e.get("duration") or 0.0) + (prev[1] if prev else 0.0),
                              e.get("longrepr", "")[-1000:])
    results = []
    for node in collected:
        test_i = PytestTest(path=test.path, module=test.module, name=node, hidden=test.hidden)
        if node in outcomes and (failure is None or outcomes[node][0] is not Verdict.PASSED):
            v, t, msg = outcomes[node]
        elif node in outcomes and failure is not None:
            v, t, msg = failure[0], outcomes[node][1], failure[1]
        else:
            v, t, msg = (failure or (Verdict.RUNTIME_ERROR, "no outcome reported"))[0], 0.0, (
                failure or (None, "no outcome reported"))[1]
        results.append(TestResult(test=test_i, verdict=v, time_s=t, stdout=stdout, stderr=stderr, message=msg))
    return results
