"""Who is playing? On a trainee's own machine asked once, then remembered in the config;
in a classroom session (`talkdown serve`) asked at the start of every browser session."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from simulator.terminal import control_problem


class IdentityScreen(ModalScreen[tuple[str, str]]):
    """Ask for the trainee's name and cohort; dismiss with ``(name, cohort)``.

    Tab, shift+tab and Enter-in-the-name are *priority* bindings: the app runs
    them the moment the key arrives, before it hands the next key to a widget.
    As ordinary bindings they ran only after the focused field had passed the
    key up, by when keys typed straight after ("Ann Lee", Tab, "spring" from a
    fast typist, a paste or a browser session's bunched keys) had already
    gone to the name field: "Ann Leespring".
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
        Binding("enter", "name_to_cohort", show=False, priority=True),
    ]

    def __init__(self, name: str = "", cohort: str = "", *, classroom: bool = False) -> None:
        super().__init__(id="identity")
        self._name = name
        self._cohort = cohort
        self._classroom = classroom

    def compose(self) -> ComposeResult:
        with Vertical(id="identity-box", classes="dialog"):
            yield Label("Welcome to talkdown", classes="dialog-title")
            yield Static(self._intro())
            yield Label("Your name")
            yield Input(self._name, placeholder="e.g. Sam Doe", id="name")
            yield Label("Cohort")
            yield Input(self._cohort, placeholder="e.g. 2025-spring", id="cohort")
            yield Static("", id="identity-error")
            yield Button("Start", id="start", variant="primary")

    def _intro(self) -> str:
        saved = ("Your results are saved under your name and cohort (ask your trainer which "
                 "cohort you are in).")  # fmt: skip
        if self._classroom:  # the same browser may be someone else's next
            return (f"{saved} Your trainer's computer keeps them; this page forgets you "
                    "when you close it.")  # fmt: skip
        return f"{saved} You will only be asked once."

    def on_mount(self) -> None:
        self.query_one("#name" if not self._name else "#cohort", Input).focus()

    def action_name_to_cohort(self) -> None:
        """Enter in the name field: on to the cohort, before the next key arrives.

        Anywhere else Enter goes on to the focused widget as usual (the cohort
        field submits, the button presses): in order after the keys before it,
        so the cohort is read only once everything typed into it is there.
        """
        if self.focused is None or self.focused.id != "name":
            raise SkipAction()
        # Screen.set_focus, not Widget.focus: that one is deferred, and the
        # next key must already find the cohort focused.
        self.set_focus(self.query_one("#cohort", Input))

    @on(Input.Submitted, "#cohort")
    @on(Button.Pressed, "#start")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        cohort = self.query_one("#cohort", Input).value.strip()
        if not name or not cohort:
            missing = "your name" if not name else "your cohort"
            self.query_one("#identity-error", Static).update(f"Please enter {missing}.")
            self.set_focus(self.query_one("#name" if not name else "#cohort", Input))
            return
        for field, what, value in (("#name", "Your name", name), ("#cohort", "The cohort", cohort)):
            problem = control_problem(value)
            if problem is not None:  # e.g. a pasted escape sequence
                self.query_one("#identity-error", Static).update(
                    f"{what} cannot be used: {problem}. Type it again without it."
                )
                self.set_focus(self.query_one(field, Input))
                return
        self.dismiss((name, cohort))
