"""Time and memory limits as judges print them: "time limit per test: 2 seconds", "Memory Limit: 1024 MB"."""
from __future__ import annotations

import re

_TIME = re.compile(
    r"time\s+limit(?:\s+per\s+test)?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)\b",
    re.IGNORECASE,
)
_MEMORY = re.compile(
    r"memory\s+limit(?:\s+per\s+test)?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*"
    r"(kb|kib|kilobytes?|mb|mib|megabytes?|gb|gib|gigabytes?)\b",
    re.IGNORECASE,
)
_MB_PER_UNIT = {"k": 1 / 1024, "m": 1, "g": 1024}


def time_limit_s(text: str) -> float | None:
    m = _TIME.search(text)
    if not m:
        return None
    value = float(m[1])
    return value / 1000 if m[2].lower().startswith("m") else value


def memory_limit_mb(text: str) -> int | None:
    m = _MEMORY.search(text)
    if not m:
        return None
    return max(1, round(float(m[1]) * _MB_PER_UNIT[m[2][0].lower()]))
