"""An OpenAI-compatible completions server that answers with scripted texts, over real HTTP.

For tests whose point is what the language server does with given model outputs (ranking by
the examples, labels): the tiny model's noise would pass no example. Each request's `n`
choices are the script's texts in order (repeated if it asks for more), streamed as SSE
the way vLLM and llama.cpp's servers send them.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedModel(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, texts: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.texts = list(texts)
        self.prompts: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedModel

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._json({"object": "list", "data": [{"id": "scripted", "object": "model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if not self.path.endswith("/completions"):
            self.send_error(404)
            return
        self.server.prompts.append(body.get("prompt", ""))
        n = int(body.get("n", 1))
        texts = [self.server.texts[i % len(self.server.texts)] for i in range(n)]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for index, text in enumerate(texts):
            self._event({"choices": [{"index": index, "text": text, "finish_reason": None}]})
            self._event({"choices": [{"index": index, "text": "", "finish_reason": "stop"}]})
        self._event({"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5 * n}})
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, data: dict) -> None:
        self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
        self.wfile.flush()

    def _json(self, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)
