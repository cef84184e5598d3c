"""The server's settings: what the client sends at `initialize` and in `workspace/didChangeConfiguration`.

Clients spell settings their own way (VS Code nests them under the extension's section,
Neovim passes a flat table), so both `{"dcode": {...}}` and `{...}` are read, in camelCase
or snake_case. A bad value is reported and ignored, never fatal: the server keeps what it had.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

TESTED_MODES = ("off", "rank", "require")


@dataclass(frozen=True)
class ServerSettings:
    engine: str | None = None  # None: dcode's configured engine (config.toml, DCODE_*)
    model: str | None = None
    server_url: str | None = None
    enabled: bool = True  # inline suggestions
    max_tokens: int = 48  # per inline suggestion
    suggestions: int = 1  # samples per inline request (more gives the examples more to choose from)
    debounce_ms: int = 60
    tested: str = "rank"  # off | rank (passing suggestions first) | require (only passing ones)
    check_timeout_s: float = 2.0
    diagnostics: bool = False  # run the file's tests after save and publish the failures
    max_prefix_lines: int = 120
    max_suffix_lines: int = 40

    @property
    def model_key(self) -> tuple:
        """What a change of makes the model load again."""
        return (self.engine, self.model, self.server_url)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


_CHECKS = {
    "max_tokens": lambda v: 1 <= v <= 4096, "suggestions": lambda v: 1 <= v <= 8, "debounce_ms": lambda v: 0 <= v <= 5000,
    "tested": lambda v: v in TESTED_MODES, "check_timeout_s": lambda v: 0 < v <= 30,
    "max_prefix_lines": lambda v: 1 <= v <= 10_000, "max_suffix_lines": lambda v: 0 <= v <= 10_000,
}


def updated(current: ServerSettings, raw: Any) -> tuple[ServerSettings, list[str]]:
    """`current` with what `raw` sets, and one warning per value that was unknown or bad (and ignored)."""
    if isinstance(raw, dict) and isinstance(raw.get("dcode"), dict):
        raw = raw["dcode"]
    if raw is None:
        return current, []
    if not isinstance(raw, dict):
        return current, [f"settings must be an object, got {type(raw).__name__}"]
    kinds = {f.name: f.type for f in fields(ServerSettings)}
    changes: dict[str, Any] = {}
    warnings = []
    for key, value in raw.items():
        name = _snake(str(key))
        if name not in kinds:
            warnings.append(f"unknown setting {key!r} ignored")
            continue
        default = getattr(ServerSettings(), name)
        ok = _coerce(name, value, default)
        if ok is _BAD:
            warnings.append(f"setting {key!r}: bad value {value!r} ignored")
            continue
        changes[name] = ok
    return replace(current, **changes), warnings


_BAD = object()


def _coerce(name: str, value: Any, default: Any) -> Any:
    if value is None:
        return None if default is None else _BAD
    if default is None:  # engine, model, server_url: strings, "" meaning "dcode's own"
        return (value or None) if isinstance(value, str) else _BAD
    if isinstance(default, bool):
        return value if isinstance(value, bool) else _BAD
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            return _BAD
        value = int(value)
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _BAD
        value = float(value)
    elif not isinstance(value, type(default)):
        return _BAD
    check = _CHECKS.get(name)
    return value if check is None or check(value) else _BAD
