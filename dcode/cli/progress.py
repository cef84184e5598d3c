"""Drawing the library's progress reports (a download, an install): a rich bar on stderr, notes as lines."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.progress import Progress as Bar

from dcode.models.progress import Progress


class DownloadBar:
    """An `on_progress` callback: one bar per label, started on its first report, stopped when done."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(file=sys.stderr)
        self.bar: Bar | None = None
        self.tasks: dict[str, int] = {}

    def __call__(self, p: Progress) -> None:
        if p.note:
            self.console.print(f"dcode: {p.label}: {p.note}" if p.label not in p.note else f"dcode: {p.note}",
                               markup=False, highlight=False)
            return
        if self.bar is None:
            self.bar = Bar(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                           TimeRemainingColumn(), console=self.console)
            self.bar.start()
        if p.label not in self.tasks:
            self.tasks[p.label] = self.bar.add_task(p.label, total=p.total, completed=p.done)
        self.bar.update(self.tasks[p.label], completed=p.done, total=p.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __enter__(self) -> "DownloadBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
