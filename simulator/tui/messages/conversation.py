"""Messages from a conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the session (engine, analysis) is not needed to start the app
    from simulator.tui.session import Session


@dataclass
class ConversationFinished(Message):
    """``session`` reached an ending: score it, save it, show its debrief."""

    session: Session


@dataclass
class LeaveRequested(Message):
    """The trainee leaves the call (already confirmed); it stays saved to resume."""

    session: Session | None
