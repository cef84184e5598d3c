"""The one exception type that means "the user gave us something we cannot use".

The CLI turns it into a single line on stderr and exit code 2; library code raises it
wherever input from outside (files, names, config) is wrong, never for our own bugs.
"""
from __future__ import annotations

from pathlib import Path


class BadInput(Exception):
    """Input from the user (a file, a name, a setting) is missing or malformed."""


class ServerDown(BadInput):
    """A model server that cannot be reached, or failed: not the user's input, but the same one line and exit 2.

    Its own type so that faces can say so plainly (the CLI writes "server down:", an editor
    can offer to retry) instead of calling it bad input.
    """


def read_user_text(path: Path, expect: str = "a file") -> str:
    """Read a file the user named; every way that can fail becomes one BadInput line."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a folder, expected {expect}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise BadInput(f"{path}: cannot read: {e.strerror}") from None
