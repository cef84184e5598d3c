"""Test files given on their own (`dcode check --tests`): JSON cases and pytest files."""
from __future__ import annotations

import ast
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any


from dcode.errors import BadInput, read_user_text
from dcode.problem.project import SKIP_DIRS, Project, dotted_name, find_root, load_project
from dcode.problem.types import CallTest, IOTest, PytestTest, TestCase
from dcode.pyast import parse_python

JSON_KEYS = ("io", "calls")


def load_json_tests(path: Path, *, hidden: bool = False) -> list[TestCase]:
    """`{"io": [{"input", "output"}]}` and/or `{"calls": [{"fn", "args", "expected"}]}`.

    Each case may carry `"name"` and `"hidden": true`.
    """
    text = read_user_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    return json_tests(data, str(path), hidden=hidden)


def json_tests(data: Any, path: str, *, hidden: bool = False, bare_list: bool = False) -> list[TestCase]:
    """The tests of load_json_tests' object, already parsed (a JSONL row's "tests"); with `bare_list`, a
    plain list of cases is read as "io" or "calls" by its keys. `path` names the place in errors."""
    if bare_list and isinstance(data, list):
        data = {"calls" if all(isinstance(c, dict) and "fn" in c for c in data) and data else "io": data}
    if not isinstance(data, dict) or not any(k in data for k in JSON_KEYS):
        raise BadInput(f"{path}: expected an object with an \"io\" or \"calls\" list")
    unknown = set(data) - set(JSON_KEYS)
    if unknown:
        raise BadInput(f"{path}: unknown key {sorted(unknown)[0]!r} (known: io, calls)")
    tests: list[TestCase] = []
    for key in JSON_KEYS:
        cases = data.get(key, [])
        if not isinstance(cases, list):
            raise BadInput(f"{path}: \"{key}\" must be a list")
        for i, case in enumerate(cases):
            where = f"{path}: {key}[{i}]"
            tests.append(_io_case(case, where, hidden) if key == "io" else _call_case(case, where, hidden))
    return tests


def _fields(case: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict:
    if not isinstance(case, dict):
        raise BadInput(f"{where}: must be an object")
    missing = [k for k in required if k not in case]
    if missing:
        raise BadInput(f"{where}: missing {missing[0]!r}")
    extra = set(case) - set(required) - set(optional)
    if extra:
        raise BadInput(f"{where}: unknown key {sorted(extra)[0]!r}")
    if not isinstance(case.get("name", ""), str) or not isinstance(case.get("hidden", False), bool):
        raise BadInput(f"{where}: \"name\" must be a string and \"hidden\" a boolean")
    return case


def _io_case(case: Any, where: str, hidden: bool) -> IOTest:
    case = _fields(case, where, ("input", "output"), ("name", "hidden"))
    for key in ("input", "output"):
        if not isinstance(case[key], str):
            raise BadInput(f"{where}: \"{key}\" must be a string")
    return IOTest(case["input"], case["output"], case.get("name", ""), hidden or case.get("hidden", False))


def _call_case(case: Any, where: str, hidden: bool) -> CallTest:
    case = _fields(case, where, ("fn", "args", "expected"), ("name", "hidden"))
    if not isinstance(case["fn"], str) or not case["fn"].isidentifier():
        raise BadInput(f"{where}: \"fn\" must be a function name")
    if not isinstance(case["args"], list):
        raise BadInput(f"{where}: \"args\" must be a list")
    return CallTest(case["fn"], tuple(case["args"]), case["expected"], case.get("name", ""),
                    hidden or case.get("hidden", False))


def pytest_test(path: Path, *, hidden: bool = False) -> PytestTest:
    """A pytest file or folder, inside the project pytest would find for it (see problem/project.py).

    Until `bind_module` says where the code under test lives, the candidate is importable
    as `solution`, from the project's root.
    """
    path = Path(path)
    if path.is_file():
        try:
            parse_python(read_user_text(path))
        except SyntaxError as e:
            raise BadInput(f"{path}:{e.lineno}: test file does not parse: {e.msg}") from None
    else:
        if not any(path.rglob("*.py")):
            raise BadInput(f"{path}: folder holds no Python test files")
        if not any(_is_test_file(p) for p in path.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(path).parts)):
            raise BadInput(f"{path}: folder holds no test files (test_*.py or *_test.py)")
    root = find_root(path)
    target = path.resolve().relative_to(root).as_posix()
    project = load_project(root, focus=(target if path.is_dir() else str(Path(target).parent),))
    return PytestTest(path=path.resolve(), name=path.name, hidden=hidden, project=project, targets=(target,))


