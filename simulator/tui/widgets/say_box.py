"""Say mode's box: type a reply, then see what the customer hears before it is said.

Three faces, one widget (the conversation screen says which):

* **typing**: an input line under "Say it your way"; Enter posts `ReplyTyped`.
* **listening**: the text is being matched off the UI thread (a matcher with
  a model, perhaps loading it the first time).
* **heard**: "The customer hears: <reply>" with the confidence in plain words,
  or, when the text was rejected, that it could not be matched and why. The
  screen shows the reply list below it to confirm, override or pick.

The heard reply is also in the list, highlighted, so on a small terminal its
words here are cut after `HEARD_LINES` lines (with "…") rather than pushing the
replies out of view. The message is laid out for the width the screen gives
(`rows`), so the screen's sums and what is drawn agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from simulator.formatting import truncate
from simulator.matching import Match
from simulator.terminal import visible_line
from simulator.tui.messages import ReplyTyped
from simulator.typed import MAX_TYPED_CHARS

TYPING_TITLE: Final = "Say it your way — type your reply, then Enter"
PLACEHOLDER: Final = "What do you say to the customer?"
HEARD_LINES: Final = 2  # lines of the heard reply's words before "…" (it is in the list too)
UNMATCHED_LINES: Final = 1  # lines of the trainee's own words when they were not matched
REASONS: Final = {
    "no-match": "That isn't close enough to any reply here to say it for you.",
    "ambiguous": "That is as close to one reply here as to another, so it isn't said for you.",
    "empty": "There were no words in it to match.",
}

Build = Callable[[int], Content]


def keys_hint(count: int) -> str:
    """The reply keys for ``count`` replies: "1–4", or "1"."""
    return "1" if count == 1 else f"1–{count}"


def fitted(head: Content, text: str, tail: Content, width: int, lines: int) -> Content:
    """``head“text”tail`` in at most ``lines`` lines of ``width``, ``text`` cut with … to fit."""
    text = visible_line(text)

    def build(words: str) -> Content:
        return Content.assemble(head, "“", words, "”", tail)

    whole = build(text)
    if len(whole.wrap(width)) <= lines:
        return whole
    low, high = 0, len(text)  # the longest cut that fits, by bisection (wrapping is not linear)
    while low < high:
        middle = (low + high + 1) // 2
        if len(build(truncate(text, middle)).wrap(width)) <= lines:
            low = middle
        else:
            high = middle - 1
    return build(truncate(text, max(1, low)))


def heard_content(
    match: Match, said: str, key: int, count: int, width: int, author: Content | None = None
) -> Content:
    """What the customer hears (``said``: the reply as said, shown at ``key``) and the keys."""
    lines = [
        fitted(Content.styled("The customer hears: ", "bold"), said,
               Content.styled(f" (reply {key} below)", "$text-muted"), width, HEARD_LINES),
        Content.assemble(
            (f"That's {match.confidence_words}. ", "$text-muted"), ("Enter", "bold"),
            " says it · ", (keys_hint(count), "bold"), " another · ", ("Esc", "bold"),
            " rephrases",
        ),
    ]  # fmt: skip
    if author is not None:
        lines.append(author)
    return Content("\n").join(lines)


def unmatched_content(
    match: Match, count: int, width: int, author: Content | None = None
) -> Content:
    """The text could not be matched: say so plainly, and how to go on."""
    lines = [
        fitted(Content.styled("Couldn't match ", "bold"), match.text, Content(""), width,
               UNMATCHED_LINES),
        Content.assemble(
            (REASONS.get(match.reason, REASONS["no-match"]) + " ", "$text-muted"),
            "Pick the reply you meant (", (keys_hint(count), "bold"), ") or ",
            ("Esc", "bold"), " to rephrase.",
        ),
    ]  # fmt: skip
    if author is not None:
        lines.append(author)
    return Content("\n").join(lines)


def scores_line(match: Match, positions: dict[int, int]) -> Content:
    """The author view: every reply's score by its key, best first, and the matcher."""
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
        self._build: Build | None = None  # lays the message out for a width
        self._width = 0

    def compose(self) -> ComposeResult:
        # Disabled until the screen shows the box: a hidden input must not take the focus.
        # A steady cursor: easier to find than a blinking one, and the same in every snapshot.
        # Nothing selected on focus: after Esc (rephrase) the next key must add to the words
        # kept, not replace them.
        field = Input(placeholder=PLACEHOLDER, max_length=MAX_TYPED_CHARS, compact=True,
                      select_on_focus=False, disabled=True, id="say-input")  # fmt: skip
        field.cursor_blink = False
        yield field
        yield Static("", id="say-message")

    def on_mount(self) -> None:
        self.border_title = TYPING_TITLE
        self._message(lambda width: Content(""))

    @property
    def text(self) -> str:
        """What is typed now."""
        return self.query_one(Input).value

    def _message(self, build: Build) -> None:
        self._build = build
        self._width = 0  # laid out again at the next `rows`, or now at the current width
        self._lay_out(self.content_region.width or max(1, self.app.size.width - 2))

    def _lay_out(self, width: int) -> None:
        if self._build is None or width == self._width:
            return
        self._width = width
        self.content = self._build(width)
        message = self.query_one("#say-message", Static)
        message.update(self.content)
        message.display = bool(self.content.plain)

    def _note(self, text: str) -> Build:
        note = Content.styled(text, "italic $text-muted") if text else Content("")
        return lambda width: note

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
        self._message(self._note(note))

    def note(self, text: str) -> None:
        """A short note under the input (loading, nothing typed); "" clears it."""
        if self.face == "typing":
            self._message(self._note(text))

    def listening(self, note: str) -> None:
        """The typed text is being matched (off the UI thread)."""
        self.face = "listening"
        self.query_one(Input).disabled = True
        self._message(self._note(note))

    def heard(self, build: Build, *, matched: bool) -> None:
        """Show what the text was heard as (``build`` lays it out); the input hides meanwhile."""
        self.face = "heard"
        self.border_title = "Say it your way" if matched else "Say it your way — not matched"
        self.query_one(Input).display = False
        self._message(build)

    def focus_input(self) -> None:
        """Put the cursor in the input."""
        self.query_one(Input).focus()

    def rows(self, width: int) -> int:
        """Rows this box needs when its text is ``width`` wide: top border, input, message."""
        self._lay_out(max(1, width))
        field = 1 if self.query_one(Input).display else 0
        message = len(self.content.wrap(max(1, width))) if self.content.plain else 0
        return 1 + field + message

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(ReplyTyped(event.value))
