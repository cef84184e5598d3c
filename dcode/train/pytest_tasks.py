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

from collections.abc import Callable
from pathlib import Path

from dcode.errors import BadInput
from dcode.problem.project import Project, _under
from dcode.problem.testfiles import imported_modules, pytest_test
from dcode.problem.functions import Function, functions, targeted, task_problem
from dcode.sandbox.verdict import CheckResult, Limits
from dcode.train.tasks import TaskSet, TrainTask

CheckMany = Callable[[list], list[CheckResult]]
SKIP_FILES = {"setup.py", "conftest.py", "noxfile.py", "fabfile.py"}


def _modules(project: Project, tests_target: str, imported: set[str]) -> list[str]:
    """The project's own Python modules in the packages the tests import: not test files, not under the
    tests' folder, not build scripts."""
    from dcode.problem.project import dotted_name

    out = []
    for path, data in sorted(project.files.items()):
        if not path.endswith(".py") or dotted_name(path, project.files).split(".")[0] not in imported:
            continue
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
    modules = {m: project.files[m] for m in _modules(project, target, imported_modules(suite))}
    if not modules:
        raise BadInput(f"{tests_dir}: its tests import none of the project's own modules")
    parsed: dict[str, list[Function]] = {}
    for module_path, text in modules.items():
        try:
            parsed[module_path] = functions(text)  # type: ignore[arg-type]
        except SyntaxError as e:
            tasks.drop(module_path, f"does not parse (line {e.lineno}): its functions get no tasks", module_path)
    jobs, owners = [], []
    for module_path, fns in parsed.items():
        if fns and Path(module_path).name == "__init__.py":  # the sandbox cannot stand in for a package yet
            for fn in fns:
                tasks.drop(f"{module_path}::{fn.qualname}", "functions in a package's __init__.py are not tasks yet",
                           f"{module_path}:{fn.line}")
            continue
        if not fns:
            continue
        test = targeted(suite, module_path, (target,))
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