def project_test(project: Project, targets: tuple[str, ...] | list[str], module_path: str, *,
                 name: str = "", hidden: bool = False) -> PytestTest:
    """Tests of a project held in memory: `targets` (paths or node ids) run against the module at `module_path`.

        files = {"mymod.py": buffer_text, "tests/test_mymod.py": tests_text}
        test = project_test(in_memory(files), ["tests"], "mymod.py")
        check(candidate_code, [test])                              # the candidate replaces mymod.py
    """
    if module_path and not module_path.endswith(".py"):
        raise BadInput(f"{module_path}: the module under test must be a .py file")
    module = dotted_name(module_path, project.files) if module_path else "solution"
    return PytestTest(path=Path(targets[0] if targets else "."), module=module, name=name or ",".join(targets),
                      hidden=hidden, project=project, targets=tuple(targets), module_path=module_path)


def _is_test_file(path: Path) -> bool:
    return path.name.startswith("test_") or path.stem.endswith("_test") or path.name == "conftest.py"


def imported_modules(test: PytestTest) -> set[str]:
    """Top-level module names a pytest file or folder imports."""
    files = [test.path] if test.path.is_file() else sorted(test.path.rglob("*.py"))
    names: set[str] = set()
    for f in files:
        try:
            tree = parse_python(f.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def bind_module(tests: list[TestCase], candidate: Path) -> list[TestCase]:
    """Put the candidate where the module it replaces lives, so the tests import it as they import that module.

    Inside the project: at its own path (`slugpkg/core.py` is imported as `slugpkg.core`,
    with its package and siblings around it). Outside: at the root, under its own name when
    the tests import that name (`from my_solution import f`), else as `solution`.
    """
    bound: list[TestCase] = []
    for t in tests:
        if isinstance(t, PytestTest):
            t = _bound(t, Path(candidate))
        bound.append(t)
    return bound


def _bound(test: PytestTest, candidate: Path) -> PytestTest:
    test = _rooted_with(test, candidate)
    rel = test.project.relative(candidate) if test.project is not None else None
    if rel is not None and rel.endswith(".py"):
        return replace(test, module_path=rel, module=dotted_name(rel, test.project.files))
    stem = candidate.stem
    if stem.isidentifier() and test.module != stem and stem in imported_modules(test):
        return replace(test, module=stem, module_path=f"{stem}.py" if test.project is not None else "")
    return test


def _rooted_with(test: PytestTest, candidate: Path) -> PytestTest:
    """Re-find the root from the tests and the module together, as pytest run in the project folder would.

    `--tests tests` alone finds no marker above `tests/`; with `mymod.py` beside it, their
    common folder is the project. A common folder that is only a shared place (/, the home
    folder, the temp folder, a parent of the working dir) is not taken for a project.
    """
    if test.project is None or test.project.root is None or test.project.relative(candidate) is not None:
        return test
    root = find_root(test.path, candidate)
    shared = {Path("/"), Path.home().resolve(), Path(tempfile.gettempdir()).resolve()}
    cwd = Path.cwd().resolve()
    if root in shared or (root != cwd and cwd.is_relative_to(root)) or not test.project.root.is_relative_to(root):
        return test
    targets = tuple(_retarget(t, test.project.root, root) for t in test.targets)
    project = load_project(root, focus=tuple(str(Path(t.split("::")[0]).parent if t.endswith(".py") else t)
                                             for t in targets))
    return replace(test, project=project, targets=targets)


def _retarget(target: str, old_root: Path, new_root: Path) -> str:
    path, sep, node = target.partition("::")
    moved = (old_root / path).resolve().relative_to(new_root).as_posix()
    return moved + sep + node


def hold_back(visible: list[TestCase], hidden: list[TestCase]) -> list[TestCase]:
    """Visible pytest tests that share a project with hidden ones must not carry the hidden files."""
    hidden_by_root: dict[Path, list[str]] = {}
    for h in hidden:
        if isinstance(h, PytestTest) and h.project is not None and h.project.root is not None:
            hidden_by_root.setdefault(h.project.root, []).extend(h.targets)
    if not hidden_by_root:
        return visible
    out: list[TestCase] = []
    for t in visible:
        if isinstance(t, PytestTest) and t.project is not None and t.project.root in hidden_by_root:
            t = replace(t, hide=tuple(hidden_by_root[t.project.root]))
        out.append(t)
    return out
