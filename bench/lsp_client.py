"""The smallest real LSP client, for the language server's benches: `dcode lsp` over stdio, JSON-RPC frames by hand.

Written against the wire rather than a library so that what is timed is what any editor
sees: a request's latency runs from the last byte written to the reply's frame parsed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DCODE = ROOT / ".venv" / "bin" / "dcode"


class Client:
    """Frames out, frames in on a thread, replies matched to requests by id."""

    def __init__(self, command: list[str] | None = None, *, cwd: Path = ROOT) -> None:
        self.proc = subprocess.Popen(command or [str(DCODE), "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=cwd)
        self.replies: dict[int, tuple[float, dict]] = {}
        self.logs: list[str] = []
        self._ready = threading.Condition()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    with self._ready:
                        self._ready.notify_all()
                    return
                if not line.strip():
                    break
                if line.lower().startswith(b"content-length"):
                    length = int(line.split(b":")[1])
            message = json.loads(out.read(length or 0))
            if "id" in message and "method" not in message:
                with self._ready:
                    self.replies[message["id"]] = (time.perf_counter(), message)
                    self._ready.notify_all()
            elif message.get("method") == "window/logMessage":
                self.logs.append(message["params"]["message"])

    def _send(self, message: dict) -> float:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return time.perf_counter()

    def notify(self, method: str, params: dict | None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict | None, *, timeout_s: float = 600) -> tuple[float, dict]:
        """The reply and its latency in milliseconds."""
        self._next_id += 1
        rid = self._next_id
        sent = self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        with self._ready:
            if not self._ready.wait_for(lambda: rid in self.replies or self.proc.poll() is not None, timeout=timeout_s):
                raise TimeoutError(f"{method}: no reply in {timeout_s} s")
        if rid not in self.replies:
            raise RuntimeError(f"{method}: the server exited ({self.proc.returncode})")
        got, message = self.replies.pop(rid)
        return (got - sent) * 1000, message

    def result(self, method: str, params: dict | None) -> dict:
        message = self.request(method, params)[1]
        if "error" in message:
            raise RuntimeError(f"{method}: {message['error']}")
        return message.get("result") or {}

    # --- what an editor does ------------------------------------------------------------------
    def start(self, settings: dict, *, wait_loaded_s: float = 300) -> None:
        """initialize with `settings`, initialized, and wait until the model is loaded (as a person opens a
        file some seconds after the editor)."""
        self.result("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {},
                                   "initializationOptions": settings})
        self.notify("initialized", {})
        deadline = time.monotonic() + wait_loaded_s
        while not self.status().get("loaded"):
            if time.monotonic() > deadline:
                raise TimeoutError("the model did not load: " + " | ".join(self.logs[-3:]))
            time.sleep(0.2)

    def status(self) -> dict:
        return self.result("dcode/status", {})

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python",
                                                              "version": version, "text": text}})

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def close_document(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def inline(self, uri: str, line: int, character: int) -> tuple[float, list[dict]]:
        """Latency in ms and the items of an invoked inline completion."""
        ms, message = self.request("textDocument/inlineCompletion", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character},
            "context": {"triggerKind": 1}})
        if "error" in message:
            raise RuntimeError(f"inlineCompletion: {message['error']}")
        result = message.get("result") or {}
        return ms, (result.get("items", []) if isinstance(result, dict) else result)

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout_s=30)
            self.notify("exit", None)
        finally:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def append_results(report: str) -> None:
    with (ROOT / "bench" / "RESULTS.md").open("a") as f:
        f.write("\n" + report.rstrip() + "\n")


def bench_arguments(doc: str) -> argparse.ArgumentParser:
    """A bench's parser: its docstring as the help, and --append."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--append", action="store_true", help="add the result to bench/RESULTS.md")
    return parser


def publish(report: list[str], append: bool) -> None:
    """Print a report (Markdown lines) and, with --append, add it to bench/RESULTS.md."""
    text = "\n".join(report) + "\n"
    print(text)
    if append:
        append_results(text)
