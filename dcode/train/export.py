"""From trained weights to a model the editor uses the same day: a merged Hugging Face folder, a GGUF, a name.

The GGUF is made by llama.cpp's own converter: the llama-cpp-python wheel installs
`bin/convert_hf_to_gguf.py` into site-packages, and with the `gguf` package from PyPI it
runs as a plain script. The result is registered in the user's registry, and a manifest
beside it (`<model>.gguf.train.json`) lists the tasks it was trained on, so `dcode eval`
can tell when a suite overlaps them.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcode.errors import BadInput
from dcode.train.tasks import TrainTask

# Tokenizer files a model folder may carry that save_pretrained does not write again.
TOKENIZER_EXTRAS = ("tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                    "added_tokens.json", "chat_template.jinja")


def converter_script() -> Path:
    """llama.cpp's convert_hf_to_gguf.py as the llama-cpp-python wheel installs it."""
    candidates = [Path(sysconfig.get_paths()["purelib"]) / "bin" / "convert_hf_to_gguf.py"]
    try:
        import llama_cpp

        candidates.append(Path(llama_cpp.__file__).resolve().parents[1] / "bin" / "convert_hf_to_gguf.py")
    except ImportError:
        pass
    for path in candidates:
        if path.is_file():
            return path
    raise BadInput("llama.cpp's convert_hf_to_gguf.py is not installed (it comes with the llama-cpp-python wheel "
                   "that tools/llama_wheel.py builds)")


def merged(model: Any) -> Any:
    """Adapter weights folded into the base model (a full fine-tune is returned as it is)."""
    try:
        from peft import PeftModel
    except ImportError:
        return model
    return model.merge_and_unload() if isinstance(model, PeftModel) else model


def save_merged(model: Any, tokenizer: Any, folder: Path, source: Path | None = None) -> Path:
    """The merged model and its tokenizer as a Hugging Face folder, with the source's extra tokenizer files."""
    folder.mkdir(parents=True, exist_ok=True)
    merged(model).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    if source is not None and source.is_dir():
        for name in TOKENIZER_EXTRAS:
            if (source / name).is_file() and not (folder / name).is_file():
                shutil.copy(source / name, folder / name)
    return folder


def to_gguf(folder: Path, out: Path, *, outtype: str = "f16") -> Path:
    """Run llama.cpp's converter on a Hugging Face folder; its own last error line when it refuses."""
    out.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, str(converter_script()), str(folder), "--outfile", str(out),
                           "--outtype", outtype], capture_output=True, text=True)
    if done.returncode != 0 or not out.is_file():
        lines = [ln for ln in (done.stderr or done.stdout).strip().splitlines() if ln.strip()]
        raise BadInput(f"llama.cpp's converter could not export {folder}: {lines[-1] if lines else 'no output'}")
    return out


def write_manifest(gguf: Path, tasks: list[TrainTask], base_model: str) -> Path:
    """`<model>.gguf.train.json`: the tasks the model learned from, by id and statement fingerprint."""
    path = gguf.with_name(gguf.name + ".train.json")
    data = {"base_model": base_model, "tasks": [{"id": t.id, "fingerprint": t.fingerprint} for t in tasks]}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Exported:
    hf_folder: Path
    gguf: Path
    manifest: Path
    name: str = ""
    registry: Path | None = None


def export(model: Any, tokenizer: Any, out_dir: Path, tasks: list[TrainTask], *, base_model: str,
           source: Path | None = None, name: str = "", outtype: str = "f16") -> Exported:
    """Merged folder, GGUF and manifest under `out_dir`; registered as `name` when one is given."""
    from dcode.models.local import register_local

    folder = save_merged(model, tokenizer, out_dir / "merged", source)
    gguf = to_gguf(folder, out_dir / f"{name or 'model'}.gguf", outtype=outtype)
    manifest = write_manifest(gguf, tasks, base_model)
    registry = None
    if name:
        config = getattr(merged(model), "config", None)
        registry = register_local(name, gguf, family=getattr(config, "model_type", "") or "trained",
                                  description=f"dcode train of {base_model} on {len(tasks)} task(s)",
                                  context_length=int(getattr(config, "max_position_embeddings", 4096) or 4096),
                                  chat_template="gguf" if getattr(tokenizer, "chat_template", None) else "none")
    return Exported(folder, gguf, manifest, name, registry)
