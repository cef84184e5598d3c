"""dcode: a local coding assistant that tests every candidate before showing it to you.

The public API, for a script or another tool (each name is imported on first use, so
`import dcode` stays cheap):

    import dcode

    problem = dcode.load_problem("problem.md")          # or a stub .py with docstring examples
    result = dcode.check("def add(a, b):\\n    return a + b\\n",
                         [dcode.CallTest("add", (1, 2), 3)])
    result.passed, result.verdict                       # True, Verdict.PASSED

    engine = dcode.load_engine()                        # settings decide backend and model
    solved = dcode.solve(problem, engine, dcode.Budget(samples=8))
    solved.passed, solved.code

    tests = dcode.project_test(dcode.in_memory({"m.py": src, "tests/test_m.py": tests_src}),
                               ["tests"], "m.py")        # a pytest project from memory
    dcode.check(src, [tests])

    fixed = dcode.fix_module(Path("m.py"), dcode.load_tests(Path("tests")), engine)
    written = dcode.generate_tests(Path("m.py"), engine)

    outcome = dcode.evaluate(dcode.load_suite("humaneval", limit=10), dcode.load_settings(), n=4,
                             out=Path("run.jsonl"))     # resumable; rows as they land
    dcode.summarize(outcome.rows, (1, 4)).pass_at_k

docs/api.md has a whole script.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "load_problem": "dcode.problem", "load_tests": "dcode.problem", "Problem": "dcode.problem",
    "IOTest": "dcode.problem", "CallTest": "dcode.problem", "AssertTest": "dcode.problem",
    "PytestTest": "dcode.problem", "bind_module": "dcode.problem",
    "parse_problem": "dcode.problem", "typed_test": "dcode.problem",
    "in_memory": "dcode.problem.project", "project_test": "dcode.problem.testfiles",
    "check": "dcode.sandbox", "check_many": "dcode.sandbox", "Sandbox": "dcode.sandbox", "Limits": "dcode.sandbox",
    "CheckResult": "dcode.sandbox", "TestResult": "dcode.sandbox", "Verdict": "dcode.sandbox",
    "load_engine": "dcode.engines", "Sampling": "dcode.engines", "Engine": "dcode.engines",
    "load_settings": "dcode.config", "Settings": "dcode.config",
    "solve": "dcode.loops", "Budget": "dcode.loops", "SolveOptions": "dcode.loops", "SolveResult": "dcode.loops",
    "revise": "dcode.loops.revise", "recheck": "dcode.loops.revise",
    "solve_file": "dcode.loops.files", "fix_module": "dcode.loops.fix", "generate_tests": "dcode.loops.testgen",
    "load_suite": "dcode.eval.suites", "evaluate": "dcode.eval.run", "summarize": "dcode.eval.summary",
    "compare_runs": "dcode.eval.compare", "read_run": "dcode.eval.runfile",
    "BadInput": "dcode.errors",
}

_RENAMED = {"compare_runs": "compare"}  # public names that say more than the module's own

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dcode' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
