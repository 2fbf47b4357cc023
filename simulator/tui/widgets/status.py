"""The conversation's status line: mood, turn, simulated call clock, countdown, mode."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label, Static

from simulator.formatting import plural
from simulator.tui.text import call_clock
from simulator.tui.widgets.mood_meter import MoodMeter

URGENT_SECONDS = 5


class Countdown(Static):
    """Pressure mode: seconds left to reply (hidden when there is no timer)."""

    remaining: reactive[float | None] = reactive(None)

    def watch_remaining(self, remaining: float | None) -> None:
        self.display = remaining is not None
        if remaining is None:
            return
        left = max(0, int(remaining + 0.999))  # 4.2 s left reads as 5, so 0 means time is up
        urgent = left <= URGENT_SECONDS
        self.set_class(urgent, "-urgent")
        self.update(f"⏱ {left} s left" + ("!" if urgent else ""))


class CallStatus(Horizontal):
    """Mood meter, turn, call clock, countdown and mode in one line."""

    turn: reactive[int] = reactive(0)
    seconds: reactive[int] = reactive(0)
    node: reactive[str] = reactive("")  # shown in the author view only
    ended: reactive[bool] = reactive(False)  # the call is over (the expert replay's end)

    def __init__(self, mode: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = mode

    def compose(self) -> ComposeResult:
        yield MoodMeter(id="mood")
        yield Label("", id="turn")
        yield Countdown(id="countdown")
        yield Label(self.mode, id="mode")

    def _show(self) -> None:
        if self.ended:
            text = f"Ended · {plural(self.turn, 'reply', 'replies')} · {call_clock(self.seconds)}"
        else:
            text = f"Turn {self.turn + 1} · Call {call_clock(self.seconds)}"
        if self.node:
            text += f" · node {self.node}"
        self.query_one("#turn", Label).update(text)

    def watch_turn(self) -> None:
        self._show()

    def watch_seconds(self) -> None:
        self._show()

    def watch_node(self) -> None:
        self._show()

    def watch_ended(self) -> None:
        self._show()
