"""Messages from the debrief."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the session (engine, analysis) is not needed to start the app
    from simulator.tui.session import Session


@dataclass
class RetryRequested(Message):
    """Play ``session``'s scenario again from the same start."""

    session: Session


@dataclass
class ExpertReplayRequested(Message):
    """Watch the expert play ``choices`` (authored numbers) from ``session``'s start."""

    session: Session
    choices: tuple[int, ...]


@dataclass
class BackToScenarios(Message):
    """Close the debrief and go back to the scenario list."""
