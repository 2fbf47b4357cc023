"""Batched progress ticks, so a progress bar costs nothing per row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

#: Rows between progress updates: often enough to move the bar, rarely enough to be free.
EVERY: Final = 512

Tick = Callable[[int], None]


class Ticker:
    """Counts rows and calls *tick* with the increment every `EVERY` rows."""

    __slots__ = ("_pending", "_tick", "count")

    def __init__(self, tick: Tick | None) -> None:
        self._tick = tick
        self._pending = 0
        self.count = 0

    def step(self) -> None:
        """One more row done."""
        self.count += 1
        if self._tick is not None:
            self._pending += 1
            if self._pending >= EVERY:
                self._tick(self._pending)
                self._pending = 0

    def steps(self, n: int) -> None:
        """*n* more rows done at once."""
        self.count += n
        if self._tick is not None:
            self._pending += n
            if self._pending >= EVERY:
                self._tick(self._pending)
                self._pending = 0

    def done(self) -> int:
        """Flush the last ticks; return the total count."""
        if self._tick is not None and self._pending:
            self._tick(self._pending)
            self._pending = 0
        return self.count
