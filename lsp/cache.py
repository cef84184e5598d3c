"""Suggestions the server already has: speed as a person feels it.

Two kinds of hit. An exact one: the same header, prefix and suffix as before (the user moved away and back,
or undid a change). A typed-through one: the user typed the first characters of the suggestion on screen,
so the rest of it is still the answer and no model has to run again (llama.vscode's cache that reuses a
suggestion when the typed text is its start; Tabby calls it forwarding).

Lookups stay cheap for large documents: the dictionary key holds only the lengths and a short tail of the
prefix and head of the suffix, and a hit is then confirmed by comparing the whole strings (a memory
compare, far below a millisecond for a 10,000-line document), so a hit never answers for different text.
"""
from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass

_EDGE = 128  # characters of the prefix's end and the suffix's start that go into a key


@dataclass(frozen=True)
class _Entry:
    header: str
    prefix: str
    suffix: str
    suggestion: str
    document: str
    status: str = "untested"  # what running it on its function's examples found: passed, failed, untested
    label: str = ""  # the same in words ("passes 3/3 examples of area"), shown with it

    def same(self, header: str, prefix: str, suffix: str) -> bool:
        return self.prefix == prefix and self.suffix == suffix and self.header == header


def _key(header: str, prefix: str, suffix: str) -> tuple[int, int, int, str, str, str]:
    """A key that is cheap for long texts; equal texts have equal keys, and an entry found by its key is
    compared in full before it counts."""
    return (len(header), len(prefix), len(suffix), header[-_EDGE:], prefix[-_EDGE:], suffix[:_EDGE])


class SuggestionCache:
    """An LRU of suggestions keyed by the prompt's text, plus a short list per document of the latest ones,
    for typed-through hits.

    `capacity` bounds the entries and `max_chars` the text they hold (documents can be long), whichever
    comes first; `recent` is how many of each document's latest suggestions a typed-through lookup tries."""

    def __init__(self, capacity: int = 256, *, recent: int = 8, max_chars: int = 16_000_000,
                 max_documents: int = 64) -> None:
        self.capacity, self.max_chars, self.max_documents = max(1, capacity), max_chars, max(1, max_documents)
        self._recent_size = max(1, recent)
        self._entries: OrderedDict[tuple[int, int, int, str, str, str], _Entry] = OrderedDict()
        self._recent: OrderedDict[str, deque[_Entry]] = OrderedDict()
        self._chars = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def hit_rate(self) -> float:
        """Hits over lookups, 0.0 before the first lookup."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def put(self, prefix: str, suffix: str, suggestion: str, header: str = "", *, document: str = "",
            status: str = "untested", label: str = "") -> None:
        """Remember `suggestion` for this text, and make its rest reachable by typing its start. An empty
        suggestion is remembered too (the model had nothing to add here)."""
        entry = _Entry(header, prefix, suffix, suggestion, document, status, label)
        key = _key(header, prefix, suffix)
        old = self._entries.pop(key, None)
        if old is not None:
            self._chars -= _size(old)
        self._entries[key] = entry
        self._chars += _size(entry)
        while len(self._entries) > 1 and (len(self._entries) > self.capacity or self._chars > self.max_chars):
            self._chars -= _size(self._entries.popitem(last=False)[1])
        if suggestion:
            latest = self._recent.pop(document, None) or deque(maxlen=self._recent_size)
            latest.append(entry)
            self._recent[document] = latest
            while len(self._recent) > self.max_documents:
                self._recent.popitem(last=False)

    def get(self, prefix: str, suffix: str, header: str = "", *, document: str = "") -> str | None:
        """The suggestion for exactly this header, prefix and suffix; else the rest of a recent suggestion of
        `document` whose start the user has typed; else None."""
        found = self.exact(prefix, suffix, header) or self.rest_of(prefix, suffix, document=document)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return found[0]

    def exact(self, prefix: str, suffix: str, header: str = "") -> tuple[str, str, str] | None:
        """(suggestion, status, label) stored for exactly this header, prefix and suffix (the user moved
        away and back)."""
        key = _key(header, prefix, suffix)
        entry = self._entries.get(key)
        if entry is None or not entry.same(header, prefix, suffix):
            return None
        self._entries.move_to_end(key)
        return entry.suggestion, entry.status, entry.label

    def rest_of(self, prefix: str, suffix: str, *, document: str = "") -> tuple[str, str, str] | None:
        """The rest of a recent suggestion of `document` whose start the user has typed: the prefix is that
        suggestion's prefix plus a strict start of it, the suffix unchanged. The header is not compared, so
        a caller may ask before computing it: typing the suggestion's `helper(` may well add helper's
        signature to the header, and the text still says the same."""
        for entry in reversed(self._recent.get(document, ())):
            typed = len(prefix) - len(entry.prefix)
            if not 0 < typed < len(entry.suggestion) or len(suffix) != len(entry.suffix):
                continue
            # Cheap tests first: the typed text against the suggestion's start, then the whole texts.
            if entry.suggestion.startswith(prefix[len(entry.prefix):]) and prefix.startswith(entry.prefix) \
                    and suffix == entry.suffix:
                return entry.suggestion[typed:], entry.status, entry.label
        return None

    def clear(self, document: str | None = None) -> None:
        """Forget every suggestion, or only those of `document` (closed, or changed outside the editor).
        The hit and miss counts stay."""
        if document is None:
            self._entries.clear()
            self._recent.clear()
            self._chars = 0
            return
        self._recent.pop(document, None)
        for key in [key for key, entry in self._entries.items() if entry.document == document]:
            self._chars -= _size(self._entries.pop(key))


def _size(entry: _Entry) -> int:
    return len(entry.header) + len(entry.prefix) + len(entry.suffix) + len(entry.suggestion)
