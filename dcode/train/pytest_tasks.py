"""Tasks from the user's pytest tests: one per function whose body some test depends on.

Which tests touch a function is measured, not guessed from names: the suite runs once
with the code as it is, then once per function with that function's body replaced by
`raise NotImplementedError`. A test that passed before and fails now depends on the body
(called directly or through other code), and those tests are the function's reward.
A function no test depends on gets no task; so does one whose tests already fail. This
is mutation testing's "does any test notice?" (DeMillo, Lipton and Sayward's mutants),
used here to route rewards, and every run is an ordinary check in the sandbox.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dcode.errors import BadInput, read_user_text
from dcode.problem.project import Project, _under
from dcode.problem.testfiles import pytest_test
from dcode.problem.types import Problem, PytestTest
from dcode.pyast import parse_python
from dcode.sandbox.verdict import CheckResult, Limits
from dcode.train.tasks import TaskSet, TrainTask

CheckMany = Callable[[list], list[CheckResult]]
PROBE = "raise NotImplementedError('dcode: body removed')"
SKIP_FILES = {"setup.py", "conftest.py", "noxfile.py", "fabfile.py"}


@dataclass(frozen=True)
class Function:
    """A function in a module's text: where its header (decorators, def, docstring) and body lie."""

    qualname: str
    name: str
    line: int
    header_start: int  # offsets into the module's text
    body_start: int
    body_end: int
    indent: int

    def split(self, text: str) -> tuple[str, str, str, str]:
        """(before, header, body, after)."""
        return (text[:self.header_start], text[self.header_start:self.body_start],
                text[self.body_start:self.body_end], text[self.body_end:])

    def probe(self, text: str) -> str:
        before, header, _body, after = self.split(text)
        return before + header + " " * (self.indent + 4) + PROBE + "\n" + after


def _offsets(text: str) -> list[int]:
    starts, total = [], 0
    for line in text.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    starts.append(total)
    return starts


def functions(text: str) -> list[Function]:
    """Top-level functions and methods of top-level classes that have a body beyond their docstring."""
    tree = parse_python(text)
    starts = _offsets(text)
    found: list[Function] = []

    def visit(nodes, prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.ClassDef) and not prefix:
                visit(node.body, node.name + ".")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                        and isinstance(body[0].value.value, str):
                    body = body[1:]
                if not body or body[0].lineno == node.lineno:  # a docstring-only stub, or `def f(): return 1`
                    continue
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                found.append(Function(prefix + node.name, node.name, node.lineno, starts[first - 1],
                                      starts[body[0].lineno - 1], starts[node.end_lineno], node.col_offset))

    visit(tree.body, "")
    return found


def task_problem(text: str, fn: Function, module_path: str, test: PytestTest, targets: tuple[str, ...]) -> Problem:
    before, header, _body, after = fn.split(text)
    return Problem(statement=header, tests=[_targeted(test, module_path, targets)], style="function",
                   title=f"{module_path}::{fn.qualname}", function_name=fn.name, starter_code=header,
                   surrounding=(before, after), source=test.project.root / module_path if test.project and
                   test.project.root else None)


def _targeted(test: PytestTest, module_path: str, targets: tuple[str, ...]) -> PytestTest:
    from dcode.problem.project import dotted_name

    files = test.project.files if test.project is not None else {}
    return PytestTest(path=test.path, module=dotted_name(module_path, files), name=f"{len(targets)} test(s)",
                      project=test.project, targets=targets, module_path=module_path)


def _modules(project: Project, tests_target: str) -> list[str]:
    """The project's own Python modules: not test files, not under the tests' folder, not build scripts."""
    out = []
    for path, data in sorted(project.files.items()):
        name = Path(path).name
        if not path.endswith(".py") or not isinstance(data, str) or name in SKIP_FILES:
            continue
        if name.startswith("test_") or name.endswith("_test.py") or _under(path, tests_target):
            continue
        out.append(path)
    return out


def function_tasks(tests_dir: Path, tasks: TaskSet, *, limits: Limits | None = None,
                   check_many: CheckMany | None = None, on_progress: Callable[[str], None] | None = None) -> None:
    """Add a task for every function of the project that a test in `tests_dir` depends on; the others to dropped."""
    if check_many is None:
        from dcode.sandbox import check_many as sandbox_check_many

        check_many = lambda jobs: sandbox_check_many(jobs, limits)  # noqa: E731
    suite = pytest_test(tests_dir)
    project, target = suite.project, suite.targets[0]
    assert project is not None
    modules = {m: project.files[m] for m in _modules(project, target)}
    parsed: dict[str, list[Function]] = {}
    for module_path, text in modules.items():
        try:
            parsed[module_path] = functions(text)  # type: ignore[arg-type]
        except SyntaxError as e:
            tasks.drop(module_path, f"does not parse (line {e.lineno}): its functions get no tasks", module_path)
    jobs, owners = [], []
    for module_path, fns in parsed.items():
        test = _targeted(suite, module_path, (target,))
        jobs.append((modules[module_path], [test]))
        owners.append((module_path, None))
        for fn in fns:
            jobs.append((fn.probe(modules[module_path]), [test]))  # type: ignore[arg-type]
            owners.append((module_path, fn))
    if on_progress:
        on_progress(f"running the tests {len(jobs)} times: once as they are, once without each of "
                    f"{len(jobs) - len(parsed)} function bodies")
    results = check_many(jobs)
    baseline: dict[str, set[str]] = {}
    for (module_path, fn), check in zip(owners, results):
        if fn is None:
            baseline[module_path] = {r.test.name for r in check.results if r.passed}
            if not baseline[module_path]:
                tasks.drop(module_path, "no test passes with the code as it is: its functions get no tasks",
                           module_path)
    for (module_path, fn), check in zip(owners, results):
        if fn is None or not baseline.get(module_path):
            continue
        where = f"{module_path}:{fn.line}"
        touched = tuple(sorted(baseline[module_path] - {r.test.name for r in check.results if r.passed}))
        task_id = f"{module_path}::{fn.qualname}"
        if not touched:
            tasks.drop(task_id, "no test depends on its body", where)
            continue
        text = modules[module_path]
        problem = task_problem(text, fn, module_path, suite, touched)  # type: ignore[arg-type]
        tasks.train.append(TrainTask(task_id, "pytest", problem, where, touched, reference=fn.split(text)[2],  # type: ignore[arg-type]
                                     recipe={"root": str(project.root), "module": module_path,
                                             "function": fn.qualname, "tests_dir": str(tests_dir)}))


def rebuild_function_task(row: dict) -> TrainTask:
    """The task of a tasks file's row, from the module as it is on disk now."""
    root, module_path, qualname = Path(row["root"]), row["module"], row["function"]
    text = read_user_text(root / module_path, "a Python module")
    try:
        fn = next(f for f in functions(text) if f.qualname == qualname)
    except (StopIteration, SyntaxError):
        raise BadInput(f"{root / module_path}: has no function {qualname} now (task {row['id']})") from None
    suite = pytest_test(Path(row["tests_dir"]))
    targets = tuple(row.get("tests") or suite.targets)
    problem = task_problem(text, fn, module_path, suite, targets)
    return TrainTask(row["id"], "pytest", problem, f"{module_path}:{fn.line}", targets, reference=fn.split(text)[2],
                     recipe={k: row[k] for k in ("root", "module", "function", "tests_dir")})
