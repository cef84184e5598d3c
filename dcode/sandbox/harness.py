"""What runs inside the forked, unprivileged child: the candidate, and for some tests the test (stdlib only).

The child never decides a verdict. It writes events (JSON lines) to a report channel; the
parent reads them and decides. Programs judged by their output (stdin/stdout tests) run
here alone. Assert blocks of literal calls run here as calls (`run_calls`): the values go
back, the parent evaluates the asserts (plan.py), and no expected value is ever here.
Every other test that calls into the candidate (function calls, other assert blocks,
pytest) runs its test code in a process of its own (split.py), which alone holds the
nonce that proves the test's last statement ran. An audit hook refuses the trace hooks
and gc walkers that step around asserts. The kernel-side promises (namespaces, rlimits,
no capabilities) do not depend on any of this.
"""
from __future__ import annotations

import atexit
import binascii
import io
import json
import linecache
import marshal
import os
import sys
import threading
import traceback
import types

WORKDIR = "/sandbox"
MODULE_FILE = "solution.py"
# The sandbox's own frames, left out of the tracebacks a model reads.
OWN_FILES = frozenset(os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
                      for name in ("harness", "split", "channel", "proxy", "crossing", "pytest_side"))


class Reporter:
    """Writes JSON events to the report fd; holds nothing a candidate could reuse to forge."""

    def __init__(self, fd: int, nonce_fd: int) -> None:
        self.fd = fd
        self.nonce_fd = nonce_fd

    def event(self, **data: object) -> None:
        try:
            os.write(self.fd, (json.dumps(data) + "\n").encode())
        except (OSError, TypeError, ValueError):
            pass

    def finish(self) -> None:
        """Called only after the test's last statement ran: prove it with the nonce."""
        try:
            nonce = os.read(self.nonce_fd, 256).decode()
        except OSError:
            return
        self.event(event="done", nonce=nonce)


def prepare_stdio() -> None:
    """Once, in the server (whose fds 0-2 are /dev/null and its log): the text streams every child will use.

    Each child dup2()s its own memfds onto fds 0-2, so these objects, made once and never
    written to by the server, start every test empty; building them per child cost more
    than running a small test.
    """
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)),
                                                 encoding="utf-8", errors="replace")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
                                                   encoding="utf-8", errors="backslashreplace")
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
                                                   encoding="utf-8", errors="backslashreplace",
                                                   line_buffering=True)


def _fresh_main(path: str) -> types.ModuleType:
    """A clean `__main__` for the candidate: it must not see the server's globals."""
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    sys.argv = [path]
    sys.path.insert(0, WORKDIR)
    return main


def _print_traceback() -> None:
    """The current exception as Python prints it, minus the harness's own frames (feedback for a model).

    The common case (one exception, no cause or context, no notes) is written by a few lines
    here; the `traceback` module, whose caret markers parse the source again, is kept for
    the rest. In a freshly forked child that machinery costs more than most tests: about
    1.5 ms of copy-on-write faults for every failing candidate.
    """
    exc = sys.exception()
    if exc is None:
        return
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in OWN_FILES:
        tb = tb.tb_next
    text = _plain_traceback(exc, tb)
    if text is None:
        traceback.print_exception(type(exc), exc, tb)
    else:
        sys.stderr.write(text)


REPEAT_CUTOFF = 3  # as CPython: identical frames beyond this are summarised in one line


