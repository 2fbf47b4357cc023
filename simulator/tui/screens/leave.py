"""Leaving a call asks first: a reflex Escape must not end anything.

The call is never lost: it stays saved as unfinished, and the picker (ctrl+r)
or the next start offers to resume it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class LeaveCallScreen(ModalScreen[bool]):
    """ "Leave this call?" — dismissed with True to leave, False to stay."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "leave", "Leave"),
        Binding("n,escape", "stay", "Stay"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="leave-box", classes="dialog"):
            yield Label("Leave this call?", classes="dialog-title")
            yield Static(
                "It stays saved to resume: press ctrl+r in the scenario list, or start "
                "talkdown again, to pick it up where you left off."
            )
            with Horizontal(classes="buttons"):
                yield Button("Stay (n)", id="stay", variant="primary")
                yield Button("Leave (y)", id="leave")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()  # Enter by reflex keeps the call going

    def action_leave(self) -> None:
        """Leave; the call stays resumable."""
        self.dismiss(True)

    def action_stay(self) -> None:
        """Back to the call."""
        self.dismiss(False)

    @on(Button.Pressed, "#leave")
    def _leave(self) -> None:
        self.action_leave()

    @on(Button.Pressed, "#stay")
    def _stay(self) -> None:
        self.action_stay()
