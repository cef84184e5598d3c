"""Progress of long model work (a download, an install), reported to whoever shows it: the library draws nothing."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """How far a download is (a face draws the bar), or a `note` for the user: what is happening, a warning."""

    label: str
    done: int = 0
    total: int | None = None
    note: str = ""


OnProgress = Callable[[Progress], None]
