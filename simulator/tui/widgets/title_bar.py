"""A one-line title bar: the screen's title and sub-title.

Textual's ``Header`` would do, but it mounts four widgets and a clock; this is
one line of text, which keeps the picker's first frame cheap.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from simulator.terminal import visible_line


class TitleBar(Widget):
    """``title — sub-title`` of the screen it is on, centred."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        text-align: center;
    }
    """

    def on_mount(self) -> None:
        for obj in (self.screen, self.app):
            self.watch(obj, "title", self._redraw, init=False)
            self.watch(obj, "sub_title", self._redraw, init=False)

    def _redraw(self) -> None:
        self.refresh()

    def render(self) -> Content:
        screen = self.screen
        title = screen.title or self.app.title
        sub = screen.sub_title if screen.sub_title is not None else self.app.sub_title
        title, sub = visible_line(title), visible_line(sub or "")  # titles come from files
        return Content.assemble((title, "bold"), (f" — {sub}" if sub else "", "$text-muted"))
