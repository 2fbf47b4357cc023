"""Practice mode's coach: feedback and the named sins/techniques after each reply."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from simulator.engine import Event
from simulator.formatting import signed
from simulator.terminal import visible
from simulator.tui.review import TagNote, tag_notes
from simulator.tui.widgets.more import MorePanel


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


def mood_change(before: int, after: int) -> str:
    """``mood 60 → 45 (-15)``, or ``mood stays at 0`` when the reply changed nothing."""
    if before == after:
        return f"mood stays at {after}"
    return f"mood {before} → {after} ({signed(after - before)})"


def feedback_content(event: Event) -> Content:
    """The coach's note on one reply."""
    lines = [
        Content.assemble(
            ("Coach: ", "bold"),
            visible(event.feedback) or "(no feedback for this reply)",
            (f"  · {mood_change(event.mood_before, event.mood_after)}", "$text-muted"),
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


class FeedbackPanel(MorePanel, can_focus=False):
    """Shows the last reply's feedback; hidden until there is some.

    It scrolls when the screen is short; while part of the note is below the
    fold it says "more ↓", and Tab focuses it so the arrow keys can scroll.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(how="(Tab, then ↓)", id=id)
        self.content = Content("")

    def compose(self) -> ComposeResult:
        yield Static("", id="feedback-text")

    def on_mount(self) -> None:  # (MorePanel's on_mount runs too: Textual calls each class's)
        self.display = False

    def show_event(self, event: Event) -> None:
        """Show the coach's note on ``event``."""
        self.content = feedback_content(event)
        self.query_one("#feedback-text", Static).update(self.content)
        self.display = True
        self.scroll_home(animate=False)
        self.call_after_refresh(self.update_cue)

    def clear_feedback(self) -> None:
        """Hide the panel."""
        self.content = Content("")
        self.query_one("#feedback-text", Static).update("")
        self.display = False

    def update_cue(self) -> None:
        if self.styles.overflow_y == "hidden":  # the screen gave it every row it needs
            self.remove_class("-more")
            self.border_subtitle = ""
        else:
            super().update_cue()
        self.can_focus = self.more_below or self.has_focus  # Tab reaches it only when useful
