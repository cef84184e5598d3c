"""Hugging Face downloads against a real HTTP server on 127.0.0.1 (resume, sha256, token, endpoint)."""
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dcode.models.download import download, download_hf, hf_url
from dcode.errors import BadInput

DATA = bytes(range(256)) * 4096  # 1 MiB
SHA = hashlib.sha256(DATA).hexdigest()
PATH = "/org/repo/resolve/main/model.gguf"


class FileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict] = []
        self.drop_after: int | None = None  # close the connection after this many bytes, once
        self.ignore_range = False
        self.linked_etag = ""
        self.data = DATA


class Handler(BaseHTTPRequestHandler):
    server: FileServer

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        if self.path == "/redirect" + PATH:
            self.send_response(302)
            self.send_header("Location", PATH)
            self.send_header("X-Linked-Etag", f'"{self.server.linked_etag}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path != PATH:
            self.send_error(404)
            return
        data, start = self.server.data, 0
        ranged = self.headers.get("Range")
        if ranged and not self.server.ignore_range:
            start = int(ranged.removeprefix("bytes=").rstrip("-"))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.drop_after is not None:
            cut, self.server.drop_after = self.server.drop_after, None
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = FileServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def base(srv) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


def test_hf_url_honours_hf_endpoint(monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert hf_url("a/b", "m.gguf") == "https://huggingface.co/a/b/resolve/main/m.gguf"
    monkeypatch.setenv("HF_ENDPOINT", "http://mirror.local/")
    assert hf_url("a/b", "dir/m q.gguf", "v1") == "http://mirror.local/a/b/resolve/v1/dir/m%20q.gguf"


def test_download_hf_full_with_token_and_sha(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", base(server))
    monkeypatch.setenv("HF_TOKEN", "secret-token")
    target = tmp_path / "m" / "model.gguf"
    assert download_hf("org/repo", "model.gguf", target, sha256=SHA) == target
    assert target.read_bytes() == DATA
    assert not target.with_name("model.gguf.part").exists()
    assert server.requests[0]["authorization"] == "Bearer secret-token"


def test_resume_sends_range_and_appends(server, tmp_path):
    target = tmp_path / "model.gguf"
    target.with_name("model.gguf.part").write_bytes(DATA[:300_000])
    download(base(server) + PATH, target, sha256=SHA)
    assert target.read_bytes() == DATA
    assert server.requests[0]["range"] == "bytes=300000-"


def test_dropped_connection_is_resumed_on_retry(server, tmp_path):
    server.drop_after = 200_000
    target = tmp_path / "model.gguf"
    download(base(server) + PATH, target, sha256=SHA)
    assert target.read_bytes() == DATA
    assert len(server.requests) == 2 and server.requests[1]["range"].startswith("bytes=")


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    server.ignore_range = True
    target = tmp_path / "model.gguf"
    target.with_name("model.gguf.part").write_bytes(b"stale bytes")
    download(base(server) + PATH, target, sha256=SHA)
    assert target.read_bytes() == DATA


def test_complete_partial_file_gets_416_and_is_verified(server, tmp_path):
    target = tmp_path / "model.gguf"
    target.with_name("model.gguf.part").write_bytes(DATA)
    download(base(server) + PATH, target, sha256=SHA)
    assert target.read_bytes() == DATA


def test_sha_mismatch_removes_the_download(server, tmp_path):
    target = tmp_path / "model.gguf"
    with pytest.raises(BadInput, match="sha256 mismatch"):
        download(base(server) + PATH, target, sha256="0" * 64)
    assert not target.exists() and not target.with_name("model.gguf.part").exists()


def test_linked_etag_from_the_redirect_is_checked(server, tmp_path):
    server.linked_etag = SHA
    target = tmp_path / "ok.gguf"
    download(base(server) + "/redirect" + PATH, target)
    assert target.read_bytes() == DATA
    server.linked_etag = "f" * 64
    with pytest.raises(BadInput, match="sha256 mismatch"):
        download(base(server) + "/redirect" + PATH, tmp_path / "bad.gguf")


def test_missing_file_is_a_clear_404(server, tmp_path):
    with pytest.raises(BadInput, match="not found \\(404\\)"):
        download(base(server) + "/org/repo/resolve/main/absent.gguf", tmp_path / "x.gguf")


def test_too_little_disk_space_is_refused_before_writing(server, tmp_path, monkeypatch):
    import collections

    import dcode.models.download as download_module

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(download_module.shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(BadInput, match="not enough disk space"):
        download(base(server) + PATH, tmp_path / "model.gguf")
    assert not (tmp_path / "model.gguf").exists()


def test_progress_goes_to_the_callback_and_the_cli_bar_draws_it(server, tmp_path):
    """The library reports bytes done and total; drawing is the CLI's (dcode/cli/progress.py)."""
    import io

    from rich.console import Console

    from dcode.cli.progress import DownloadBar

    seen = []
    target = tmp_path / "model.gguf"
    target.with_name("model.gguf.part").write_bytes(DATA[:300_000])
    download(base(server) + PATH, target, sha256=SHA, on_progress=seen.append)
    assert seen[0].done == 300_000 and seen[-1].done == seen[-1].total == len(DATA)
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    buffer = io.StringIO()
    with DownloadBar(Console(file=buffer, force_terminal=True, width=100)) as bar:
        for p in seen:
            bar(p)
        bar(type(seen[0])("model.gguf", note="warning: not verified"))
    assert "model.gguf" in buffer.getvalue() and "warning: not verified" in buffer.getvalue()
