"""The `dcode` command line: the only package that knows typer and rich (see app.py)."""
from dcode.cli.app import app, main

__all__ = ["app", "main"]
