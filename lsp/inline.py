"""Inline suggestions: from a cursor to tested, trimmed text, as fast as a person typing needs.

The order of a request, and where each idea comes from:

1. The cache first, with no debounce: an exact hit, or the rest of an earlier suggestion
   when the user has typed its start (llama.vscode's typed-through cache; Tabby stores a
   result for the positions the user reaches by typing it, which is the same lookup).
2. A generation still running for this document: when the new prefix extends the one it
   was asked for, wait for it and take what remains after the typed text (Continue's reuse
   of an in-flight stream); otherwise stop it (Tabby aborts the previous request). One
   generation runs per document.
3. A short debounce, then one engine call: fill-in-the-middle in the model's own format
   when it has one, else the prefix alone, the suffix used only to trim (gemma-3 has no
   FIM tokens). Extra context comes first and the current line last, so consecutive
   prompts share their token prefix and llama.cpp reuses the evaluated KV cache.
4. Trim (lsp/trim.py), then run each suggestion on the enclosing function's docstring
   examples (dcode.loops.suggest): passing ones first, or only those, as set.

`$/cancelRequest` stops a generation a short grace period later, unless a newer request
has attached to it in the meantime (VS Code cancels the previous inline request whenever
it sends the next one).
"""
from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from dcode.engines.base import Cancel, Engine, Sampling
from lsp.cache import SuggestionCache
from lsp.context import RecentChunks, Window, build_window, python_context
from lsp.settings import ServerSettings
from lsp.trim import is_useful, trim_suggestion

CANCEL_GRACE_S = 0.15  # how long a cancelled generation waits for a newer request to take it over
RING_MAX_CHARS = 1500
MOVE_LINES = 32  # a cursor this far from the last request's line leaves a chunk behind for context


@dataclass
class Flight:
    """One generation in progress for a document."""

    window: Window
    task: asyncio.Future
    cancel: Cancel
    waiters: int = 1

    def extends(self, window: Window) -> bool:
        return (window.header == self.window.header and window.suffix == self.window.suffix
                and window.prefix.startswith(self.window.prefix))


@dataclass
class Stats:
    requests: int = 0
    cache_hits: int = 0
    reused: int = 0  # answered from a generation already in flight
    generations: int = 0
    cancelled: int = 0  # generations stopped before they finished
    checks: int = 0
    last_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)


def _position_offset(text: str, line: int, character: int) -> int:
    """The str offset of an LSP position (UTF-16 units), clamped to the text."""
    lines = text.splitlines(keepends=True)
    if line >= len(lines):
        return len(text)
    offset = sum(len(x) for x in lines[:line])
    units = 0
    for i, ch in enumerate(lines[line]):
        if units >= character or ch in "\r\n":
            return offset + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return offset + len(lines[line].rstrip("\r\n"))


