"""Stop strings for backends that generate token by token in-process.

A stop string can arrive split over several tokens, so text that might be the start of
one is held back from the stream until it is clearly not; the caller never sees a stop
string, or half of one.
"""
from __future__ import annotations


class StopScanner:
    def __init__(self, stops: tuple[str, ...] | list[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self.text = ""  # everything generated so far, up to (not including) a stop string
        self._sent = 0  # how much of `text` has been released to the stream
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Add generated text; return the part that is safe to stream now."""
        if self.stopped:
            return ""
        self.text += piece
        cut = self._first_stop()
        if cut is not None:
            self.text = self.text[:cut]
            self.stopped = True
            return self.flush()
        safe = len(self.text) - self._held_back()
        released = self.text[self._sent:safe]
        self._sent = max(self._sent, safe)
        return released

    def flush(self) -> str:
        """Everything not yet streamed (at the end of generation)."""
        released = self.text[self._sent:]
        self._sent = len(self.text)
        return released

    def _first_stop(self) -> int | None:
        # Only the unsent tail (plus room for a stop that straddles it) can hold a new stop.
        start = max(0, self._sent - max((len(s) for s in self.stops), default=0))
        hits = [i for s in self.stops if (i := self.text.find(s, start)) >= 0]
        return min(hits) if hits else None

    def _held_back(self) -> int:
        """Length of the longest tail of `text` that is a proper prefix of some stop string."""
        longest = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(self.text)), longest, -1):
                if self.text.endswith(stop[:n]):
                    longest = n
                    break
        return longest
