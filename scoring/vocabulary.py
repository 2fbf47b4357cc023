"""The scoring vocabulary, defined once: how a conversation can end, what is scored.

Every other module (loader, store, exports, report, analysis) imports these
names instead of spelling the tuples out again.
"""

from __future__ import annotations

from typing import Final, Literal

Ending = Literal["resolved", "escalated", "lost"]

#: How a conversation can end. ``lost`` includes the walkout.
ENDINGS: Final[tuple[Ending, ...]] = ("resolved", "escalated", "lost")

#: The three scored dimensions, in the order they are shown and weighted.
DIMENSIONS: Final[tuple[str, ...]] = ("empathy", "assertiveness", "speed")

#: Every score an attempt has: the dimensions and their weighted overall.
SCORES: Final[tuple[str, ...]] = (*DIMENSIONS, "overall")

#: The two dimensions a single reply is scored on (speed belongs to the path).
REPLY_DIMENSIONS: Final[tuple[str, ...]] = ("empathy", "assertiveness")
