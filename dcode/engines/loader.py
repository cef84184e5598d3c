"""`load_engine`: from settings to a ready backend, loading each model once per process.

Loading a GGUF takes from a fraction of a second to a minute; the CLI, the language server
and the loops all ask for "the engine" many times, so the loaded model is cached by what
changes it (file, context size, threads).
"""
from __future__ import annotations

import threading
from pathlib import Path

from dcode import backends
from dcode.config import Settings, load_settings
from dcode.engines.base import Engine
from dcode.errors import BadInput
from dcode.models.progress import OnProgress, Progress
from dcode.models.registry import ModelSpec, get_model, lookup

_cache: dict[tuple, Engine] = {}
_cache_lock = threading.Lock()


def resolve_gguf(settings: Settings) -> tuple[Path, ModelSpec | None]:
    """The GGUF file `settings.model` names (a registry name or a path), and its spec when known."""
    from dcode.models import store

    spec = lookup(settings.model)
    if spec is None:
        candidate = Path(settings.model).expanduser()
        if candidate.suffix == ".gguf" or "/" in settings.model or candidate.exists():
            return candidate, None  # a path: the engine reports a missing or corrupt file
    spec = spec or get_model(settings.model)
    if "llama_cpp" not in spec.backends or spec.gguf is None:
        raise BadInput(f"model {spec.name!r} has no GGUF for the llama_cpp engine "
                       f"(backends: {', '.join(spec.backends)})")
    return store.ensure_local(spec, settings), spec


def _loading(on_progress: OnProgress | None, name: str, what: str) -> None:
    if on_progress is not None:
        on_progress(Progress(name, note=f"loading {name} ({what}) ..."))


def _loaded(on_progress: OnProgress | None, name: str, engine: Engine) -> None:
    if on_progress is not None:
        on_progress(Progress(name, note=f"loaded {name} in {engine.info.load_s:.1f} s"))


def load_engine(settings: Settings | None = None, *, on_progress: OnProgress | None = None) -> Engine:
    """The engine `settings.engine` names, serving `settings.model`; cached per process.

    Loading a model into this process takes seconds: `on_progress` hears "loading" before
    and "loaded" after (a face shows it), and nothing when the engine was already loaded.

        engine = load_engine(load_settings({"model": "gemma-3-270m"}))
        [c] = engine.complete("def fib(n):", Sampling(max_tokens=32))
    """
    settings = settings or load_settings()
    if settings.engine == "llama_cpp":
        path, spec = resolve_gguf(settings)
        key = ("llama_cpp", str(path.resolve()), settings.context_length, settings.threads)
        with _cache_lock:
            if key not in _cache:
                from dcode.engines.llama_cpp import LlamaCppEngine

                name = spec.name if spec else path.stem
                _loading(on_progress, name, path.name)
                _cache[key] = LlamaCppEngine(path, name=name, context_length=settings.context_length,
                                             threads=settings.threads, spec=spec)
                _loaded(on_progress, name, _cache[key])
            return _cache[key]
    if settings.engine == "openai":
        from dcode.engines.openai import OpenAIEngine

        urls = settings.server_urls or (settings.server_url,)
        key = ("openai", urls, settings.model, settings.api_key)
        with _cache_lock:
            if key not in _cache:
                spec = lookup(settings.model)
                if len(urls) == 1:
                    _cache[key] = OpenAIEngine(urls[0], settings.model, api_key=settings.api_key, spec=spec)
                else:
                    from dcode.engines.spread import SpreadEngine

                    # With other servers to move on to, one retry is enough before giving up on this one.
                    _cache[key] = SpreadEngine([OpenAIEngine(url, settings.model, api_key=settings.api_key,
                                                             spec=spec, retries=1) for url in urls])
            return _cache[key]
    if settings.engine == "vllm":
        from dcode.engines.vllm import VllmEngine

        spec = lookup(settings.model)
        model = spec.hf_model if spec and spec.hf_model else settings.model
        if spec and not spec.hf_model:
            raise BadInput(f"model {spec.name!r} has no safetensors repo for vLLM")
        key = ("vllm", model, settings.context_length)
        with _cache_lock:
            if key not in _cache:
                _loading(on_progress, model, "vLLM")
                _cache[key] = VllmEngine(model, context_length=settings.context_length, spec=spec)
                _loaded(on_progress, model, _cache[key])
            return _cache[key]
    raise BadInput(backends.unknown(settings.engine))


def forget(engine: Engine) -> None:
    """Drop a closed engine from the cache so the next load_engine opens it afresh."""
    with _cache_lock:
        for key, cached in list(_cache.items()):
            if cached is engine:
                del _cache[key]


def sampling_for(settings: Settings, n: int = 1, **overrides) -> "Sampling":
    """The Sampling the settings ask for (seed -1 means a fresh random seed per request)."""
    from dcode.engines.base import Sampling

    values = {"n": n, "temperature": settings.temperature, "top_p": settings.top_p,
              "max_tokens": settings.max_tokens, "seed": settings.seed if settings.seed >= 0 else None}
    values.update(overrides)
    return Sampling(**values)
