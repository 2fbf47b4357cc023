"""Messages about the replies on offer."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class ReplyChosen(Message):
    """The trainee picked the reply shown at ``position`` (1-based) with the keys or the mouse."""

    position: int


@dataclass
class ReplyTyped(Message):
    """The trainee typed ``text`` as their reply and pressed Enter (say mode)."""

    text: str
