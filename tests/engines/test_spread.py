"""SpreadEngine: the choice of server and the retries with fakes, then the real thing against a real server.

Fakes appear only for control flow (who is asked, in what order, under concurrency); the
end-to-end tests use a real llama_cpp.server beside a port where nothing listens.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dcode.config import Settings, load_settings
from dcode.engines import Cancel, Completion, EngineInfo, Sampling, load_engine
from dcode.engines.base import Engine
from dcode.engines.spread import SpreadEngine
from dcode.errors import BadInput, ServerDown
from test_engine_openai import free_port, server  # noqa: F401  (the real server, one for this module)

ROOT = Path(__file__).resolve().parents[2]
DCODE = Path(sys.executable).with_name("dcode")


class FakeServer:
    """An engine whose answer is its own name, or the error it was told to raise."""

    def __init__(self, name: str, *, fails: BaseException | None = None, gate: threading.Event | None = None):
        self.info = EngineInfo(backend="openai", model="m", server_url=f"http://{name}/v1")
        self.name = name
        self.fails = fails
        self.gate = gate  # when set: each request waits for it, so requests pile up in flight
        self.calls = 0
        self.entered = threading.Semaphore(0)
        self.closed = False

    def complete(self, prompt, sampling=Sampling(), *, cancel=None, on_token=None):
        self.calls += 1
        self.entered.release()
        if self.gate is not None:
            assert self.gate.wait(timeout=30)
        if self.fails is not None:
            if cancel is not None:
                cancel.set()  # the caller gave up while this server was failing
            raise self.fails
        return [Completion(self.name)]

    chat = complete

    def fill(self, prefix, suffix, sampling=Sampling(), *, cancel=None, on_token=None):
        return self.complete(prefix, sampling, cancel=cancel, on_token=on_token)

    def count_tokens(self, text):
        return len(text)

    def close(self):
        self.closed = True


def answered_by(engine: SpreadEngine, n: int = 1) -> list[str]:
    return [engine.complete("x")[0].text for _ in range(n)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_it_speaks_the_engine_protocol_and_names_every_server():
    a, b = FakeServer("a"), FakeServer("b")
    engine = SpreadEngine([a, b])
    assert isinstance(engine, Engine)
    assert engine.info.server_url == "http://a/v1, http://b/v1" and engine.info.backend == "openai"
    assert engine.count_tokens("abc") == 3 and engine.fill("p", "s")[0].text in {"a", "b"}
    engine.close()
    assert a.closed and b.closed


def test_idle_servers_take_turns():
    engine = SpreadEngine([FakeServer("a"), FakeServer("b"), FakeServer("c")])
    assert answered_by(engine, 6) == ["a", "b", "c", "a", "b", "c"]


def test_concurrent_requests_spread_evenly_over_busy_servers():
    gate = threading.Event()
    servers = [FakeServer(name, gate=gate) for name in "abcd"]
    engine = SpreadEngine(servers)
    threads = [threading.Thread(target=engine.complete, args=("x",)) for _ in range(8)]
    for t in threads:
        t.start()
    for s in servers:  # all eight are in flight at once: each server holds two
        assert s.entered.acquire(timeout=30) and s.entered.acquire(timeout=30)
    gate.set()
    for t in threads:
        t.join(timeout=30)
    assert [s.calls for s in servers] == [2, 2, 2, 2]


def test_the_least_busy_server_gets_the_next_request():
    gates = {name: threading.Event() for name in "abc"}
    servers = {name: FakeServer(name, gate=gates[name]) for name in "abc"}
    engine = SpreadEngine(list(servers.values()))
    results: dict[str, str] = {}

    def send(label: str) -> None:
        results[label] = engine.complete("x")[0].text

    first = [threading.Thread(target=send, args=(label,)) for label in ("1", "2", "3")]
    for t, name in zip(first, "abc"):
        t.start()
        assert servers[name].entered.acquire(timeout=30)  # one request in flight on each
    gates["b"].set()
    first[1].join(timeout=30)
    assert results["2"] == "b"
    # a and c are still busy, b is free again: b gets the next one, out of round-robin turn.
    assert answered_by(engine) == ["b"]
    gates["a"].set()
    gates["c"].set()
    for t in first:
        t.join(timeout=30)
    assert results == {"1": "a", "2": "b", "3": "c"}


def test_a_server_down_is_retried_on_another_and_then_skipped_for_the_cool_down():
    clock = Clock()
    a, b = FakeServer("a", fails=ServerDown("cannot reach a")), FakeServer("b")
    engine = SpreadEngine([a, b], cool_down_s=30, clock=clock)
    assert answered_by(engine) == ["b"] and a.calls == 1
    assert answered_by(engine, 3) == ["b", "b", "b"] and a.calls == 1  # a is cooling down
    clock.now += 31
    assert answered_by(engine) == ["b"] and a.calls == 2  # tried again after the cool-down, still down


def test_a_server_that_came_back_is_used_again():
    clock = Clock()
    a, b = FakeServer("a", fails=ServerDown("cannot reach a")), FakeServer("b")
    engine = SpreadEngine([a, b], cool_down_s=30, clock=clock)
    answered_by(engine)
    a.fails = None
    clock.now += 31
    assert sorted(answered_by(engine, 4)) == ["a", "a", "b", "b"]


def test_when_every_server_fails_one_line_names_them_all():
    servers = [FakeServer(name, fails=ServerDown(f"cannot reach {name}\n(refused)")) for name in "abc"]
    engine = SpreadEngine(servers)
    with pytest.raises(ServerDown) as caught:
        engine.complete("x")
    message = str(caught.value)
    assert "\n" not in message and [s.calls for s in servers] == [1, 1, 1]
    assert all(f"http://{name}/v1" in message and f"cannot reach {name}" in message for name in "abc")


def test_servers_all_cooling_down_are_still_tried():
    clock = Clock()
    a, b = FakeServer("a", fails=ServerDown("down")), FakeServer("b", fails=ServerDown("down"))
    engine = SpreadEngine([a, b], cool_down_s=30, clock=clock)
    with pytest.raises(ServerDown):
        engine.complete("x")
    b.fails = None
    assert answered_by(engine) == ["b"]  # no server is up, so the down ones are asked rather than none


def test_bad_input_is_not_retried():
    a, b = FakeServer("a", fails=BadInput("http://a/v1/completions: HTTP 400: top_p")), FakeServer("b")
    engine = SpreadEngine([a, b])
    with pytest.raises(BadInput, match="HTTP 400") as caught:
        engine.complete("x")
    assert not isinstance(caught.value, ServerDown) and (a.calls, b.calls) == (1, 0)
    a.fails = None
    assert answered_by(engine, 2) == ["b", "a"]  # a was not marked down for the caller's mistake


def test_a_cancelled_request_is_not_retried():
    a, b = FakeServer("a", fails=ServerDown("broke off")), FakeServer("b")
    engine = SpreadEngine([a, b])
    with pytest.raises(ServerDown, match="broke off"):
        engine.complete("x", cancel=Cancel())
    assert (a.calls, b.calls) == (1, 0)


def test_an_empty_list_of_engines_is_a_programming_error():
    with pytest.raises(ValueError):
        SpreadEngine([])


# --- settings


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("DCODE_CONFIG", str(path))
    return path


def test_a_list_in_the_config_file_is_several_servers(config):
    config.write_text('server_url = ["http://a:8000/v1", "https://b/v1"]\n')
    settings = load_settings()
    assert settings.server_url == "http://a:8000/v1,https://b/v1"
    assert settings.server_urls == ("http://a:8000/v1", "https://b/v1")


def test_commas_in_the_environment_are_several_servers(config, monkeypatch):
    monkeypatch.setenv("DCODE_SERVER_URL", " http://a/v1 , http://b/v1,, ")
    assert load_settings().server_urls == ("http://a/v1", "http://b/v1")
    assert Settings().server_urls == ("http://127.0.0.1:8000/v1",)


@pytest.mark.parametrize("body, message", [
    ('server_url = ["http://a/v1", "b/v1"]', "server_url must start with http:// or https://, got 'b/v1'"),
    ('server_url = ["http://a/v1", 8000]', "must be a URL or a list of URLs, got 8000 in the list"),
    ("server_url = []", "server_url must name at least one server"),
])
def test_a_bad_list_is_one_line_of_bad_input(config, body, message):
    config.write_text(body + "\n")
    with pytest.raises(BadInput) as caught:
        load_settings()
    assert message in str(caught.value) and "\n" not in str(caught.value)


# --- against a real server


def test_load_engine_spreads_and_survives_a_dead_server_listed_first(server):  # noqa: F811
    dead = f"http://127.0.0.1:{free_port()}/v1"
    engine = load_engine(Settings(engine="openai", server_url=f"{dead},{server}", model="tiny"))
    assert isinstance(engine, SpreadEngine) and engine.info.server_url == f"{dead}, {server}"
    assert load_engine(Settings(engine="openai", server_url=f"{dead}, {server}", model="tiny")) is engine
    for seed in (1, 2, 3):  # the first fails over from the dead server; the rest skip it while it cools down
        [c] = engine.complete("def add(a, b):", Sampling(max_tokens=4, seed=seed))
        assert c.finish_reason == "length" and c.text
    engine.close()
    assert load_engine(Settings(engine="openai", server_url=f"{dead},{server}", model="tiny")) is not engine


def test_a_config_file_with_a_list_reaches_the_real_server(server, config):  # noqa: F811
    dead = f"http://127.0.0.1:{free_port()}/v1"
    config.write_text(f'engine = "openai"\nmodel = "tiny"\nserver_url = ["{dead}", "{server}"]\n')
    engine = load_engine(load_settings())
    assert isinstance(engine, SpreadEngine)
    [c] = engine.complete("x =", Sampling(max_tokens=3, seed=1))
    assert c.finish_reason == "length" and c.text
    engine.close()


def test_server_url_repeated_on_the_command_line_names_every_server():
    dead = [f"http://127.0.0.1:{free_port()}/v1", "http://127.0.0.1:9/v1"]
    done = subprocess.run([str(DCODE), "solve", str(ROOT / "examples" / "solve-largest.py"), "--engine",
                           "openai", "--server-url", dead[0], "--server-url", dead[1], "--model", "x",
                           "--samples", "1"],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "every model server failed" in done.stderr and all(url in done.stderr for url in dead)
    helped = subprocess.run([str(DCODE), "solve", "--help"], capture_output=True, text=True, timeout=60)
    assert "repeat for several" in " ".join(helped.stdout.split())
