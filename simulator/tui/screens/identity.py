"""Who is playing? On a trainee's own machine asked once, then remembered in the config;
in a classroom session (`talkdown serve`) asked at the start of every browser session."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from simulator.terminal import control_problem


class IdentityScreen(ModalScreen[tuple[str, str]]):
    """Ask for the trainee's name and cohort; dismiss with ``(name, cohort)``."""

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

    @on(Input.Submitted, "#name")
    def _next(self) -> None:
        self.query_one("#cohort", Input).focus()

    @on(Input.Submitted, "#cohort")
    @on(Button.Pressed, "#start")
    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        cohort = self.query_one("#cohort", Input).value.strip()
        if not name or not cohort:
            missing = "your name" if not name else "your cohort"
            self.query_one("#identity-error", Static).update(f"Please enter {missing}.")
            self.query_one("#name" if not name else "#cohort", Input).focus()
            return
        for field, what, value in (("#name", "Your name", name), ("#cohort", "The cohort", cohort)):
            problem = control_problem(value)
            if problem is not None:  # e.g. a pasted escape sequence
                self.query_one("#identity-error", Static).update(
                    f"{what} cannot be used: {problem}. Type it again without it."
                )
                self.query_one(field, Input).focus()
                return
        self.dismiss((name, cohort))
