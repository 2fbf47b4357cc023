"""How many classroom sessions may run at once (``--max-sessions``).

Each browser session is a process of its own (its memory is measured by
benchmarks/bench_serve.py), so a room's sessions are capped. Beyond the cap a
browser is shown a "classroom full" page that tries again by itself; the
trainer's terminal says so once when the room fills, and once when a place
frees up (with how many page loads were turned away meanwhile), not once per
retry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Places:
    """Sessions in use out of ``limit``, and the page loads turned away while full."""

    limit: int
    in_use: int = 0
    turned_away: int = 0  # since the classroom last became full

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("a classroom needs at least one place")

    @property
    def full(self) -> bool:
        """True when every place is taken."""
        return self.in_use >= self.limit

    def take(self) -> bool:
        """Take a place for a new session; False when the classroom is full."""
        if self.full:
            return False
        self.in_use += 1
        return True

    def refuse(self) -> int:
        """Count a browser turned away; how many have been since the room filled."""
        self.turned_away += 1
        return self.turned_away

    def give_back(self) -> int:
        """Free a session's place; how many were turned away while the room was full."""
        if self.in_use <= 0:
            raise RuntimeError("a place was given back that was never taken")
        self.in_use -= 1
        turned_away, self.turned_away = self.turned_away, 0
        return turned_away
