"""The hostile programs of tests/sandbox, run again through the cluster: the same containment, the same verdicts.

The functions are tests/sandbox's own, collected here a second time; their `sandbox` and
`solo` fixtures are the sandbox on the Ray cluster (conftest.py), so each program runs in
a node's pool, behind the Ray actor, exactly as a training reward or an evaluation would.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

HOSTILE = ("test_isolation", "test_cheats")


def _load(name: str):
    path = Path(__file__).parents[1] / "sandbox" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"on_ray_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


for _name in HOSTILE:
    for _attr, _test in vars(_load(_name)).items():
        if _attr.startswith("test_") and callable(_test):
            globals()[f"test_{_name[5:]}__{_attr[5:]}"] = _test
