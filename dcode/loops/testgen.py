"""`test`: have the model propose pytest tests for a module, and keep the ones that pass.

The proposals are split into single test functions, each run in the sandbox against the
module as it is now: a test that fails either found a bug or is wrong, and dcode cannot
tell which, so it is dropped (and reported). The kept tests run once more under coverage.py,
inside the sandbox, to say how much of the module they exercise.
"""
from __future__ import annotations

import ast
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from dcode.engines.base import Cancel, Engine, Message, Sampling
from dcode.loops.candidates import code_key
from dcode.loops.events import EventLog, OnEvent, PhaseChanged
from dcode.loops.fix import read_module
from dcode.loops.generate import generate
from dcode.loops.prompts import ANSWER, Prompt, PromptStyle
from dcode.problem.project import in_memory
from dcode.problem.testfiles import project_test
from dcode.sandbox.verdict import Limits
from dcode.pyast import parse_python


@dataclass(frozen=True)
class ProposedTest:
    name: str
    body: str  # the test function
    header: tuple[str, ...] = ()  # the proposal's other top-level statements: imports, helpers
    verdict: str = ""
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    @property
    def source(self) -> str:
        return "\n\n".join(self.header) + "\n\n\n" + self.body.strip("\n") + "\n"


@dataclass
class TestGenResult:
    path: Path
    target: Path
    kept: list[ProposedTest]
    dropped: list[ProposedTest]
    source: str  # the test file to write: header plus every kept test
    coverage: float | None  # share of the module's statements the kept tests run, 0..1
    missing_lines: list[int] = field(default_factory=list)
    samples: int = 0
    completion_tokens: int = 0
    time_s: float = 0.0


def target_for(module: Path) -> Path:
    """tests/test_<module>.py when the module has a tests/ folder beside it, else test_<module>.py beside it.

    An existing file is never overwritten: the generated tests then go to test_<module>_dcode.py.
    """
    folder = module.parent / "tests" if (module.parent / "tests").is_dir() else module.parent
    target = folder / f"test_{module.stem}.py"
    return target if not target.exists() else folder / f"test_{module.stem}_dcode.py"


def tests_prompt(style: PromptStyle, name: str, code: str) -> Prompt:
    header = f"import pytest\n\nfrom {name} import *\n\n\ndef test_"
    if style == "chat":
        question = (f"Write pytest unit tests for the Python module `{name}` below. Import what you test from "
                    f"`{name}`. Write each test as a function named test_..., with plain asserts, checking "
                    "behaviour the code and its docstrings promise, including edge cases. No files, no network. "
                    f"Put all the tests in one python block.\n\n```python\n{code.rstrip()}\n```\n\n" + ANSWER + "\n")
        return Prompt("chat", messages=(Message("user", question),))
    text = f"# {name}.py\n{code.rstrip()}\n\n\n# test_{name}.py\n" + header
    return Prompt("complete", text=text, stop=("\n# ", "\n```", "\nif __name__"), prefix=header)


def split_tests(source: str) -> list[ProposedTest]:
    """Each top-level test function with the file's other top-level statements as its header.

    A proposal that does not parse is cut back to its longest prefix that does: base models
    often stop mid-function.
    """
    tree = None
    lines = source.splitlines()
    for end in range(len(lines), 0, -1):
        try:
            tree = parse_python("\n".join(lines[:end]))
            break
        except SyntaxError:
            continue
    if tree is None:
        return []
    kept_lines = "\n".join(lines[:end]).splitlines()
    header, tests = [], []
    for node in tree.body:
        text = "\n".join(kept_lines[node.lineno - 1 - len(getattr(node, "decorator_list", [])): node.end_lineno])
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            tests.append((node.name, text))
        else:
            header.append(text)
    return [ProposedTest(name, text, tuple(header)) for name, text in tests]


COVERAGE_HARNESS = '''
import builtins, contextlib, io, json, os, sys
MODULE, TESTS, NAME = {module!r}, {tests!r}, {name!r}
builtins.__dcode_lines__ = set()
with open(NAME + ".py", "w") as f:
    f.write(MODULE)
with open("test_generated.py", "w") as f:
    f.write(TESTS)
sys.path.insert(0, os.getcwd())
import pytest
with contextlib.redirect_stdout(io.StringIO()):
    code = pytest.main(["-q", "-p", "no:cacheprovider", "test_generated.py"])
print(json.dumps({{"lines": sorted(builtins.__dcode_lines__), "exit": int(code)}}))
'''


