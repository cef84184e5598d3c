"""Accept: write the selected candidate's code to a file the user names, never over one that exists."""
from __future__ import annotations

from pathlib import Path


def write_new_file(path: Path, code: str) -> str:
    """Write `code` to `path` when nothing is there yet; the one line to tell the user either way."""
    path = path.expanduser()
    if path.exists():
        return f"dcode: {path} exists; nothing written (choose another name)"
    if not path.parent.is_dir():
        return f"dcode: folder {path.parent} does not exist; nothing written"
    try:
        with path.open("x", encoding="utf-8") as f:  # "x": a file that appeared meanwhile is not overwritten
            f.write(code if code.endswith("\n") else code + "\n")
    except OSError as e:
        return f"dcode: {path}: {e.strerror or e}; nothing written"
    return f"dcode: wrote {path}"
