"""A candidate against the one before it, as a unified diff with colour: difflib in a widget of our own."""
from __future__ import annotations

import difflib

from textual.content import Content
from textual.widgets import Static

STYLES = {"+": "green", "-": "red", "@": "cyan"}


def diff_lines(old: str, new: str, old_name: str, new_name: str) -> list[str]:
    """difflib's unified diff, without trailing newlines (a widget wraps lines itself)."""
    return [line.rstrip("\n") for line in difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name, n=2)]


def diff_text(old: str, new: str, old_name: str, new_name: str) -> Content:
    """The diff as styled text: additions green, removals red, hunk headers cyan; "the same" when equal."""
    lines = diff_lines(old, new, old_name, new_name)
    if not lines:
        return Content.styled(f"{new_name} is the same program as {old_name}", "dim")
    return Content.assemble(*[(line + "\n", "bold" if line.startswith(("+++", "---")) else STYLES.get(line[:1], ""))
                              for line in lines])


class DiffView(Static):
    """Shows what changed from one candidate to the next (a fix against its parent, else the previous one)."""

    def show(self, old: str | None, new: str, old_name: str, new_name: str) -> None:
        if old is None:
            self.update(Content.styled(f"{new_name} is the first candidate: nothing to compare with", "dim"))
            return
        self.update(diff_text(old, new, old_name, new_name))