class _MarkLines(ast.NodeTransformer):
    """Put `__dcode_lines__.add(n)` before every statement, so running the module records its lines."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for name in ("body", "orelse", "finalbody"):
            stmts = getattr(node, name, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                setattr(node, name, self._marked(stmts))
        return node

    @staticmethod
    def _marked(stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, stmt in enumerate(stmts):
            docstring = i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
                and isinstance(stmt.value.value, str)
            future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
            if not (docstring or future):
                out.append(parse_python(f"__dcode_lines__.add({stmt.lineno})").body[0])
            out.append(stmt)
        return out


def instrument(code: str) -> str:
    """The module with a line marker before each statement (docstrings and __future__ imports stay first)."""
    tree = _MarkLines().visit(parse_python(code))
    return ast.unparse(ast.fix_missing_locations(tree))


def measure_coverage(name: str, module: str, tests: str, limits: Limits | None = None) -> tuple[float, list[int]] | None:
    """Line coverage of `module` by `tests`, run inside the sandbox; None if it could not be measured.

    coverage.py decides which lines are statements. It cannot trace inside the sandbox, which
    refuses `sys.settrace` so that no candidate can jump over an assert, so the module runs
    with a marker before each statement instead, and the markers hit are the lines run.
    """
    from coverage.python import PythonParser

    from dcode.sandbox import run_program

    parser = PythonParser(text=module)
    parser.parse_source()
    statements = set(parser.statements)
    result = run_program(COVERAGE_HARNESS.format(module=instrument(module), tests=tests, name=name), "", limits)
    try:
        data = json.loads((result.actual or result.stdout).strip().splitlines()[-1])
    except (ValueError, IndexError, AttributeError):
        return None
    missing = sorted(statements - set(data["lines"]))
    return ((len(statements) - len(missing)) / len(statements) if statements else 1.0), missing


def generate_tests(path: Path, engine: Engine, *, samples: int = 2, sampling: Sampling = Sampling(max_tokens=1024),
                   style: PromptStyle | None = None, limits: Limits | None = None, on_event: OnEvent | None = None,
                   cancel: Cancel | None = None) -> TestGenResult:
    """Ask for pytest tests of the module at `path`; keep those that pass against it, measure line coverage.

        result = generate_tests(Path("mymod.py"), load_engine(), samples=2)
        [t.name for t in result.kept], result.coverage, result.source   # nothing is written
    """
    from dcode.sandbox import check

    log = EventLog([on_event] if on_event else [])
    start = time.monotonic()
    code = read_module(path)
    name = path.stem
    style = style or ("chat" if engine.info.has_chat_template else "complete")
    prompt = tests_prompt(style, name, code)
    log(PhaseChanged("tests", f"asking for tests of {name}"))
    completions = generate(engine, prompt, replace(sampling, n=samples), log, call=1, purpose="tests", cancel=cancel)
    proposed: list[ProposedTest] = []
    seen: set[str] = set()
    names: set[str] = set()
    for c in completions:
        source = prompt.answer(c.text) or ""
        for test in split_tests(source):
            key = code_key(test.body)
            if key in seen:
                continue
            seen.add(key)
            unique = test.name
            while unique in names:
                unique += "_"
            names.add(unique)
            proposed.append(replace(test, name=unique, body=test.body.replace(f"def {test.name}(", f"def {unique}(", 1)))
    log(PhaseChanged("check", f"{len(proposed)} proposed test(s)"))
    kept, dropped = [], []
    # Each proposal is its own project in memory: its test file beside the module, nothing on disk.
    files = [f"test_{i:03d}_{test.name}.py" for i, test in enumerate(proposed)]
    pytests = [project_test(in_memory({f: test.source}), [f], f"{name}.py", name=test.name)
               for f, test in zip(files, proposed)]
    results = check(code, pytests, limits).results if proposed else []
    by_test = {}
    for r in results:
        by_test.setdefault(Path(str(getattr(r.test, "path", ""))).name, []).append(r)
    for f, test in zip(files, proposed):
        rs = by_test.get(f, [])
        ok = bool(rs) and all(r.passed for r in rs)
        verdict = "passed" if ok else (str(next((r.verdict for r in rs if not r.passed), "sandbox_error")))
        message = next((r.message for r in rs if not r.passed), "")
        (kept if ok else dropped).append(replace(test, verdict=verdict, message=message))
    source = assemble(kept)
    coverage = None
    missing: list[int] = []
    if kept:
        log(PhaseChanged("final", "measuring coverage"))
        measured = measure_coverage(name, code, source, limits)
        if measured is not None:
            coverage, missing = measured
    return TestGenResult(path=path, target=target_for(path), kept=kept, dropped=dropped, source=source,
                         coverage=coverage, missing_lines=missing, samples=len(completions),
                         completion_tokens=sum(c.completion_tokens for c in completions),
                         time_s=time.monotonic() - start)


def assemble(tests: list[ProposedTest]) -> str:
    """One test file: every distinct header line once, then each kept test."""
    if not tests:
        return ""
    header: list[str] = []
    for t in tests:
        header += [h for h in t.header if h.strip() and h not in header]
    return "\n\n".join(header) + "\n\n\n" + "\n\n\n".join(t.body.strip("\n") for t in tests) + "\n"
