"""Reading LSP frames so that one bad frame costs one message, not the connection.

pygls reads a header line, then exactly Content-Length bytes. A frame whose
Content-Length is wrong leaves the stream misaligned: the next header then starts in the
middle of a line, is not recognised, and every later message is lost. This reader finds a
header wherever it starts in a line and drops the bytes before it (logged), so the next
well-formed frame is read again.
"""
from __future__ import annotations

import logging
from typing import BinaryIO

HEADER = b"Content-Length:"
log = logging.getLogger("dcode.lsp")


class Resync:
    """A binary stdin with readline and read, as pygls's reader uses it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def readline(self, limit: int = -1) -> bytes:
        line = self.stream.readline(limit)
        start = line.find(HEADER)
        if start > 0:
            log.warning("dcode: dropped %d bytes of a malformed message before a header", start)
            return line[start:]
        return line

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n)

    def fileno(self) -> int:
        return self.stream.fileno()
