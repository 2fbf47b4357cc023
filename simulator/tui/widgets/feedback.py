"""Practice mode's coach: feedback and the named sins/techniques after each reply."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from simulator.engine import Event
from simulator.terminal import visible
from simulator.tui.review import TagNote, tag_notes
from simulator.tui.text import signed


def tag_line(note: TagNote) -> Content:
    """``✗ robotism (sin): definition Instead: advice`` or ``✓ listen: definition``."""
    if note.sin:
        parts: list[str | tuple[str, str]] = [
            ("✗ ", "bold $error"), (note.tag, "bold"), (" (one of the seven sins): ", ""),
            note.definition,
        ]  # fmt: skip
        if note.advice:
            parts += [(" Instead: ", "bold"), note.advice]
        return Content.assemble(*parts)
    return Content.assemble(("✓ ", "bold $success"), (note.tag, "bold"), ": ", note.definition)


def feedback_content(event: Event) -> Content:
    """The coach's note on one reply."""
    change = (
        f"  (mood {event.mood_before} → {event.mood_after}, "
        f"{signed(event.mood_after - event.mood_before)})"
    )
    lines = [
        Content.assemble(
            ("Coach: ", "bold"),
            visible(event.feedback) or "(no feedback for this reply)",
            (change, "$text-muted"),
        )
    ]
    if event.critical:
        lines.append(critical_line(event.critical))
    lines += [tag_line(n) for n in tag_notes(event.tags)]
    return Content("\n").join(lines)


def critical_line(reason: str) -> Content:
    """A critical reply, said plainly: it fails the call whatever the points."""
    return Content.assemble(
        ("✗ This call would fail a quality check: ", "bold $text-error"), visible(reason)
    )


class FeedbackPanel(Static, can_focus=False):
    """Shows the last reply's feedback; hidden until there is some."""

    def on_mount(self) -> None:
        self.display = False

    def show_event(self, event: Event) -> None:
        """Show the coach's note on ``event``."""
        self.update(feedback_content(event))
        self.display = True

    def clear_feedback(self) -> None:
        """Hide the panel."""
        self.update("")
        self.display = False
