"""The conversation so far: customer and trainee lines, labelled by who speaks."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static


class Line(Static):
    """One line of the transcript (dialogue is plain text, never markup)."""


class Transcript(VerticalScroll, can_focus=False):
    """Scrolls with the conversation; each speaker's line starts with a label."""

    def on_mount(self) -> None:
        self.anchor()

    def _add(self, label: str, text: str, kind: str) -> Line:
        content = Content.assemble((label, "bold"), text) if label else Content(text)
        line = Line(content, classes=kind)
        self.mount(line)
        return line

    def add_customer(self, name: str, text: str) -> Line:
        """The customer speaks (``[sighs]`` stays literal text)."""
        return self._add(f"{name} (customer): ", text, "customer")

    def add_trainee(self, text: str) -> Line:
        """The trainee's reply."""
        return self._add("You: ", text, "trainee")

    def add_silence(self, seconds: int) -> Line:
        """Pressure mode ran out before a reply."""
        return self._add("You: ", f"(silence — no reply within {seconds} s)", "trainee silence")

    def add_note(self, text: str) -> Line:
        """A narrator's note (reloads, endings, replay steps)."""
        return self._add("— ", f"{text} —", "note")

    def clear(self) -> None:
        """Remove every line."""
        self.remove_children()
