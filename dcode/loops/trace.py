"""`--trace DIR`: every prompt, completion, candidate and verdict of a run, one JSON object a line.

A trace lets a run be inspected and replayed: which prompt produced which program, what
the sandbox said about it, and why the loop chose what it chose.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from dcode.errors import BadInput
from dcode.loops.events import Event, TokenStreamed, event_record

TRACE_FILE = "trace.jsonl"


class TraceWriter:
    """An event subscriber that appends each event (except per-token ticks) to DIR/trace.jsonl."""

    def __init__(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / TRACE_FILE
            self._file: IO[str] = self.path.open("w", encoding="utf-8")
        except OSError as e:
            raise BadInput(f"{directory}: cannot write a trace there: {e.strerror or e}") from None

    def __call__(self, event: Event) -> None:
        if isinstance(event, TokenStreamed):
            return
        self._file.write(json.dumps(event_record(event), default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "TraceWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_trace(path: Path) -> list[dict]:
    """The records of a trace file (or of DIR/trace.jsonl), in order."""
    if path.is_dir():
        path = path / TRACE_FILE
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
