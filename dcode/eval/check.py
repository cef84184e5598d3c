"""`dcode check`: one candidate file against one tests file, in the sandbox."""
from __future__ import annotations

from pathlib import Path

from dcode.errors import BadInput, read_user_text
from dcode.problem import bind_module, load_tests
from dcode.problem.loader import load_problem
from dcode.sandbox.verdict import CheckResult, Limits


def check_limits(tests_path: Path, timeout_s: float | None, memory_mb: int | None) -> Limits:
    """Flags win; then the limits a Markdown problem states; then the sandbox's defaults."""
    if timeout_s is not None and timeout_s <= 0:
        raise BadInput(f"--timeout must be positive, got {timeout_s}")
    if memory_mb is not None and memory_mb < 16:
        raise BadInput(f"--memory must be at least 16 MB, got {memory_mb}")
    base = Limits()
    if tests_path.suffix.lower() in (".md", ".markdown") and tests_path.is_file():
        problem = load_problem(tests_path)
        timeout_s = timeout_s if timeout_s is not None else problem.time_limit_s
        memory_mb = memory_mb if memory_mb is not None else problem.memory_limit_mb
    return Limits(
        timeout_s=timeout_s if timeout_s is not None else base.timeout_s,
        memory_mb=memory_mb if memory_mb is not None else base.memory_mb,
    )


def check_file(candidate: Path, tests_path: Path, *, timeout_s: float | None = None,
               memory_mb: int | None = None) -> CheckResult:
    """Run every test in `tests_path` (visible and hidden) against the code in `candidate`."""
    from dcode.sandbox import check

    code = read_user_text(candidate, "a Python file")
    limits = check_limits(tests_path, timeout_s, memory_mb)
    tests = bind_module(load_tests(tests_path), candidate)
    if not tests:
        raise BadInput(f"{tests_path}: holds no tests")
    return check(code, tests, limits)
