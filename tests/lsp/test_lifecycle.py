"""A client that disappears without `shutdown`: the server exits, and leaves no sandbox worker or model behind."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import tinycoder

TINY = str(Path(tinycoder.__file__).parent / "models" / "tiny.gguf")


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_server_exits_with_its_workers_when_the_client_vanishes(tmp_path):
    (tmp_path / "mod.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "test_mod.py").write_text("from mod import double\n\n\ndef test_double():\n    assert double(2) == 4\n")
    server = subprocess.Popen([sys.executable, "-m", "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    replies: dict = {}

    def read() -> None:
        while True:
            length = None
            while True:
                line = server.stdout.readline()
                if not line:
                    return
                if not line.strip():
                    break
                if line.lower().startswith(b"content-length"):
                    length = int(line.split(b":")[1])
            message = json.loads(server.stdout.read(length))
            replies[message.get("id", message.get("method"))] = message

    threading.Thread(target=read, daemon=True).start()
    send = lambda m: (server.stdin.write(frame(m)), server.stdin.flush())  # noqa: E731
    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"capabilities": {}, "initializationOptions": {"model": TINY, "debounceMs": 0, "maxTokens": 8,
                                                               "diagnostics": True}}})
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    uri = (tmp_path / "mod.py").as_uri()
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
          "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                      "text": (tmp_path / "mod.py").read_text()}}})
    send({"jsonrpc": "2.0", "method": "textDocument/didSave", "params": {"textDocument": {"uri": uri}}})
    send({"jsonrpc": "2.0", "id": 2, "method": "textDocument/inlineCompletion",
          "params": {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 4},
                     "context": {"triggerKind": 1}}})
    for _ in range(1200):
        if 2 in replies and "textDocument/publishDiagnostics" in replies:
            break
        time.sleep(0.05)
    assert "result" in replies[2], replies[2]
    assert replies["textDocument/publishDiagnostics"]["params"]["diagnostics"] == []  # the saved file's tests pass
    spawned = descendants(server.pid)
    assert spawned, "the tests ran in the sandbox, so its workers should be running"
    server.stdin.close()  # the editor is gone: no shutdown, no exit
    assert server.wait(timeout=60) == 0
    for _ in range(100):
        left = [pid for pid in spawned if alive(pid)]
        if not left:
            break
        time.sleep(0.1)
    assert not left, f"left running: {left}"
