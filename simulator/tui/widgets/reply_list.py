"""The replies on offer: number keys, arrows + Enter, or a click."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from simulator.model import Choice
from simulator.tui.messages import ReplyChosen
from simulator.tui.text import signed


def author_line(choice: Choice) -> str:
    """Where a reply leads and what it carries, for the author view."""
    targets = ", ".join(
        f"if {r.condition.text} → {r.goto}" if r.condition is not None else r.goto
        for r in choice.routes
    )
    parts = [
        f"→ {targets}",
        f"E {signed(choice.empathy)} A {signed(choice.assertiveness)}",
        f"mood {signed(choice.mood)}",
        f"{choice.seconds}s",
    ]
    if choice.tags:
        parts.append("[" + ", ".join(choice.tags) + "]")
    if choice.set_flags:
        parts.append("sets " + ", ".join(sorted(choice.set_flags)))
    return " · ".join(parts)


class ReplyList(OptionList):
    """An OptionList whose options are the numbered replies."""

    def show_replies(self, choices: Sequence[Choice], *, author: bool = False) -> None:
        """Offer ``choices``; the author view adds a line of facts under each."""
        options = []
        for number, choice in enumerate(choices, 1):
            parts: list[str | Content | tuple[str, str]] = [(f"{number}. ", "bold"), choice.say]
            if author:
                parts.append(("\n   " + author_line(choice), "italic $text-muted"))
            options.append(Option(Content.assemble(*parts), id=f"reply-{number}"))
        self.set_options(options)
        if options:
            self.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(ReplyChosen(event.option_index + 1))
