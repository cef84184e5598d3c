"""Registering a model file of the user's own (what `dcode train --export NAME` made) by name.

The entry goes to the user's registry (`models.toml` beside config.toml, or
DCODE_USER_REGISTRY), which `load_registry` reads after the shipped one, so
`DCODE_MODEL=NAME dcode solve ...` and `dcode lsp` find the file where it lies.
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

from dcode.errors import BadInput
from dcode.models.gguf import check_gguf
from dcode.models.registry import default_registry_path, load_registry, user_registry_path

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))  # a JSON string is a TOML basic string


def register_local(name: str, gguf: Path, *, family: str, description: str, context_length: int,
                   chat_template: str = "gguf", reasoning: bool = False) -> Path:
    """Add (or replace) the user's model NAME for the GGUF file at `gguf`; the registry file written."""
    if not name or set(name) - NAME_CHARS or name[0] in "-.":
        raise BadInput(f"model name {name!r}: use lower-case letters, digits, '-', '_' and '.'")
    if name in load_registry(default_registry_path()):
        raise BadInput(f"model name {name!r} is one of dcode's own models; choose another")
    gguf = gguf.resolve()
    check_gguf(gguf)
    path = user_registry_path()
    models: dict = {}
    if path.is_file():
        try:
            models = tomllib.loads(path.read_text(encoding="utf-8")).get("models", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BadInput(f"{path}: not valid TOML: {e}") from None
    models[name] = {"family": family, "description": description, "backends": ["llama_cpp"],
                    "size": gguf.stat().st_size, "context_length": context_length, "chat_template": chat_template,
                    "reasoning": reasoning, "gguf": {"file": gguf.name, "path": str(gguf)}}
    lines = ["# Your own models (dcode train --export NAME writes here). dcode reads this after its registry.", ""]
    for model, fields in sorted(models.items()):
        lines.append(f"[models.{json.dumps(model)}]")
        lines += [f"{key} = {_toml(value)}" for key, value in fields.items()]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)
    return path
