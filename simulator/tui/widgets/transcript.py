"""The conversation so far: who said what, narration, and notes.

Spoken lines are labelled by who speaks (the customer, another speaker, or
"You"); narration (format 1.1 stage directions) has no label and its own
style, so it never reads as something the customer said.

A line-API widget: it keeps the wrapped lines itself and draws only the
visible ones, so adding a reply costs the same at turn 200 as at turn 2 (one
widget per line made every reply re-arrange the whole transcript).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from simulator.terminal import visible, visible_line

TRAINEE_INDENT = 4  # trainee lines are indented as well as labelled and tinted


@dataclass(frozen=True, slots=True)
class Said:
    """One transcript entry: who (``kind``) and the words, as plain content."""

    kind: str  # "customer" | "trainee" | "narration" | "note"
    content: Content


class Transcript(ScrollView, can_focus=False):
    """Scrolls with the conversation; each speaker's line starts with a label."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--trainee",
        "transcript--narration",
        "transcript--note",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[Said] = []
        self._lines: list[Strip] = []
        self._rows: list[int] = []  # screen rows of each entry, in step with _lines
        self._last_trainee = 0  # index of the trainee's latest entry (the current exchange)
        self._width = 0
        self._style_key: object = None

    def on_mount(self) -> None:
        self.anchor()

    # -- content -------------------------------------------------------------------

    def _add(self, label: str, text: str, kind: str) -> Said:
        # Scenario text is untrusted: control characters are shown, never emitted.
        label, text = visible_line(label), visible(text)
        content = Content.assemble((label, "bold"), text) if label else Content(text)
        said = Said(kind, content)
        if kind == "trainee":
            self._last_trainee = len(self.entries)
        self.entries.append(said)
        if self._width > 0 and self._style_key == self._current_style_key():
            strips = self._render_entry(said, len(self.entries) == 1)
            self._lines.extend(strips)
            self._rows.append(len(strips))
            self._set_size()
        else:
            self._rerender()
        return said

    def add_customer(self, name: str, text: str) -> Said:
        """The customer speaks (``[sighs]`` stays literal text)."""
        return self._add(f"{name} (customer): ", text, "customer")

    def add_speaker(self, speaker: str, text: str) -> Said:
        """Someone other than the customer speaks (a relative, a colleague, a PA)."""
        return self._add(f"{speaker}: ", text, "customer")

    def add_narration(self, text: str) -> Said:
        """Stage directions: what happens, not what anyone says."""
        return self._add("", text, "narration")

    def add_trainee(self, text: str) -> Said:
        """The trainee's reply."""
        return self._add("You: ", text, "trainee")

    def add_silence(self, seconds: int) -> Said:
        """Pressure mode ran out before a reply."""
        return self._add("You: ", f"(silence — no reply within {seconds} s)", "trainee")

    def add_note(self, text: str) -> Said:
        """A narrator's note (reloads, endings, replay steps)."""
        return self._add("— ", f"{text} —", "note")

    def clear(self) -> None:
        """Remove every line."""
        self.entries.clear()
        self._lines.clear()
        self._rows.clear()
        self._last_trainee = 0
        self._set_size()

    @property
    def latest_rows(self) -> int:
        """Rows from the trainee's last reply to the end: what must stay in view to answer."""
        if len(self._rows) != len(self.entries):
            return len(self._lines)
        return sum(self._rows[self._last_trainee :])

    # -- rendering -------------------------------------------------------------------

    def _current_style_key(self) -> object:
        return (self.styles._cache_key, self.app.theme)

    def _render_entry(self, said: Said, first: bool) -> list[Strip]:
        width = self._width
        base = self.visual_style
        gap = [] if first else [Strip.blank(width, base.rich_style)]
        if said.kind == "trainee":
            style = self.get_visual_style("transcript--trainee")
            inner = max(1, width - TRAINEE_INDENT)
            strips = Visual.to_strips(self, said.content, inner, None, style, pad=True)
            indent = Segment(" " * TRAINEE_INDENT, base.rich_style)
            return [Strip([indent, *s], width) for s in strips]
        if said.kind in ("note", "narration"):
            style = self.get_visual_style(f"transcript--{said.kind}")
            return gap + Visual.to_strips(self, said.content, width, None, style, pad=True)
        lines = Visual.to_strips(self, said.content, width, None, base, pad=True)
        return gap + lines

    def _rerender(self) -> None:
        """Wrap every entry again (new width or new theme)."""
        width = self.scrollable_content_region.width
        self._width = width
        self._style_key = self._current_style_key()
        self._lines = []
        self._rows = []
        if width > 0:
            for index, said in enumerate(self.entries):
                strips = self._render_entry(said, index == 0)
                self._lines.extend(strips)
                self._rows.append(len(strips))
        self._set_size()

    def _set_size(self) -> None:
        self.virtual_size = Size(self._width, len(self._lines))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._rerender()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted and self._style_key is not None:
            self._style_key = None  # re-wrap lazily with the new colours
            self.call_later(self._rerender)

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, self.visual_style.rich_style)
        return self._lines[index].crop_extend(0, width, self.visual_style.rich_style)
