"""Fill-in-the-middle prompts: each model family marks prefix, suffix and hole with its own tokens.

PSM (prefix-suffix-middle) is what DeepSeek-Coder and Qwen2.5-Coder were trained on;
SPM puts the suffix first, which some models (StarCoder variants, CodeLlama) also know.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class FimFormat:
    prefix: str
    suffix: str
    middle: str
    mode: Literal["psm", "spm"] = "psm"
    # Extra tokens that end the middle besides end-of-text (e.g. a file separator).
    stop: tuple[str, ...] = ()

    def render(self, prefix: str, suffix: str) -> str:
        if self.mode == "spm":
            return f"{self.suffix}{suffix}{self.prefix}{self.middle}{prefix}"
        return f"{self.prefix}{prefix}{self.suffix}{suffix}{self.middle}"

    @classmethod
    def from_dict(cls, data: dict) -> "FimFormat":
        mode = data.get("mode", "psm")
        if mode not in ("psm", "spm"):
            raise ValueError(f"FIM mode must be psm or spm, not {mode!r}")
        return cls(prefix=data["prefix"], suffix=data["suffix"], middle=data["middle"], mode=mode,
                   stop=tuple(data.get("stop", ())))