def _plain_traceback(exc: BaseException, tb: types.TracebackType | None) -> str | None:
    """Python's own traceback text for a lone exception, without the ^^^ markers; None where unsure."""
    if (exc.__cause__ is not None or (exc.__context__ is not None and not exc.__suppress_context__)
            or isinstance(exc, (SyntaxError, BaseExceptionGroup)) or getattr(exc, "__notes__", None)):
        return None
    out = ["Traceback (most recent call last):\n"] if tb is not None else []
    last, repeated = None, 0
    while tb is not None:
        code = tb.tb_frame.f_code
        where = (code.co_filename, tb.tb_lineno, code.co_name)
        tb = tb.tb_next
        if where == last:
            repeated += 1
            if repeated > REPEAT_CUTOFF:
                continue
        else:
            _repeat_line(out, repeated)
            last, repeated = where, 1
        out.append(f'  File "{where[0]}", line {where[1]}, in {where[2]}\n')
        line = linecache.getline(where[0], where[1]).strip()
        if line:
            out.append(f"    {line}\n")
    _repeat_line(out, repeated)
    out.append(_exception_line(exc))
    return "".join(out)


def _repeat_line(out: list[str], repeated: int) -> None:
    if repeated > REPEAT_CUTOFF:
        extra = repeated - REPEAT_CUTOFF
        out.append(f"  [Previous line repeated {extra} more time{'s' if extra > 1 else ''}]\n")


def _exception_line(exc: BaseException) -> str:
    """`module.Type: message`, as traceback.format_exception_only words it."""
    kind = type(exc)
    name = kind.__qualname__
    if kind.__module__ not in ("__main__", "builtins"):
        name = f"{kind.__module__}.{name}"
    try:
        value = str(exc)
    except BaseException:
        value = "<exception str() failed>"
    return f"{name}: {value}\n" if value else f"{name}\n"


def _describe(exc: BaseException) -> dict:
    """Type, message and the candidate's line where it failed: the parent's summary of an error."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in (MODULE_FILE, "tests.py"):
            line = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    try:
        message = str(exc)[:500]
    except BaseException:
        message = "<exception str() failed>"
    if not message and line is not None:
        message = linecache.getline(*line).strip()[:500]
    return {"type": type(exc).__name__, "message": message, "line": line[1] if line else None}


def _exec_code(code: str, main: types.ModuleType, reporter: Reporter, filename: str = MODULE_FILE,
               bytecode: str | None = None) -> int | None:
    """Run `code` as the main module. Returns an exit status if the program ended, else None.

    `bytecode` is the parent's own compilation of `code` (marshal, base64): it compiled the
    code anyway to find syntax errors, and loading it is cheaper than compiling again here.
    """
    _remember_source(filename, code)
    try:
        if bytecode is not None:
            compiled = marshal.loads(binascii.a2b_base64(bytecode))
        else:
            compiled = compile(code, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        reporter.event(event="syntax_error", message=f"{type(e).__name__}: {e}")
        _print_traceback()
        return 1
    try:
        exec(compiled, main.__dict__)
    except SystemExit as e:
        return _exit_status(e)
    except BaseException as e:  # the candidate's own failure, reported for the parent to judge
        reporter.event(event="error", phase="code", **_describe(e))
        _print_traceback()
        return 1
    return None


def _remember_source(filename: str, source: str) -> None:
    """Let tracebacks show the lines of code that exists only in memory (feedback for the model)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _exit_status(e: SystemExit) -> int:
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    print(e.code, file=sys.stderr)
    return 1


def _shutdown(status: int) -> None:
    """What the interpreter does at exit: join threads, run atexit hooks, flush; then leave."""
    try:
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
    except BaseException:
        _print_traceback()
        status = status or 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(status)


def _stop(reporter: Reporter, status: int, phase: str, kind: str, message: str) -> None:
    """Report an error that has no traceback of its own (an exit, a missing function), and leave."""
    reporter.event(event="error", phase=phase, type=kind, message=message, line=None)
    _shutdown(status)


def _fail(reporter: Reporter, e: BaseException, **event: object) -> None:
    """Report the exception that ended the test, print its traceback as feedback, and leave."""
    reporter.event(**event, **_describe(e))
    _print_traceback()
    _shutdown(1)


def run_program(req: dict, reporter: Reporter) -> None:
    main = _fresh_main(f"{WORKDIR}/{MODULE_FILE}")
    status = _exec_code(req["code"], main, reporter, bytecode=req.get("bytecode"))
    if status is None:
        status = 0
        reporter.finish()
    _shutdown(status)


