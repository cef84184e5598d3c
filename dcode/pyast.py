"""`ast.parse` made safe to call from several threads at once.

CPython 3.11 keeps the AST constructor's recursion depth in interpreter-wide state, so two
threads building trees at once (the language server checks suggestions on a thread pool
while its event loop parses for code actions) can make a correct parse raise
"SystemError: AST constructor recursion depth mismatch" (CPython gh-106905, fixed in
later releases). One lock around every parse in dcode keeps trees built one at a time;
a parse takes milliseconds, so nobody waits long.
"""
from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse_python(source: str | bytes, filename: str = "<unknown>", mode: str = "exec") -> ast.AST:
    """`ast.parse`, one thread at a time; SyntaxError and ValueError pass through as usual."""
    with _LOCK:
        return ast.parse(source, filename, mode)  # type: ignore[call-overload]
