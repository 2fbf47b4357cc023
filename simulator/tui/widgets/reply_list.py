"""The replies on offer: number keys, arrows + Enter, or a click."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from textual import events
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from simulator.formatting import signed
from simulator.model import Choice
from simulator.terminal import visible, visible_line
from simulator.tui.messages import ReplyChosen

INDENT = 3  # "1. " — wrapped lines of a reply line up under its text
SCROLLBAR = 2  # wrap as if the scrollbar were there: it comes and goes with the height
PADDING = 2  # the list's left and right padding (conversation.tcss, #replies)


class ShownReply(NamedTuple):
    """A reply as offered: its authored number, the reply, and its text as said."""

    number: int
    choice: Choice
    text: str


def author_line(choice: Choice, number: int | None = None) -> str:
    """Where a reply leads and what it carries, for the author view."""
    targets = ", ".join(
        f"if {r.condition.text} → {r.goto}" if r.condition is not None else r.goto
        for r in choice.routes
    )
    parts = [] if number is None else [f"reply {number}"]
    parts += [
        f"→ {targets}",
        f"E {signed(choice.empathy)} A {signed(choice.assertiveness)}",
        f"mood {signed(choice.mood)}",
        f"{choice.seconds}s",
    ]
    if choice.tags:
        parts.append("[" + ", ".join(choice.tags) + "]")
    if choice.set_flags:
        parts.append("sets " + ", ".join(sorted(choice.set_flags)))
    if choice.critical:
        parts.append(f"CRITICAL: {choice.critical}")
    return " · ".join(parts)


def hanging(text: Content, width: int) -> Content:
    """``text`` wrapped to ``width - INDENT`` with every line after the first indented."""
    lines = text.wrap(max(8, width - INDENT))
    return Content("\n" + " " * INDENT).join(lines)


def reply_prompt(key: int, reply: ShownReply, width: int, *, author: bool = False) -> Content:
    """``1. reply`` with a hanging indent; the reply is plain text, never markup.

    ``key`` is the number shown (the key to press); the author view also names
    the authored reply number, which the file and ``run --choices`` use.
    """
    body = hanging(Content(visible(reply.text)), width)  # untrusted: controls shown
    if author:
        line = author_line(reply.choice, reply.number)
        facts = hanging(Content.styled(visible_line(line), "italic $text-muted"), width)
        body = Content.assemble(body, "\n" + " " * INDENT, facts)
    return Content.assemble((f"{key}.".ljust(INDENT), "bold"), body)


class ReplyList(OptionList):
    """An OptionList whose options are the numbered replies.

    Each prompt is wrapped here (for the hanging indent), so the list knows
    how many rows every reply takes: the screen sizes the list to show them
    all, and a key is refused for a reply that is not wholly on screen.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._choices: tuple[ShownReply, ...] = ()
        self._author = False
        self._width = 0
        self.rows: tuple[int, ...] = ()  # screen rows each shown reply takes
        self.heading: str | None = None  # a title instead of "Your reply — press 1–N"

    def show_replies(self, choices: Sequence[ShownReply], *, author: bool = False) -> None:
        """Offer ``choices`` in this order; the author view adds a line of facts under each."""
        self._choices = tuple(choices)
        self._author = author
        # Hidden (say mode, while typing), it has no width yet: take the one it will have
        # (the screen's, less its padding), so showing it needs no second layout.
        self._width = self.scrollable_content_region.width or self.app.size.width - PADDING
        wrap = self._width - (0 if self.show_vertical_scrollbar else SCROLLBAR)
        prompts = [reply_prompt(n, c, wrap, author=author) for n, c in enumerate(self._choices, 1)]
        self.rows = tuple(len(p.split("\n")) for p in prompts)
        self.set_options(Option(p, id=f"reply-{n}") for n, p in enumerate(prompts, 1))
        self.set_heading(self.heading)
        if prompts:
            self.highlighted = 0

    def set_heading(self, heading: str | None) -> None:
        """Title the list ``heading`` (None: "Your reply — press 1–N")."""
        self.heading = heading
        count = len(self._choices)
        default = "" if not count else (
            f"Your reply — press 1–{count}" if count > 1 else "Your reply — press 1"
        )  # fmt: skip
        self.border_title = heading if heading is not None else default

    def fully_visible(self, index: int) -> bool:
        """True when every row of reply ``index`` (0-based) is inside the visible region."""
        if not 0 <= index < len(self.rows) or not self.display:
            return False
        top = sum(self.rows[:index])
        bottom = top + self.rows[index]
        shown_top = round(self.scroll_y)
        return top >= shown_top and bottom <= shown_top + self.scrollable_content_region.height

    def reveal(self, index: int) -> None:
        """Scroll so that reply ``index`` (0-based) is on screen and highlight it."""
        self.highlighted = index
        self.scroll_to_highlight()

    def on_resize(self, event: events.Resize) -> None:
        # The hanging indent is wrapped by hand, so a new width means new prompts.
        if self._choices and self.scrollable_content_region.width != self._width:
            highlighted = self.highlighted
            self.show_replies(self._choices, author=self._author)
            self.highlighted = highlighted  # (None stays None: nothing is picked for anyone)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(ReplyChosen(event.option_index + 1))

    @property
    def needed_rows(self) -> int:
        """Rows the list needs to show every reply: the replies plus its top border."""
        return sum(self.rows) + (1 if self.rows else 0)