def _jsonable(value: object) -> object:
    """Turn a return value into JSON data: tuples become lists, sets become sorted lists."""
    if isinstance(value, (set, frozenset)):
        items = [_jsonable(v) for v in value]
        try:
            return sorted(items)  # type: ignore[type-var]
        except TypeError:
            return items
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"the return value ({type(value).__name__}) is not JSON data")


def _install_guard() -> None:
    """Refuse the few hooks that let a program step around the tests from inside the process.

    A trace hook can jump over asserts (`frame.f_lineno = ...`); the gc walkers find the
    harness's objects to patch them. Audit hooks cannot be removed once added, and this one
    is referenced from nowhere a program can reach without those walkers.
    """
    blocked = frozenset({"sys.settrace", "sys.setprofile", "gc.get_objects", "gc.get_referrers",
                         "gc.get_referents"})

    def guard(event: str, args: tuple, blocked: frozenset = blocked) -> None:
        if event in blocked:
            raise RuntimeError(f"{event} is not allowed in the sandbox")

    sys.addaudithook(guard)


def run_calls(req: dict, reporter: Reporter) -> None:
    """Literal calls in order, each value reported by value (sandbox/plan.py judges them in the parent).

    No test code and no expected value is here: what the candidate could forge is only
    values, and producing the right values is the task itself.
    """
    main = _fresh_main(f"{WORKDIR}/{MODULE_FILE}")
    status = _exec_code(req["code"], main, reporter, bytecode=req.get("bytecode"))
    if status is not None:
        _stop(reporter, status or 1, "code", "SystemExit", f"the program exited (status {status}) before the tests ran")
    codec = _sibling("channel").Channel(-1, frozenset())
    for i, (name, args) in enumerate(req["calls"]):
        fn = _find_function(main, name)
        if fn is None:
            _stop(reporter, 1, "call", "NameError", f"name {name!r} is not defined")
        try:
            value = codec.encode(fn(*codec.decode(args)))
        except SystemExit as e:
            _stop(reporter, 1, "call", "SystemExit", f"exited with status {_exit_status(e)} during the tests")
        except BaseException as e:
            _fail(reporter, e, event="error", phase="call", call=i)
        reporter.event(event="value", call=i, value=value)
    reporter.finish()
    _shutdown(0)


def _find_function(main: types.ModuleType, name: str):
    """`name` at module level, or a method of LeetCode's `class Solution`."""
    obj = main.__dict__.get(name)
    if callable(obj):
        return obj
    cls = main.__dict__.get("Solution")
    if isinstance(cls, type) and callable(getattr(cls, name, None)):
        try:
            return getattr(cls(), name)
        except Exception:
            return None
    return None


RUNNERS = {"program": run_program, "io": run_program, "calls": run_calls}


def run(req: dict, report_fd: int, nonce_fd: int) -> None:
    """Entry point in the child: stdio is already on fds 0-2, privileges already dropped.

    Programs with stdin/stdout tests run here, alone: the parent judges their output. Tests
    that call into the candidate (call, assert, pytest) run in a process of their own (split.py).
    """
    for fd in (report_fd, nonce_fd):
        os.set_inheritable(fd, False)  # a program the candidate execs must not find them
    reporter = Reporter(report_fd, nonce_fd)
    try:
        runner = RUNNERS.get(req["kind"])
        if runner is None:
            _sibling("split").run(req, reporter)
        else:
            runner(req, reporter)
    except BaseException:
        _print_traceback()
    _shutdown(1)


def _sibling(name: str):
    """A module of this package: loaded by path inside the sandbox, imported normally in the parent."""
    module = sys.modules.get(f"_dcode_sandbox_{name}")
    if module is None:
        import importlib

        module = importlib.import_module(f"dcode.sandbox.{name}")
    return module
