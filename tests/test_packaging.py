"""A wheel of dcode carries what an installed copy needs at run time, not only the checkout."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_the_model_registry_and_the_sandbox(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(tmp_path.glob("dcode-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        registry = z.read("dcode/models/registry.toml").decode()
    assert registry == (ROOT / "models" / "registry.toml").read_text()
    sandbox = ("server", "harness", "boot", "channel", "crossing", "proxy", "split", "pytest_side", "landlock", "plan")
    assert {f"dcode/sandbox/{m}.py" for m in sandbox} <= names
