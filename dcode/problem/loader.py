"""The two entry points: `load_problem` for a task, `load_tests` for a file of tests."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dcode.errors import BadInput, read_user_text
from dcode.problem.markdown import load_markdown, parse_markdown
from dcode.problem.pysource import defines_pytest_tests, load_stub, parse_stub
from dcode.problem.testfiles import load_json_tests, pytest_test
from dcode.problem.types import Problem, TestCase

MARKDOWN_SUFFIXES = {".md", ".markdown", ".txt"}


def _exists(path: Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    return path


def load_problem(path: Path) -> Problem:
    """A problem from Markdown (`.md`, `.markdown`, `.txt`) or a Python stub (`.py`).

        problem = load_problem(Path("examples/two-sum.md"))
        problem.style, len(problem.visible_tests), len(problem.hidden_tests)
    """
    path = _exists(path)
    if path.is_dir():
        raise BadInput(f"{path}: is a folder, expected a problem file (.md or .py)")
    if path.suffix.lower() == ".py":
        return load_stub(path)
    if path.suffix.lower() in MARKDOWN_SUFFIXES or not path.suffix:
        return load_markdown(path)
    raise BadInput(f"{path}: unknown problem format {path.suffix!r} (expected .md or a .py stub)")


def parse_problem(text: str, source: Path | None = None) -> Problem:
    """A problem from text a person edited (a stub when `source` is a .py file, else Markdown): load_problem
    without reading the file, so an edit can be tried before anything is saved."""
    origin = str(source) if source is not None else "<problem>"
    if source is not None and source.suffix.lower() == ".py":
        return parse_stub(text, origin, source=source)
    if not text.strip():
        raise BadInput(f"{origin}: is empty, expected a problem statement")
    problem = parse_markdown(text, origin=origin, base_dir=source.parent if source is not None else None)
    problem.source = source
    if not problem.title and source is not None:
        problem.title = source.stem
    return problem


def load_tests(path: Path, *, hidden: bool = False) -> list[TestCase]:
    """Tests from a problem (`.md`), a JSON file, a pytest file or folder, or a stub's examples (`.py`).

    `hidden` marks every test as hidden (for `hidden-tests:` in a problem).
    """
    path = _exists(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        return [pytest_test(path, hidden=hidden)]
    if suffix == ".json":
        return load_json_tests(path, hidden=hidden)
    if suffix == ".py":
        return _python_tests(path, hidden)
    if suffix in MARKDOWN_SUFFIXES:
        tests = load_markdown(path).tests
        return [replace(t, hidden=True) for t in tests] if hidden else tests
    raise BadInput(f"{path}: unknown test format {path.suffix!r} (expected .md, .json, .py or a folder)")


def _python_tests(path: Path, hidden: bool) -> list[TestCase]:
    """A pytest file, or a stub whose docstring examples are its tests (what `dcode solve stub.py` checks).

    Why both: `dcode solve stub.py -o s.py && dcode check s.py --tests stub.py` must check
    the examples that solve checked. A file with neither, named like a test file, is still
    handed to pytest (which says what it collected); any other is not a test file at all.
    """
    if defines_pytest_tests(read_user_text(path, "a Python file")):
        return [pytest_test(path, hidden=hidden)]
    try:
        tests = load_stub(path).tests
    except BadInput:
        tests = []
    if tests:
        return [replace(t, hidden=True) for t in tests] if hidden else tests
    if _named_like_tests(path):
        return [pytest_test(path, hidden=hidden)]
    raise BadInput(f"{path}: holds no tests (no test functions or asserts, and no examples in a docstring)")


def _named_like_tests(path: Path) -> bool:
    return path.name.startswith("test_") or path.stem.endswith("_test") or path.name == "conftest.py"
