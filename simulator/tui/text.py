"""Words and symbols of the TUI: mood words, the call clock, difficulty dots (no Textual).

Numbers, counts and names are formatted by `simulator.formatting`, shared with the reports.
"""

from __future__ import annotations

from typing import Final

# Upper bounds (exclusive) of each mood word; furious is everything above.
MOOD_WORDS: Final[tuple[tuple[int, str], ...]] = ((30, "calm"), (55, "annoyed"), (80, "angry"))


def mood_word(mood: int) -> str:
    """The word for a mood: calm < 30 ≤ annoyed < 55 ≤ angry < 80 ≤ furious."""
    for bound, word in MOOD_WORDS:
        if mood < bound:
            return word
    return "furious"


def call_clock(seconds: int) -> str:
    """Simulated call time as ``m:ss``."""
    minutes, secs = divmod(max(0, seconds), 60)
    return f"{minutes}:{secs:02d}"


def difficulty_dots(level: int) -> str:
    """Difficulty 1..5 as filled and hollow dots (shape, not colour)."""
    level = max(0, min(5, level))
    return "●" * level + "○" * (5 - level)