class Suggester:
    def __init__(self, engine: Callable[[], Awaitable[Engine]], settings: Callable[[], ServerSettings], *,
                 check=None, generate_pool: ThreadPoolExecutor | None = None) -> None:
        self._engine, self._settings = engine, settings
        self._check = check
        self.cache = SuggestionCache()
        self.chunks = RecentChunks()
        self.stats = Stats()
        self._flights: dict[str, Flight] = {}
        self._last_line: dict[str, int] = {}
        self._generate_pool = generate_pool or ThreadPoolExecutor(1, thread_name_prefix="dcode-generate")
        self._check_pool = ThreadPoolExecutor(2, thread_name_prefix="dcode-check")

    # --- context ----------------------------------------------------------------------------
    def window(self, uri: str, text: str, line: int, character: int, open_documents: dict[str, str]) -> Window:
        s = self._settings()
        window = build_window(text, line, character, max_prefix_lines=s.max_prefix_lines,
                              max_suffix_lines=s.max_suffix_lines)
        start = line - window.prefix.count("\n")
        others = {u: t for u, t in open_documents.items() if u != uri}
        header = python_context(text, line, open_documents=others, window_start_line=start)
        ring = self.chunks.render(RING_MAX_CHARS)
        return Window(prefix=window.prefix, suffix=window.suffix, header=ring + header)

    def note_cursor(self, uri: str, text: str, line: int) -> None:
        """A jump far from the last request leaves the lines it left as a chunk (llama.vscode's ring buffer)."""
        last = self._last_line.get(uri)
        self._last_line[uri] = line
        if last is not None and abs(line - last) >= MOVE_LINES:
            lines = text.splitlines(keepends=True)
            self.chunks.add("".join(lines[max(0, last - 8):last + 8]))

    # --- a request ---------------------------------------------------------------------------
    async def suggest(self, uri: str, text: str, line: int, character: int,
                      open_documents: dict[str, str] | None = None) -> list[str]:
        started = time.perf_counter()
        self.stats.requests += 1
        try:
            return await self._suggest(uri, text, line, character, open_documents or {})
        finally:
            self.stats.last_ms = (time.perf_counter() - started) * 1000
            self.stats.times_ms.append(self.stats.last_ms)
            del self.stats.times_ms[:-1000]

    async def _suggest(self, uri: str, text: str, line: int, character: int, open_documents: dict[str, str]) -> list[str]:
        s = self._settings()
        if not s.enabled:
            return []
        self.note_cursor(uri, text, line)
        window = self.window(uri, text, line, character, open_documents)
        hit = self.cache.get(window.prefix, window.suffix, window.header, document=uri)
        if hit is not None:
            self.stats.cache_hits += 1
            return [hit]
        flight = self._flights.get(uri)
        if flight is not None and not flight.task.done():
            if flight.extends(window):
                return await self._follow(flight, window, uri)
            self._stop(flight)
        if s.debounce_ms:
            await asyncio.sleep(s.debounce_ms / 1000)
        engine = await self._engine()
        cancel = Cancel()
        flight = Flight(window, asyncio.ensure_future(self._generate(engine, window, s, cancel)), cancel)
        self._flights[uri] = flight
        suggestions = await self._wait(flight)
        suggestions = await self._tested(text, line, character, suggestions, s)
        if suggestions:
            self.cache.put(window.prefix, window.suffix, suggestions[0], window.header, document=uri)
        return suggestions

    async def _follow(self, flight: Flight, window: Window, uri: str) -> list[str]:
        self.stats.reused += 1
        flight.waiters += 1
        suggestions = await self._wait(flight)
        typed = window.prefix[len(flight.window.prefix):]
        rest = [x[len(typed):] for x in suggestions if x.startswith(typed) and len(x) > len(typed)]
        return [r for r in rest if is_useful(r)]

    async def _wait(self, flight: Flight) -> list[str]:
        try:
            return await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            flight.waiters -= 1
            if flight.waiters <= 0:
                asyncio.get_running_loop().call_later(CANCEL_GRACE_S, self._stop_if_orphaned, flight)
            raise

    def _stop_if_orphaned(self, flight: Flight) -> None:
        if flight.waiters <= 0:
            self._stop(flight)

    def _stop(self, flight: Flight) -> None:
        if not flight.task.done():
            self.stats.cancelled += 1
        flight.cancel.set()

    async def _generate(self, engine: Engine, window: Window, s: ServerSettings, cancel: Cancel) -> list[str]:
        self.stats.generations += 1
        mid_line = bool(window.suffix.split("\n", 1)[0].strip())
        stop = ("\n",) if mid_line else ("\n\n\n", "\ndef ", "\nclass ", "\nif __name__")
        sampling = Sampling(n=s.suggestions, max_tokens=s.max_tokens, temperature=0.0 if s.suggestions == 1 else 0.6,
                            seed=0, stop=stop, urgent=True)

        def call() -> list[str]:
            if cancel.is_set:
                return []
            if engine.info.supports_fim:
                out = engine.fill(window.header + window.prefix, window.suffix, sampling, cancel=cancel)
            else:
                out = engine.complete(window.header + window.prefix, sampling, cancel=cancel)
            return [c.text for c in out]

        texts = await asyncio.get_running_loop().run_in_executor(self._generate_pool, call)
        if cancel.is_set:
            return []
        trimmed = [trim_suggestion(t, prefix=window.prefix, suffix=window.suffix) for t in texts]
        return list(dict.fromkeys(t for t in trimmed if is_useful(t)))

    async def _tested(self, text: str, line: int, character: int, suggestions: list[str],
                      s: ServerSettings) -> list[str]:
        if s.tested == "off" or not suggestions or self._check is None:
            return suggestions
        offset = _position_offset(text, line, character)
        loop = asyncio.get_running_loop()

        def run(suggestion: str):
            return self._check(text[:offset] + suggestion + text[offset:], line + 1, timeout_s=s.check_timeout_s)

        checks = await asyncio.gather(*(loop.run_in_executor(self._check_pool, run, x) for x in suggestions))
        self.stats.checks += len(checks)
        order = sorted(range(len(suggestions)), key=lambda i: {"passed": 0, "untested": 1, "failed": 2}[checks[i].status])
        if s.tested == "require":
            order = [i for i in order if checks[i].status == "passed"]
        return [suggestions[i] for i in order]

    async def warm(self, engine: Engine, text: str) -> None:
        """Evaluate a document's opening into the KV cache (a one-token generation), so its first suggestion is quick."""
        s = self._settings()
        lines = text.splitlines()
        window = build_window(text, min(len(lines), s.max_prefix_lines), 0, max_prefix_lines=s.max_prefix_lines,
                              max_suffix_lines=0)
        sampling = Sampling(max_tokens=1, temperature=0.0, seed=0)

        def call() -> None:
            if engine.info.supports_fim:
                engine.fill(window.prefix, "", sampling)
            else:
                engine.complete(window.prefix, sampling)

        await asyncio.get_running_loop().run_in_executor(self._generate_pool, call)

    def forget(self, uri: str) -> None:
        flight = self._flights.pop(uri, None)
        if flight is not None:
            self._stop(flight)
        self._last_line.pop(uri, None)
        self.cache.clear(uri)

    def close(self) -> None:
        for flight in list(self._flights.values()):
            self._stop(flight)
        self._generate_pool.shutdown(wait=False, cancel_futures=True)
        self._check_pool.shutdown(wait=False, cancel_futures=True)
