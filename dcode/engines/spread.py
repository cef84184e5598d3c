"""`SpreadEngine`: one Engine over several model servers, so a batch of samples uses them all.

Why: one GPU server is often too few for a solve loop's samples, and a server that goes
down (restarted, out of memory) should cost a retry, not the run. Each request goes to
the server with the fewest requests in flight, ties taken in turn, the least-outstanding-
requests rule of common load-balancing proxies: a server slowed by long generations gets
less new work without anyone measuring its speed. A server that fails is set aside for a
cool-down while others are up (passive health checking, as those proxies do it), so later
requests do not wait on it; once the cool-down is over it is tried again.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Sequence, TypeVar

from dcode.engines.base import Cancel, Completion, Engine, EngineInfo, Message, OnToken, Sampling
from dcode.errors import ServerDown

COOL_DOWN_S = 30.0

T = TypeVar("T")


@dataclass
class _Server:
    engine: Engine
    in_flight: int = 0
    down_until: float = 0.0  # on the clock of SpreadEngine; 0: up


class SpreadEngine:
    """The Engine protocol over `engines`, each request sent to one of them (thread-safe).

    A request that fails with ServerDown moves to a server it has not yet tried; one that
    was cancelled, or failed with plain BadInput (a 4xx: the request is wrong, not the
    server), is not retried, since another server would answer the same.
    """

    def __init__(self, engines: Sequence[Engine], *, cool_down_s: float = COOL_DOWN_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not engines:
            raise ValueError("SpreadEngine needs at least one engine")
        self.cool_down_s = cool_down_s
        self._servers = [_Server(engine) for engine in engines]
        self._clock = clock
        self._lock = threading.Lock()
        self._turn = 0  # where the round robin among equally busy servers starts next
        self.info: EngineInfo = replace(engines[0].info,
                                        server_url=", ".join(e.info.server_url for e in engines))

    @property
    def engines(self) -> list[Engine]:
        return [server.engine for server in self._servers]

    # --- the Engine protocol

    def complete(self, prompt: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
                 on_token: OnToken | None = None) -> list[Completion]:
        return self._spread(lambda e: e.complete(prompt, sampling, cancel=cancel, on_token=on_token), cancel)

    def chat(self, messages: list[Message], sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        return self._spread(lambda e: e.chat(messages, sampling, cancel=cancel, on_token=on_token), cancel)

    def fill(self, prefix: str, suffix: str, sampling: Sampling = Sampling(), *, cancel: Cancel | None = None,
             on_token: OnToken | None = None) -> list[Completion]:
        return self._spread(lambda e: e.fill(prefix, suffix, sampling, cancel=cancel, on_token=on_token),
                            cancel)

    def count_tokens(self, text: str) -> int:
        return self._spread(lambda e: e.count_tokens(text), None)

    def close(self) -> None:
        from dcode.engines.loader import forget

        forget(self)
        for server in self._servers:
            server.engine.close()

    # --- spreading

    def _spread(self, request: Callable[[Engine], T], cancel: Cancel | None) -> T:
        """`request` on the least busy server, then on each other one in turn while servers are down.

        A server that broke off mid-stream has already passed some tokens to `on_token`; the
        next server streams its own from the start, and only its completions are returned.
        """
        tried: set[int] = set()
        failures: list[str] = []
        while (index := self._take(tried)) is not None:
            tried.add(index)
            server = self._servers[index]
            try:
                result = request(server.engine)
            except ServerDown as e:
                self._done(server, down=True)
                if cancel is not None and cancel.is_set:
                    raise
                failures.append(" ".join(str(e).split()))
                continue
            except BaseException:
                self._done(server, down=None)
                raise
            self._done(server, down=False)
            return result
        urls = ", ".join(server.engine.info.server_url for server in self._servers)
        raise ServerDown(f"every model server failed ({urls}): {'; '.join(failures)}")

    def _take(self, tried: set[int]) -> int | None:
        """The server to send to next: not yet tried, up if any is, fewest in flight, ties in turn."""
        with self._lock:
            untried = [i for i in range(len(self._servers)) if i not in tried]
            if not untried:
                return None
            now = self._clock()
            choices = [i for i in untried if self._servers[i].down_until <= now] or untried
            fewest = min(self._servers[i].in_flight for i in choices)
            count = len(self._servers)
            index = min((i for i in choices if self._servers[i].in_flight == fewest),
                        key=lambda i: (i - self._turn) % count)
            self._turn = (index + 1) % count
            self._servers[index].in_flight += 1
            return index

    def _done(self, server: _Server, *, down: bool | None) -> None:
        """One request fewer in flight; `down` is what it showed of the server (None: nothing)."""
        with self._lock:
            server.in_flight -= 1
            if down is not None:
                server.down_until = self._clock() + self.cool_down_s if down else 0.0
