"""A user's project as pytest sees it: its root, its files, and where the module under test sits.

`python -m pytest` run in the project folder is the reference: the root is found the way
pytest finds its rootdir (an ini file, else setup.py, else pyproject.toml, upward from the
common ancestor of the paths), every file under it travels (conftest.py files, data files
beside the tests, the package the module belongs to), and the candidate's code takes the
module's place. The same `Project` comes from memory too (an editor's unsaved buffers, a
trainer's generated bodies): a mapping of relative path -> text.
"""
from __future__ import annotations

import configparser
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dcode.errors import BadInput

MAX_PROJECT_BYTES = 16 * 1024 * 1024
MAX_PROJECT_FILES = 5000
MAX_FILE_BYTES = 4 * 1024 * 1024
SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".pytest_cache", ".venv", "venv", "node_modules",
             ".mypy_cache", ".ruff_cache", ".tox", ".nox", "build", "dist", ".eggs", "site-packages", ".idea",
             ".vscode"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".so", ".o", ".gguf", ".bin", ".safetensors", ".pt", ".whl", ".zip", ".gz"}


@dataclass(frozen=True, eq=False)
class Project:
    """Files by relative POSIX path (text, or bytes for data that is not UTF-8); `root` where they came from."""

    files: Mapping[str, str | bytes] = field(default_factory=dict)
    root: Path | None = None

    def without(self, paths: tuple[str, ...]) -> dict[str, str | bytes]:
        """The files, less those at or under each of `paths` (hidden tests the loop holds back)."""
        if not paths:
            return dict(self.files)
        return {p: data for p, data in self.files.items() if not any(_under(p, h) for h in paths)}

    def relative(self, path: Path) -> str | None:
        """`path` relative to the root, or None when it lies outside (or the project is only in memory)."""
        if self.root is None:
            return None
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None


def _under(path: str, top: str) -> bool:
    top = top.rstrip("/")
    return top in ("", ".") or path == top or path.startswith(top + "/")


def in_memory(files: Mapping[str, str | bytes]) -> Project:
    """A project given as relative path -> text, as an editor or a trainer holds it."""
    clean: dict[str, str | bytes] = {}
    for name, data in files.items():
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise BadInput(f"{name}: project paths must be relative and stay inside the project")
        if not isinstance(data, (str, bytes)):
            raise BadInput(f"{name}: project files must be text or bytes")
        clean[rel.as_posix()] = data
    return Project(files=clean)


# -- finding the root, as pytest does ----------------------------------------------------

def _ini_here(d: Path) -> bool:
    """Does `d` hold a file pytest takes for its configuration?"""
    if (d / "pytest.ini").is_file() or (d / ".pytest.ini").is_file():
        return True
    if (d / "pyproject.toml").is_file():
        try:
            data = tomllib.loads((d / "pyproject.toml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        if "ini_options" in data.get("tool", {}).get("pytest", {}):
            return True
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        if (d / name).is_file():
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read(d / name, encoding="utf-8")
            except (configparser.Error, OSError, UnicodeDecodeError):
                continue
            if parser.has_section(section):
                return True
    return False


def _upward(start: Path):
    d = start
    while True:
        yield d
        if d.parent == d:
            return
        d = d.parent


def find_root(*paths: Path) -> Path:
    """pytest's rootdir for these paths: the first ancestor with an ini file, else with setup.py,
    else with a pyproject.toml, else their common ancestor."""
    resolved = [Path(p).resolve() for p in paths]
    ancestor = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in resolved]))
    home = Path.home().resolve()
    for marker in (_ini_here, lambda d: (d / "setup.py").is_file(), lambda d: (d / "pyproject.toml").is_file()):
        for d in _upward(ancestor):
            if d == home or d == Path("/"):
                break  # a stray file in the home folder or at / does not make the whole disk a project
            if marker(d):
                return d
    return ancestor


CONFIG_FILES = {"pyproject.toml", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "setup.py", "conftest.py"}


def load_project(root: Path, focus: tuple[str, ...] = ()) -> Project:
    """Every file under `root` that a test may read, skipping caches, VCS data, venvs and builds.

    A project larger than the limit is read again leaner: its Python and configuration
    files, and everything under `focus` (the tests' own folders), where data files live.
    """
    root = Path(root).resolve()
    try:
        return Project(files=_read_tree(root, lambda rel: True), root=root)
    except _TooLarge:
        pass
    keep = [f.rstrip("/") for f in focus if f not in ("", ".")]

    def lean(rel: str) -> bool:
        return rel.endswith(".py") or Path(rel).name in CONFIG_FILES or any(_under(rel, f) for f in keep)
    try:
        return Project(files=_read_tree(root, lean), root=root)
    except _TooLarge:
        raise BadInput(f"{root}: the project's code and tests are larger than {MAX_PROJECT_BYTES // 2**20} MB "
                       f"or {MAX_PROJECT_FILES} files") from None


class _TooLarge(Exception):
    pass


def _read_tree(root: Path, wanted) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    total = 0
    for top, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")
                         and not (Path(top, d) / "pyvenv.cfg").exists())
        for name in sorted(names):
            path = Path(top, name)
            rel = path.relative_to(root).as_posix()
            if path.suffix in SKIP_SUFFIXES or path.is_symlink() or not path.is_file() or not wanted(rel):
                continue
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                continue  # a large data file is not a test's business; skipped, not fatal
            total += size
            if total > MAX_PROJECT_BYTES or len(files) >= MAX_PROJECT_FILES:
                raise _TooLarge
            try:
                data = path.read_bytes()
            except OSError as e:
                raise BadInput(f"{path}: cannot read: {e.strerror}") from None
            try:
                files[rel] = data.decode("utf-8")
            except UnicodeDecodeError:
                files[rel] = data
    return files


def dotted_name(module_path: str, files: Mapping[str, object]) -> str:
    """The name a module is imported by: its path from the first folder up without an `__init__.py`."""
    parts = list(PurePosixPath(module_path).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    start = len(parts) - 1
    while start > 0 and "/".join(parts[:start] + ["__init__.py"]) in files:
        start -= 1
    return ".".join(parts[start:])


def pythonpath(files: Mapping[str, str | bytes]) -> list[str]:
    """The `pythonpath` entries of the root's pytest configuration, relative to the root."""
    text = files.get("pyproject.toml")
    entries: list[str] = []
    if isinstance(text, str):
        try:
            value = tomllib.loads(text).get("tool", {}).get("pytest", {}).get("ini_options", {}).get("pythonpath")
        except tomllib.TOMLDecodeError:
            value = None
        entries = [value] if isinstance(value, str) else list(value or [])
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest"), ("tox.ini", "pytest"),
                          ("setup.cfg", "tool:pytest")):
        text = files.get(name)
        if isinstance(text, str) and not entries:
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read_string(text)
            except configparser.Error:
                continue
            if parser.has_option(section, "pythonpath"):
                entries = parser.get(section, "pythonpath").split()
    return [str(e) for e in entries if isinstance(e, str)]
