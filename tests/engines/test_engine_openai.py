"""The openai backend against a real llama_cpp.server serving tiny.gguf on 127.0.0.1."""
import socket
import subprocess
import sys
import time

import httpx
import pytest

from dcode.config import Settings
from dcode.engines import Cancel, FimFormat, Message, Sampling, load_engine
from dcode.engines.openai import OpenAIEngine, ServerError
from dcode.errors import BadInput


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_gguf):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_gguf), "--model_alias", "tiny",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "512", "--n_threads", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"llama_cpp.server did not start: {proc.stderr.read()[-2000:]}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def engine(server):
    engine = OpenAIEngine(server, "tiny")
    yield engine
    engine.close()


def test_complete_streams_tokens_and_counts(engine):
    pieces: list[str] = []
    [c] = engine.complete("def add(a, b):", Sampling(max_tokens=6, seed=1), on_token=lambda i, t: pieces.append(t))
    assert "".join(pieces) == c.text and c.text
    assert c.finish_reason == "length" and c.completion_tokens == 6
    assert c.prompt_tokens == engine.count_tokens("def add(a, b):")
    assert 0 < c.time_to_first_token_s <= c.total_s


def test_n_samples_topped_up_when_the_server_returns_one(engine):
    seen: set[int] = set()
    samples = engine.complete("x =", Sampling(n=3, max_tokens=5, seed=9), on_token=lambda i, t: seen.add(i))
    assert len(samples) == 3 and seen == {0, 1, 2}
    assert len({c.text for c in samples}) == 3


def test_seed_repeats(engine):
    a = engine.complete("import", Sampling(max_tokens=8, seed=11))
    b = engine.complete("import", Sampling(max_tokens=8, seed=11))
    assert a[0].text == b[0].text


def test_chat_goes_through_the_server_template(engine):
    [c] = engine.chat([Message("user", "hi")], Sampling(max_tokens=4, seed=1))
    assert c.completion_tokens == 4
    assert c.prompt_tokens >= engine.count_tokens("hi")  # this server sends no usage: the messages are counted


def test_cancel_closes_the_stream_within_one_token(engine):
    cancel = Cancel()
    count = 0

    def on_token(i, t):
        nonlocal count
        count += 1
        if count == 3:
            cancel.set()

    samples = engine.complete("def", Sampling(n=2, max_tokens=200, seed=2), cancel=cancel, on_token=on_token)
    assert [c.finish_reason for c in samples] == ["cancelled", "cancelled"]
    assert samples[0].completion_tokens <= 4 and samples[1].completion_tokens == 0


def test_fill_renders_fim_client_side(server):
    engine = OpenAIEngine(server, "tiny")
    with pytest.raises(BadInput, match="no known fill-in-the-middle"):
        engine.fill("a", "b")
    engine.fim = FimFormat("<PRE>", "<SUF>", "<MID>")
    [c] = engine.fill("def f():", "return 1", Sampling(max_tokens=4, seed=3))
    [d] = engine.complete("<PRE>def f():<SUF>return 1<MID>", Sampling(max_tokens=4, seed=3))
    assert c.text == d.text
    engine.close()


def test_client_errors_are_one_line_bad_input(server):
    engine = OpenAIEngine(server.removesuffix("/v1") + "/nowhere", "tiny")
    with pytest.raises(BadInput, match="HTTP 404") as caught:
        engine.complete("x", Sampling(max_tokens=2))
    assert "\n" not in str(caught.value)
    engine.close()


def test_server_side_validation_error_is_one_line(engine):
    with pytest.raises(BadInput) as caught:
        engine.complete("x", Sampling(max_tokens=2, top_p=5.0))
    assert "HTTP" in str(caught.value) and "\n" not in str(caught.value)


def test_unreachable_server_retries_then_fails_clearly():
    engine = OpenAIEngine(f"http://127.0.0.1:{free_port()}/v1", "tiny", retries=2, backoff_s=0.01)
    with pytest.raises(ServerError, match="cannot reach the model server"):
        engine.complete("x")
    engine.close()


def test_load_engine_builds_the_openai_backend(server, tmp_path):
    engine = load_engine(Settings(engine="openai", server_url=server, model="tiny", home=str(tmp_path)))
    assert engine.info.backend == "openai" and engine.info.has_chat_template
    [c] = engine.complete("hello", Sampling(max_tokens=3))
    assert c.completion_tokens == 3
    engine.close()
