"""The app's backstop against control characters reaching the terminal.

Widgets make untrusted text visible where they turn it into content
(`simulator.terminal.visible`), so wrapping and widths are measured on what is
shown. This line filter runs on every rendered line as well: if some string
slipped through unmarked (a new widget, a library message), its control
characters are still shown, never emitted. Control characters have no width
to Rich, so the shown line can come out longer than the space measured for
it; it is cut back to the measured width, keeping the layout intact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from rich.segment import Segment
from textual.app import App
from textual.color import Color
from textual.filter import LineFilter
from textual.notifications import SeverityLevel

from simulator.terminal import has_controls, visible, visible_line

ReturnType = TypeVar("ReturnType")


class ShowControls(LineFilter):
    """Replace control characters in every segment's text with visible pictures."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        # One scan of the whole line: a clean line (the common case) costs one C-level
        # isprintable() check; only a line with something unusual meets the regex.
        text = "".join([s.text for s in segments])
        if text.isprintable() or not has_controls(text):
            return segments
        width = Segment.get_line_length(segments)
        shown = [s if s.control else Segment(visible_line(s.text), s.style, None) for s in segments]
        return list(Segment.adjust_line_length(shown, width))


SHOW_CONTROLS = ShowControls()


class SafeApp(App[ReturnType]):
    """An app whose every line passes `ShowControls` and whose notifications are plain text.

    Notifications often carry an exception's or a file's text: they are made
    visible, and read as plain text unless a caller asks for markup (a file
    called ``[x]`` must not be parsed as markup, nor break it).
    """

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), SHOW_CONTROLS]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        super().notify(
            visible(message), title=visible_line(title), severity=severity, timeout=timeout,
            markup=markup,
        )  # fmt: skip
