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
from dataclasses import dataclass
from typing import Awaitable, Callable, Literal

from dcode.engines.base import Cancel, Engine, Sampling
from dcode.loops.suggest import SuggestionCheck
from lsp.cache import SuggestionCache
from lsp.context import RecentChunks, Window, build_window, python_context
from lsp.settings import ServerSettings
from lsp.trim import is_useful, trim_suggestion

CANCEL_GRACE_S = 0.15  # how long a cancelled generation waits for a newer request to take it over
RING_MAX_CHARS = 1500
MOVE_LINES = 32  # a cursor this far from the last request's line leaves a chunk behind for context


@dataclass(frozen=True)
class Suggestion:
    """A suggestion and what running it on its function's examples found."""

    text: str
    status: Literal["passed", "failed", "untested"] = "untested"
    label: str = ""  # for the item, e.g. "passes 3/3 examples of area"; "" when nothing ran


def check_label(check) -> str:
    """The words an editor shows beside a checked suggestion."""
    if check.status == "passed":
        return f"passes {check.passed}/{check.total} examples of {check.function}"
    if check.status == "failed":
        return f"fails {check.total - check.passed} of {check.total} examples of {check.function}"
    return ""


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
    accepted: int = 0  # items the client reported accepted (their command ran)
    last_ms: float = 0.0
    last_check_ms: float = 0.0  # what checking the last generation's suggestions added
    tokens_per_s: float | None = None  # the last generation's decoding speed, for an editor's status bar


