"""Say mode's box: type a reply, then see what the customer hears before it is said.

Three faces, one widget (the conversation screen says which):

* **typing**: an input line under "Say it your way"; Enter posts `ReplyTyped`.
* **listening**: the text is being matched off the UI thread (the semantic
  matcher, perhaps loading its model the first time).
* **heard**: "The customer hears: <reply>" with the confidence in plain words,
  or, when the text was rejected, that it could not be matched and why. The
  screen shows the reply list below it to confirm, override or pick.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from simulator.matching import Match
from simulator.terminal import visible, visible_line
from simulator.tui.messages import ReplyTyped
from simulator.typed import MAX_TYPED_CHARS

TYPING_TITLE = "Say it your way — type your reply, then Enter"
PLACEHOLDER = "What do you say to the customer?"


def keys_hint(count: int) -> str:
    """The reply keys for ``count`` replies: "1–4", or "1"."""
    return "1" if count == 1 else f"1–{count}"


def heard_content(match: Match, said: str, count: int) -> Content:
    """What the customer hears (``said``: the matched reply as said) and the keys."""
    return Content("\n").join([
        Content.assemble(("The customer hears: ", "bold"), f"“{visible(said)}”"),
        Content.assemble(
            (f"That is {match.confidence_words} for what you typed. ", "$text-muted"),
            ("Enter", "bold"), " says it · ", (keys_hint(count), "bold"),
            " says another instead · ", ("Esc", "bold"), " rephrases",
        ),
    ])  # fmt: skip


REASONS = {
    "no-match": "It isn't close enough to any reply here to say it for you.",
    "ambiguous": "It is as close to one reply here as to another, so it isn't said for you.",
    "empty": "There were no words in it to match.",
}


def unmatched_content(match: Match, count: int) -> Content:
    """The text could not be matched: say so plainly, and how to go on."""
    return Content("\n").join([
        Content.assemble(("Couldn't match “", "bold"), (visible_line(match.text), "bold"),
                         ("”", "bold")),
        Content.assemble(
            (REASONS.get(match.reason, REASONS["no-match"]) + " ", "$text-muted"),
            "Pick the reply you meant (", (keys_hint(count), "bold"), ") or ",
            ("Esc", "bold"), " to rephrase.",
        ),
    ])  # fmt: skip


def scores_line(match: Match, positions: dict[int, int]) -> Content:
    """The author view: every reply's score (by its key, best first) and the matcher."""
    parts = [f"{positions.get(c.number, c.number)}: {c.score:.2f}" for c in match.ranked]
    return Content.styled(
        f"scores {' · '.join(parts)} ({match.matcher} {match.version})", "italic $text-muted"
    )


class SayBox(Vertical):
    """The typed-reply box: an input, then what the text was heard as."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.face = "typing"  # typing | listening | heard
        self.content = Content("")  # what the message line shows now

    def compose(self) -> ComposeResult:
        # Disabled until the screen shows the box: a hidden input must not take the focus.
        yield Input(placeholder=PLACEHOLDER, max_length=MAX_TYPED_CHARS, compact=True,
                    disabled=True, id="say-input")  # fmt: skip
        yield Static("", id="say-message")

    def on_mount(self) -> None:
        self.border_title = TYPING_TITLE
        self._message(Content(""))

    @property
    def text(self) -> str:
        """What is typed now."""
        return self.query_one(Input).value

    def _message(self, content: Content) -> None:
        self.content = content
        message = self.query_one("#say-message", Static)
        message.update(content)
        message.display = bool(content.plain)

    def typing(self, *, text: str | None = None, note: str = "") -> None:
        """Show the input (``text`` replaces what is typed; None keeps it) and an optional note."""
        self.face = "typing"
        self.border_title = TYPING_TITLE
        field = self.query_one(Input)
        field.display = True
        field.disabled = False
        if text is not None:
            field.value = text
        field.cursor_position = len(field.value)
        self._message(Content.styled(note, "italic $text-muted") if note else Content(""))

    def note(self, text: str) -> None:
        """A short note under the input (loading, nothing typed); "" clears it."""
        if self.face == "typing":
            self._message(Content.styled(text, "italic $text-muted") if text else Content(""))

    def listening(self, note: str) -> None:
        """The typed text is being matched (off the UI thread)."""
        self.face = "listening"
        self.query_one(Input).disabled = True
        self._message(Content.styled(note, "italic $text-muted"))

    def heard(self, content: Content, *, matched: bool) -> None:
        """Show what the text was heard as (``content``); the input hides until a rephrase."""
        self.face = "heard"
        self.border_title = "Say it your way" if matched else "Say it your way — not matched"
        self.query_one(Input).display = False
        self._message(content)

    def focus_input(self) -> None:
        """Put the cursor in the input."""
        self.query_one(Input).focus()

    def rows(self, width: int) -> int:
        """Rows this box needs when its text is ``width`` wide: top border, input, message."""
        field = 1 if self.query_one(Input).display else 0
        message = len(self.content.wrap(max(1, width))) if self.content.plain else 0
        return 1 + field + message

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(ReplyTyped(event.value))
