"""A scrolling panel that says "more ↓" while anything is below its fold.

A scrollbar alone is easy to miss (the coach's second point was cut mid-sentence
with nothing to say so). While there is more below, the panel gets the class
``-more`` (the stylesheet gives it a bottom border) and its bottom border reads
``more ↓`` and how to scroll.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.containers import VerticalScroll

MORE = "more ↓"


class MorePanel(VerticalScroll):
    """A `VerticalScroll` that marks itself ``-more`` while it can scroll further down."""

    def __init__(self, *children: Any, how: str = "", **kwargs: Any) -> None:
        super().__init__(*children, **kwargs)
        self.how = how  # how to scroll, said after "more ↓" ("Tab, then ↓")

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self.update_cue, init=False)
        self.watch(self, "virtual_size", self.update_cue, init=False)
        self.call_after_refresh(self.update_cue)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.update_cue)

    @property
    def more_below(self) -> bool:
        """True while part of the content is below the visible region."""
        return self.max_scroll_y > 0 and self.scroll_y < self.max_scroll_y - 0.5

    def update_cue(self) -> None:
        """Show or hide the "more ↓" cue (call after changing the content)."""
        more = self.is_mounted and self.more_below
        self.set_class(more, "-more")
        self.border_subtitle = (f"{MORE} {self.how}".strip()) if more else ""
