"""Messages about choosing what to play."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from simulator.tui.catalog import Entry
from simulator.tui.settings import Mode


@dataclass
class ScenarioChosen(Message):
    """The trainee picked a scenario in the list (``key`` is the entry's key)."""

    key: str


@dataclass
class PlayRequested(Message):
    """Play ``entry``; ``mode`` / ``timed`` override this run's settings for this attempt."""

    entry: Entry
    mode: Mode | None = None
    timed: int | None = None


@dataclass
class ResumeRequested(Message):
    """Offer the trainee's unfinished calls again."""
