"""Does a suite overlap what a model was trained on? Only a model `dcode train` made can say.

Training writes a manifest beside the GGUF it exports (`<model>.gguf.train.json`, or
`train.json` in the model's folder): the tasks it learned from, each with the fingerprint
of its statement (eval/suites.py `fingerprint`). A suite task with the same id or the same
fingerprint was seen in training, and its score measures memory as much as skill.
"""
from __future__ import annotations

import json
from pathlib import Path

from dcode.eval.suites import Suite


def manifest_path(model_path: Path) -> Path | None:
    for candidate in (model_path.with_name(model_path.name + ".train.json"), model_path.parent / "train.json"):
        if candidate.is_file():
            return candidate
    return None


def overlap(suite: Suite, model_path: Path | None) -> tuple[Path | None, list[str]]:
    """The manifest found (if any), and the ids of suite tasks that its training tasks include."""
    if model_path is None:
        return None, []
    path = manifest_path(model_path)
    if path is None:
        return None, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tasks = data.get("tasks", []) if isinstance(data, dict) else []
        ids = {str(t.get("id")) for t in tasks if isinstance(t, dict)}
        prints = {str(t.get("fingerprint")) for t in tasks if isinstance(t, dict) and t.get("fingerprint")}
    except (OSError, ValueError, AttributeError):
        return path, []
    return path, [t.id for t in suite.tasks if t.id in ids or (t.fingerprint and t.fingerprint in prints)]
