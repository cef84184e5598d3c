"""The layering contracts in pyproject.toml: kept by the code, and broken by a library module that imports rich."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_layers_are_kept():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "4 kept, 0 broken" in done.stdout


def test_a_library_module_that_draws_breaks_a_contract(tmp_path):
    shutil.copytree(ROOT / "dcode", tmp_path / "dcode", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "lsp", tmp_path / "lsp", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "dcode" / "loops" / "drawing.py").write_text("from rich.console import Console\n")
    (tmp_path / "dcode" / "problem" / "upward.py").write_text("from dcode.loops import solve\n")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "only the CLI knows typer and rich BROKEN" in done.stdout
    assert "2 kept, 2 broken" in done.stdout  # the upward import breaks the layers too
