"""The customer's mood: a bar, the number and a word (never colour alone)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Label

from simulator.tui.text import MOOD_WORDS, mood_word

LEVELS = (*(word for _, word in MOOD_WORDS), "furious")


class MoodBar(Widget):
    """The bar part of the meter; filled in proportion to the anger (0..100)."""

    mood: reactive[int] = reactive(0)

    def render(self) -> str:
        width = max(1, self.size.width)
        filled = round(width * max(0, min(100, self.mood)) / 100)
        return "█" * filled + "░" * (width - filled)


class MoodMeter(Horizontal):
    """``Mood ███████░░░  70 angry``, coloured by level via a ``-calm``… class."""

    mood: reactive[int] = reactive(0)

    def compose(self) -> ComposeResult:
        yield Label("Mood", id="mood-label")
        yield MoodBar(id="mood-bar")
        yield Label("", id="mood-word")

    def watch_mood(self, mood: int) -> None:
        word = mood_word(mood)
        for level in LEVELS:
            self.set_class(level == word, f"-{level}")
        self.query_one(MoodBar).mood = mood
        self.query_one("#mood-word", Label).update(f"{mood:>3} {word}")
