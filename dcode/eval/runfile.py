"""The run file: one JSON line per graded sample, written as it lands, so that a run survives being killed.

Every row names the configuration that made it (`config`, and `config_id`, a hash of the
fields that change results). Resuming reads the rows back, skips every (problem, sample)
already there, and refuses rows of another configuration instead of mixing them in. A
row is one `write` of a whole line, flushed before the next sample starts; a kill can
leave only the last line short, and that line is dropped on resume (its sample runs again).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from dcode.errors import BadInput

FORMAT = "dcode-eval/1"


@dataclass(frozen=True)
class RunConfig:
    """What a sample's result depends on. Not here, so free to change on resume: n, --limit, servers, workers."""

    suite: str
    suite_source: str
    model: str
    engine: str
    loop: str  # "single" or "solve"
    samples_per_solve: int | None
    temperature: float
    top_p: float
    max_tokens: int
    seed: int | None
    prompt_style: str = "auto"

    @property
    def id(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    @property
    def label(self) -> str:
        """Short words for a table header or a plot legend."""
        loop = f"solve x{self.samples_per_solve}" if self.loop == "solve" else "single"
        return f"{Path(self.model).name} {loop}"

    @property
    def budget(self) -> str:
        """The model samples behind one submitted program, in words every report states."""
        if self.loop == "solve":
            return (f"each program is one solve run of at most {self.samples_per_solve} model samples "
                    f"of at most {self.max_tokens} tokens")
        return f"each program is one model sample of at most {self.max_tokens} tokens"


def config_of(row: dict) -> RunConfig:
    try:
        return RunConfig(**row["config"])
    except (KeyError, TypeError) as e:
        raise ValueError(f"no valid config: {e}") from None


def _differences(old: dict, new: dict) -> str:
    keys = [k for k in new if old.get(k) != new.get(k)]
    return ", ".join(f"{k} {old.get(k)!r} there, {new.get(k)!r} now" for k in keys)


def read_run(path: Path, *, repair: bool = False) -> list[dict]:
    """Every complete row of a run file; a short last line (a killed write) is dropped, and cut off when `repair`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}") from None
    end = len(data) if data.endswith(b"\n") or not data else data.rfind(b"\n") + 1
    if repair and end < len(data):
        with open(path, "r+b") as f:
            f.truncate(end)
    rows = []
    for number, line in enumerate(data[:end].decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadInput(f"{path}:{number}: not a run row (invalid JSON: {e.msg})") from None
        if not isinstance(row, dict) or row.get("format") != FORMAT or "problem" not in row or "sample" not in row:
            raise BadInput(f"{path}:{number}: not a dcode eval row")
        row["_line"] = number
        rows.append(row)
    return rows


class RunWriter:
    """Appends rows of one configuration to a run file; knows which samples are already done."""

    def __init__(self, path: Path | None, config: RunConfig, command: str = "") -> None:
        self.path, self.config, self.command = path, config, command
        self.rows: list[dict] = []
        self._lock = threading.Lock()
        self._file = None
        if path is None:
            return
        if path.is_dir():
            raise BadInput(f"{path}: is a folder, expected a run file (--out run.jsonl)")
        if not path.parent.is_dir():
            raise BadInput(f"{path}: folder {path.parent} does not exist")
        if path.exists():
            self.rows = read_run(path, repair=True)
            for row in self.rows:
                if row.get("config_id") != config.id:
                    theirs = row.get("config") if isinstance(row.get("config"), dict) else {}
                    raise BadInput(f"{path}:{row['_line']}: written by another configuration "
                                   f"({_differences(theirs, asdict(config)) or 'unreadable config'}); "
                                   "resume with the same settings, or write to another --out")
        try:
            self._file = open(path, "a", encoding="utf-8")
        except OSError as e:
            raise BadInput(f"{path}: cannot write: {e.strerror}") from None

    @property
    def done(self) -> set[tuple[str, int]]:
        return {(r["problem"], r["sample"]) for r in self.rows}

    def write(self, row: dict) -> dict:
        row = {"format": FORMAT, "config_id": self.config.id, **row, "config": asdict(self.config),
               "command": self.command}
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._lock:
            if self._file is not None:
                self._file.write(line)
                self._file.flush()
                os.fsync(self._file.fileno())
            self.rows.append(row)
        return row

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