def suggestion_sampling(window: Window, s: ServerSettings) -> Sampling:
    """How an inline request samples: greedy for one suggestion, varied for several; one line when the cursor
    has text after it on its line, else up to the next top-level definition."""
    mid_line = bool(window.suffix.split("\n", 1)[0].strip())
    stop = ("\n",) if mid_line else ("\n\n\n", "\ndef ", "\nclass ", "\nif __name__")
    return Sampling(n=s.suggestions, max_tokens=s.max_tokens, temperature=0.0 if s.suggestions == 1 else 0.6,
                    seed=0, stop=stop, urgent=True)


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
        self._headers: dict[str, tuple[str, int, str]] = {}  # uri -> (text, line, header) of its last request
        self._generate_pool = generate_pool or ThreadPoolExecutor(1, thread_name_prefix="dcode-generate")
        self._check_pool = ThreadPoolExecutor(2, thread_name_prefix="dcode-check")

    # --- context ----------------------------------------------------------------------------
    def bare_window(self, text: str, line: int, character: int) -> Window:
        """The prefix and suffix around the cursor, without the header (cheap: string slicing)."""
        s = self._settings()
        return build_window(text, line, character, max_prefix_lines=s.max_prefix_lines,
                            max_suffix_lines=s.max_suffix_lines)

    def header(self, uri: str, text: str, line: int, bare: Window, open_documents: dict[str, str]) -> str:
        """The context before the window: recent chunks, then what tree-sitter finds. The same text and line
        as this document's last request reuse its header (a parse of a long file costs milliseconds)."""
        last = self._headers.get(uri)
        if last is not None and last[1] == line and last[0] == text:
            return last[2]
        start = line - bare.prefix.count("\n")
        others = {u: t for u, t in open_documents.items() if u != uri}
        header = self.chunks.render(RING_MAX_CHARS) + python_context(text, line, open_documents=others,
                                                                     window_start_line=start)
        self._headers[uri] = (text, line, header)
        return header

    def note_cursor(self, uri: str, text: str, line: int) -> None:
        """A jump far from the last request leaves the lines it left as a chunk (llama.vscode's ring buffer)."""
        last = self._last_line.get(uri)
        self._last_line[uri] = line
        if last is not None and abs(line - last) >= MOVE_LINES:
            lines = text.splitlines(keepends=True)
            self.chunks.add("".join(lines[max(0, last - 8):last + 8]))

    # --- a request ---------------------------------------------------------------------------
    async def suggest(self, uri: str, text: str, line: int, character: int,
                      open_documents: dict[str, str] | None = None) -> list[Suggestion]:
        started = time.perf_counter()
        self.stats.requests += 1
        try:
            return await self._suggest(uri, text, line, character, open_documents or {})
        finally:
            self.stats.last_ms = (time.perf_counter() - started) * 1000

    async def _suggest(self, uri: str, text: str, line: int, character: int,
                       open_documents: dict[str, str]) -> list[Suggestion]:
        s = self._settings()
        if not s.enabled:
            return []
        self.note_cursor(uri, text, line)
        bare = self.bare_window(text, line, character)
        # Typed-through first: it needs no header, so a hit never waits for a parse.
        hit = self.cache.rest_of(bare.prefix, bare.suffix, document=uri)
        window = bare if hit is not None else \
            Window(bare.prefix, bare.suffix, self.header(uri, text, line, bare, open_documents))
        hit = hit or self.cache.exact(window.prefix, window.suffix, window.header)
        if hit is not None:
            self.stats.cache_hits += 1
            return [Suggestion(*hit)]
        flight = self._flights.get(uri)
        if flight is not None and not flight.task.done():
            if flight.extends(window):
                return await self._follow(flight, window)
            self._stop(flight)
        if s.debounce_ms:
            await asyncio.sleep(s.debounce_ms / 1000)
        engine = await self._engine()
        cancel = Cancel()
        flight = Flight(window, asyncio.ensure_future(self._generate_and_check(engine, window, s, cancel,
                                                                                (text, line, character))), cancel)
        self._flights[uri] = flight
        suggestions = await self._wait(flight)
        if suggestions:
            first = suggestions[0]
            self.cache.put(window.prefix, window.suffix, first.text, window.header, document=uri,
                           status=first.status, label=first.label)
        return suggestions

    async def _follow(self, flight: Flight, window: Window) -> list[Suggestion]:
        self.stats.reused += 1
        flight.waiters += 1
        suggestions = await self._wait(flight)
        typed = window.prefix[len(flight.window.prefix):]
        return [Suggestion(x.text[len(typed):], x.status, x.label) for x in suggestions
                if x.text.startswith(typed) and len(x.text) > len(typed) and is_useful(x.text[len(typed):])]

    async def _generate_and_check(self, engine: Engine, window: Window, s: ServerSettings, cancel: Cancel,
                                  where: tuple[str, int, int]) -> list[Suggestion]:
        texts = await self._generate(engine, window, s, cancel)
        return await self._tested(*where, texts, s)

    async def _wait(self, flight: Flight) -> list[Suggestion]:
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
        sampling = suggestion_sampling(window, s)

        def call() -> list[str]:
            if cancel.is_set:
                return []
            if engine.info.supports_fim:
                out = engine.fill(window.header + window.prefix, window.suffix, sampling, cancel=cancel)
            else:
                out = engine.complete(window.header + window.prefix, sampling, cancel=cancel)
            speeds = [c.tokens_per_s for c in out if c.completion_tokens > 1]
            if speeds:
                self.stats.tokens_per_s = sum(speeds) / len(speeds)
            return [c.text for c in out]

        texts = await asyncio.get_running_loop().run_in_executor(self._generate_pool, call)
        if cancel.is_set:
            return []
        trimmed = [trim_suggestion(t, prefix=window.prefix, suffix=window.suffix) for t in texts]
        return list(dict.fromkeys(t for t in trimmed if is_useful(t)))

    async def _tested(self, text: str, line: int, character: int, suggestions: list[str],
                      s: ServerSettings) -> list[Suggestion]:
        """Each suggestion run on its function's examples, those that pass first ("require": only those).
        The order among equals is the model's, so a check never demotes the model's first choice for
        another that did no better."""
        if s.tested == "off" or not suggestions or self._check is None:
            return [Suggestion(x) for x in suggestions]
        started = time.perf_counter()
        offset = _position_offset(text, line, character)
        loop = asyncio.get_running_loop()

        def run(suggestion: str):
            try:
                return self._check(text[:offset] + suggestion + text[offset:], line + 1, timeout_s=s.check_timeout_s)
            except Exception as e:  # noqa: BLE001 - a check that breaks leaves its suggestion unranked, not lost
                return SuggestionCheck("untested", message=f"the check failed: {type(e).__name__}: {e}")

        checks = await asyncio.gather(*(loop.run_in_executor(self._check_pool, run, x) for x in suggestions))
        self.stats.checks += len(checks)
        self.stats.last_check_ms = (time.perf_counter() - started) * 1000
        rank = {"passed": 0, "untested": 1, "failed": 2}
        order = sorted(range(len(suggestions)), key=lambda i: rank[checks[i].status])
        if s.tested == "require":
            order = [i for i in order if checks[i].status == "passed"]
        return [Suggestion(suggestions[i], checks[i].status, check_label(checks[i])) for i in order]

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
        self._headers.pop(uri, None)
        self.cache.clear(uri)

    def close(self) -> None:
        for flight in list(self._flights.values()):
            self._stop(flight)
        self._generate_pool.shutdown(wait=False, cancel_futures=True)
        self._check_pool.shutdown(wait=False, cancel_futures=True)
