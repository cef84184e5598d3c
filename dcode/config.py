"""Every setting in one typed place: defaults, then the TOML file, then DCODE_* variables.

Why one place: the CLI, the TUI, the language server and training must agree on which
model and engine they use without passing flags around.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import platformdirs

from dcode import backends
from dcode.errors import BadInput

DEFAULT_MODEL = "gemma-3-270m"


@dataclass(frozen=True)
class Settings:
    engine: str = "llama_cpp"  # llama_cpp | openai | vllm
    model: str = DEFAULT_MODEL  # a registry name or a path to a GGUF file
    server_url: str = "http://127.0.0.1:8000/v1"  # for engine = openai; several: comma-separated
    api_key: str = ""
    threads: int = 0  # 0: as many as the machine has cores
    context_length: int = 4096
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 1024
    seed: int = -1  # -1: random
    workers: int = 0  # sandbox workers; 0: one per core (on a Ray cluster: per node, 0: the node's CPUs)
    ray_address: str = ""  # eval and train check on Ray: "" off, "local", "auto", "HOST:PORT", "ray://HOST:PORT"
    home: str = ""  # where models live; "" means the user cache dir

    @property
    def home_path(self) -> Path:
        return Path(self.home) if self.home else Path(platformdirs.user_cache_dir("dcode"))

    @property
    def models_dir(self) -> Path:
        return self.home_path / "models"

    @property
    def server_urls(self) -> tuple[str, ...]:
        """Each server `server_url` names (requests are spread across several)."""
        return tuple(url for url in (part.strip() for part in self.server_url.split(",")) if url)

    def as_dict(self) -> dict:
        return asdict(self)


def config_path() -> Path:
    env = os.environ.get("DCODE_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir("dcode")) / "config.toml"


def _coerce(name: str, kind: type, raw: object, origin: str) -> object:
    if name == "server_url" and isinstance(raw, list):
        # Several servers: a TOML list is stored the way DCODE_SERVER_URL spells it, comma-separated.
        bad = [item for item in raw if not isinstance(item, str)]
        if bad:
            raise BadInput(f"{origin}: setting 'server_url' must be a URL or a list of URLs, "
                           f"got {bad[0]!r} in the list")
        return ",".join(raw)
    try:
        if kind is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except (TypeError, ValueError):
        raise BadInput(f"{origin}: setting {name!r} must be {kind.__name__}, got {raw!r}") from None


def load_settings(overrides: dict | None = None) -> Settings:
    """Defaults < config file < DCODE_* environment < explicit overrides (CLI flags)."""
    return load_settings_with_sources(overrides)[0]


def load_settings_with_sources(overrides: dict | None = None) -> tuple[Settings, dict[str, str]]:
    """The settings and, per setting, where its value came from (`dcode config` shows both)."""
    types = {f.name: type(f.default) for f in fields(Settings)}
    values: dict[str, object] = {}
    sources = {name: "default" for name in types}
    path = config_path()
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BadInput(f"{path}: not valid TOML: {' '.join(str(e).split())}") from None
        except OSError as e:
            raise BadInput(f"{path}: cannot read config: {e.strerror}") from None
        for key, raw in data.items():
            if key not in types:
                raise BadInput(f"{path}: unknown setting {key!r} (known: {', '.join(types)})")
            values[key] = _coerce(key, types[key], raw, str(path))
            sources[key] = str(path)
    elif path.exists():
        raise BadInput(f"{path}: config path is not a file")
    for key, kind in types.items():
        env = os.environ.get(f"DCODE_{key.upper()}")
        if env is not None and env != "":
            values[key] = _coerce(key, kind, env, f"DCODE_{key.upper()}")
            sources[key] = f"DCODE_{key.upper()}"
    for key, raw in (overrides or {}).items():
        if key not in types:
            raise BadInput(f"unknown setting {key!r} (known: {', '.join(types)})")
        if raw is not None:
            values[key] = _coerce(key, types[key], raw, f"--{key.replace('_', '-')}")
            sources[key] = f"--{key.replace('_', '-')}"
    settings = replace(Settings(), **values)
    _validate(settings)
    return settings, sources


def _validate(settings: Settings) -> None:
    if settings.engine not in backends.NAMES:
        raise BadInput(backends.unknown(settings.engine))
    checks = [
        (settings.threads >= 0, "threads must be 0 (all cores) or more"),
        (settings.context_length >= 16, "context_length must be at least 16 tokens"),
        (settings.temperature >= 0, "temperature must be 0 or more"),
        (0 < settings.top_p <= 1, "top_p must be in (0, 1]"),
        (settings.max_tokens >= 1, "max_tokens must be at least 1"),
        (settings.workers >= 0, "workers must be 0 (one per core) or more"),
        (bool(settings.server_urls), "server_url must name at least one server"),
    ]
    for url in settings.server_urls:
        checks.append((url.startswith(("http://", "https://")),
                       f"server_url must start with http:// or https://, got {url!r}"))
    for ok, message in checks:
        if not ok:
            raise BadInput(f"bad setting: {message}")
