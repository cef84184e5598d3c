"""Model management: the registry of known models, the local store, downloads, GGUF headers.

Apart from the backends (dcode/engines/), which only load what this package finds:

    spec = get_model("gemma-3-270m")
    path = pull(spec, load_settings(), on_progress=print)   # a face draws the progress
"""
from dcode.models.progress import OnProgress, Progress
from dcode.models.registry import ModelSpec, get_model, load_registry, lookup
from dcode.models.store import ensure_local, installed_path, list_models, pull, remove

__all__ = ["ModelSpec", "OnProgress", "Progress", "ensure_local", "get_model", "installed_path", "list_models",
           "load_registry", "lookup", "pull", "remove"]
