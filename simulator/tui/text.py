"""Small formatting rules shared by the screens (plain functions, no Textual)."""

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


def score_text(value: float | None) -> str:
    """A 0–100 score rounded for display, or "not assessed"."""
    return "not assessed" if value is None else f"{value:.0f}"


def difficulty_dots(level: int) -> str:
    """Difficulty 1..5 as filled and hollow dots (shape, not colour)."""
    level = max(0, min(5, level))
    return "●" * level + "○" * (5 - level)


def signed(value: int) -> str:
    """``+2`` / ``-1`` / ``0``: points and mood deltas in the author view."""
    return f"{value:+d}" if value else "0"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 attempt`` / ``3 attempts``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
