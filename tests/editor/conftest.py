"""The built extension, shared by the editor tests: `make vsix` runs npm ci, lint, type-check, the unit tests and
the bundle, once a session."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@pytest.fixture(scope="session")
def vsix_build() -> tuple[Path, str]:
    """The .vsix and what `make vsix` printed (the unit tests' report among it)."""
    done = subprocess.run(["make", "-s", "vsix"], cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"make vsix failed:\n{tail(done.stdout + done.stderr, 30)}"
    path = ROOT / "vscode-extension" / "dcode.vsix"
    assert path.is_file()
    return path, done.stdout + done.stderr


@pytest.fixture(scope="session")
def vsix(vsix_build) -> Path:
    return vsix_build[0]
