"""The two entry points: `load_problem` for a task, `load_tests` for a file of tests."""
from __future__ import annotations

from pathlib import Path

from dcode.errors import BadInput
from dcode.problem.markdown import load_markdown
from dcode.problem.pysource import load_stub
from dcode.problem.testfiles import load_json_tests, pytest_test
from dcode.problem.types import Problem, TestCase

MARKDOWN_SUFFIXES = {".md", ".markdown", ".txt"}


def _exists(path: Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    return path


def load_problem(path: Path) -> Problem:
    """A problem from Markdown (`.md`, `.markdown`, `.txt`) or a Python stub (`.py`)."""
    path = _exists(path)
    if path.is_dir():
        raise BadInput(f"{path}: is a folder, expected a problem file (.md or .py)")
    if path.suffix.lower() == ".py":
        return load_stub(path)
    if path.suffix.lower() in MARKDOWN_SUFFIXES or not path.suffix:
        return load_markdown(path)
    raise BadInput(f"{path}: unknown problem format {path.suffix!r} (expected .md or a .py stub)")


def load_tests(path: Path, *, hidden: bool = False) -> list[TestCase]:
    """Tests from a problem (`.md`), a JSON file, or a pytest file or folder.

    `hidden` marks every test as hidden (for `hidden-tests:` in a problem).
    """
    path = _exists(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        return [pytest_test(path, hidden=hidden)]
    if suffix == ".json":
        return load_json_tests(path, hidden=hidden)
    if suffix == ".py":
        return [pytest_test(path, hidden=hidden)]
    if suffix in MARKDOWN_SUFFIXES:
        tests = load_markdown(path).tests
        if hidden:
            from dataclasses import replace

            tests = [replace(t, hidden=True) for t in tests]
        return tests
    raise BadInput(f"{path}: unknown test format {path.suffix!r} (expected .md, .json, .py or a folder)")
