"""Messages the widgets send up to their screens ("attributes down, messages up")."""

from __future__ import annotations

from textual.message import Message


class ReplyChosen(Message):
    """The trainee picked reply ``number`` (1-based, as on screen) with keys or the mouse."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


class ScenarioChosen(Message):
    """The trainee picked a scenario in the picker (``key`` is the entry's key)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
