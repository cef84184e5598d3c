"""Checking a GGUF file before llama.cpp opens it.

llama.cpp aborts the whole process on some malformed files; a text file renamed `.gguf`
must be a one-line error instead, so the header is checked in Python first.
"""
from __future__ import annotations

import struct
from pathlib import Path

from dcode.errors import BadInput

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)


def check_gguf(path: Path) -> None:
    """Raise BadInput unless `path` is a readable GGUF file of a version llama.cpp reads."""
    if not path.exists():
        raise BadInput(f"{path}: no such model file")
    if not path.is_file():
        raise BadInput(f"{path}: not a file")
    try:
        with path.open("rb") as f:
            header = f.read(24)
    except OSError as e:
        raise BadInput(f"{path}: cannot read model file: {e.strerror}") from None
    if len(header) < 24 or header[:4] != GGUF_MAGIC:
        raise BadInput(f"{path}: not a GGUF model file (bad magic header)")
    version, tensors, kvs = struct.unpack("<IQQ", header[4:24])
    if version not in SUPPORTED_VERSIONS:
        raise BadInput(f"{path}: unsupported GGUF version {version}")
    if tensors == 0 or tensors > 1_000_000 or kvs > 1_000_000:
        raise BadInput(f"{path}: corrupt GGUF header ({tensors} tensors, {kvs} metadata keys)")
