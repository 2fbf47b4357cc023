"""Unfinished attempts found at start: resume one, abandon it, or decide later."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from simulator.formatting import plural
from simulator.terminal import visible_line

if TYPE_CHECKING:
    from simulator.results import AttemptRow

ResumeChoice = tuple[str, str]  # ("resume" | "abandon", attempt uuid)


def attempt_prompt(attempt: AttemptRow) -> Content:
    """Title, replies so far, mode and when it was started (local time)."""
    started = attempt.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
    mode = attempt.mode + (f", {attempt.timed_seconds}s timer" if attempt.timed_seconds else "")
    return Content.assemble(
        (visible_line(attempt.scenario_title), "bold"),
        "\n  ",
        (f"{plural(attempt.turns, 'reply', 'replies')} so far · {mode} · started {started}",
         "$text-muted"),
    )  # fmt: skip


class ResumeScreen(ModalScreen[ResumeChoice | None]):
    """Offer the trainee's unfinished attempts; None means "later"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose('resume')", "Resume"),
        Binding("x", "choose('abandon')", "Abandon"),
        Binding("escape", "later", "Later"),
    ]

    def __init__(self, attempts: Sequence[AttemptRow]) -> None:
        super().__init__(id="resume")
        self.attempts = list(attempts)

    def compose(self) -> ComposeResult:
        with Vertical(id="resume-box", classes="dialog"):
            yield Label("You have an unfinished conversation", classes="dialog-title")
            yield Static("Pick up where you left off, or abandon it (it stays in your "
                         "record as abandoned).")  # fmt: skip
            yield OptionList(
                *(Option(attempt_prompt(a), id=a.uuid) for a in self.attempts), id="attempts"
            )
            with Horizontal(classes="buttons"):
                yield Button("Resume (r)", id="resume-btn", variant="primary")
                yield Button("Abandon (x)", id="abandon-btn", variant="error")
                yield Button("Later (esc)", id="later-btn")

    def on_mount(self) -> None:
        listing = self.query_one("#attempts", OptionList)
        listing.highlighted = 0
        listing.focus()

    def _selected(self) -> str | None:
        listing = self.query_one("#attempts", OptionList)
        if listing.highlighted is None:
            return None
        return listing.get_option_at_index(listing.highlighted).id

    def action_choose(self, action: str) -> None:
        """Resume or abandon the highlighted attempt."""
        uuid = self._selected()
        if uuid is not None:
            self.dismiss((action, uuid))

    def action_later(self) -> None:
        """Leave them unfinished for now."""
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#attempts")
    def _picked(self) -> None:
        self.action_choose("resume")

    @on(Button.Pressed, "#resume-btn")
    def _resume(self) -> None:
        self.action_choose("resume")

    @on(Button.Pressed, "#abandon-btn")
    def _abandon(self) -> None:
        self.action_choose("abandon")

    @on(Button.Pressed, "#later-btn")
    def _later(self) -> None:
        self.action_later()
