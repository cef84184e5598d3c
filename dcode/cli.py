"""The `dcode` command line: a thin typer layer over the library.

Each command parses arguments, calls one library function and maps the outcome to an
exit code: 0 success, 1 the check or solve failed, 2 bad input (one line on stderr).
"""
from __future__ import annotations

import os
import sys
from typing import Optional

import typer
from rich.console import Console

from dcode import __version__
from dcode.errors import BadInput

app = typer.Typer(
    name="dcode",
    help="A local coding assistant that runs every candidate program against real tests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# stdout carries results (code, JSON); stderr carries summaries, progress and errors.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _version(value: bool) -> None:
    if value:
        print(f"dcode {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                           help="Show the version and exit."),
) -> None:
    """dcode: generate, test and fix code with a local model."""


def main() -> None:
    """Entry point: turns BadInput (and anything unexpected) into one line and an exit code."""
    try:
        app(standalone_mode=False)
    except BadInput as e:
        print(f"dcode: error: {e}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        print("dcode: aborted", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print("dcode: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as e:  # click usage errors and our own bugs
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            sys.exit(2)
        if os.environ.get("DCODE_DEBUG"):
            raise
        print(f"dcode: internal error: {type(e).__name__}: {e} (set DCODE_DEBUG=1 for a traceback)",
              file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
