"""How this run of the app plays scenarios (light: imported before the first frame)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Mode = Literal["practice", "assessment"]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class PlaySettings:
    """How scenarios are played in this run of the app."""

    mode: Mode = "practice"
    timed: int | None = None  # pressure mode: seconds per reply
    preview: bool = False  # author preview: nothing is recorded
    start: str | None = None  # --from
    mood: int | None = None  # --mood
    flags: tuple[str, ...] = ()  # --set
    say: bool = False  # --say: type replies in your own words (ctrl+t switches in a call)
    matcher: str | None = None  # --matcher: what hears typed replies (None: the default)

    @property
    def assessment(self) -> bool:
        """True when feedback is held back until the debrief."""
        return self.mode == "assessment"
