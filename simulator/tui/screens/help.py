"""The trainee's help (``?`` or F1): the keys, how scoring works, the sins and techniques.

Written for a new hire, not a developer: what each score means and how to
raise it, what fails a call outright, and the vocabulary the coach uses. The
sins and techniques come from `simulator.tags`, the same definitions the
coach and the debrief show.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from simulator.tags import SIN_ADVICE, SINS, TECHNIQUES
from simulator.tui.widgets.more import MorePanel

#: The picker's key for the trainer view (in a call, ctrl+t switches say mode instead).
TRAINER_KEY = ("ctrl+t", "the trainer view (the cohort's results)")

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Choosing a scenario", (
        ("type", "filter the list (title, tag, channel)"),
        ("↑ ↓  Enter", "choose, then play"),
        ("ctrl+r", "resume a call you left"),
        ("ctrl+p", "more: play as an assessment, play timed, switch mode, theme"),
        TRAINER_KEY,
    )),
    ("On a call", (
        ("1 – 9", "say the reply with that number (only once it is on screen)"),
        ("↑ ↓  Enter", "or choose with the arrows, or click a reply"),
        ("Tab", "move to the coach's note to scroll it when it says \"more ↓\""),
        ("ctrl+t", "say it your way: type your replies (again: back to the list)"),
        ("Esc", "leave the call — it stays saved, and ctrl+r picks it up again"),
    )),
    ("Saying it your way (ctrl+t, or talkdown play --say)", (
        ("type  Enter", "type what you would say; Enter shows what the customer hears"),
        ("Enter", "say that reply"),
        ("1 – 9  ↑ ↓", "say another reply from the list instead"),
        ("Esc", "rephrase: back to your words, to say it another way"),
    )),
    ("After a call (the debrief)", (
        ("r", "try the same scenario again"),
        ("e", "watch the expert path, step by step (space steps, p pauses)"),
        ("Esc", "back to the scenarios"),
    )),
    ("Anywhere", (
        ("? or F1", "this help"),
        ("ctrl+p", "the command palette"),
        ("ctrl+q", "quit (an unfinished call can be resumed next time)"),
    )),
)  # fmt: skip

SCORING = (
    ("Empathy", "Did your replies show the customer they were heard? Each reply is scored "
     "against the others you could have said at that moment: the warmest fitting reply "
     "scores 100, the coldest 0."),
    ("Assertiveness", "Did you stay in charge of the call? Not aggression: caving in and "
     "snapping back both score low; calm, firm and helpful scores high."),
    ("Speed", "Only a resolved call scores here: 100 when you resolved it as quickly as a "
     "skilled agent would, less the longer it took; 0 when the call was escalated or lost."),
    ("Overall", "The three together (each scenario says how much each counts). You pass "
     "when the call ends resolved, overall reaches the pass mark, and no reply was critical."),
    ("Critical errors", "Some replies fail a call on their own, whatever the scores — "
     "skipping a security check, promising money you cannot give, saying something untrue. "
     "The coach and the debrief name them: \"This call would fail a quality check\"."),
    ("The customer's mood", "0 is calm, 100 is furious. Good replies bring it down; if it "
     "reaches the scenario's limit the customer hangs up and the call is lost."),
    ("Saying it your way", "What you type is matched, on this computer, to the nearest "
     "reply the scenario offers, and that reply is scored. You always see what the "
     "customer hears before it is said; if your words are not close enough to one reply, "
     "nothing is said until you pick or rephrase."),
    ("Practice, assessment, timed", "Practice shows the coach after every reply. An "
     "assessment holds all feedback until the end. Timed play gives you a few seconds a "
     "turn: saying nothing counts as apathy."),
)  # fmt: skip


def hang(head: Content, text: str, width: int, indent: int) -> list[Content]:
    """``head`` then ``text``, wrapped to ``width`` with later lines indented by ``indent``."""
    body = Content(text).wrap(max(10, width - indent))
    first = Content.assemble(head, " " * max(1, indent - head.cell_length), body[0])
    return [first, *(Content.assemble(" " * indent, line) for line in body[1:])]


def help_content(width: int = 76, *, trainer_view: bool = True) -> Content:
    """The whole help text, wrapped to ``width`` with hanging indents.

    ``trainer_view=False`` leaves out the trainer view's key (a classroom session
    has no trainer view).
    """
    lines: list[Content] = [Content.styled("Keys", "bold underline")]
    for heading, all_keys in KEYS:
        keys = [k for k in all_keys if trainer_view or k != TRAINER_KEY]
        lines.append(Content.styled(heading, "bold"))
        key_width = 2 + max(len(k) for k, _ in keys) + 2
        for key, what in keys:
            lines += hang(Content.styled("  " + key, "bold $text-accent"), what, width, key_width)
    lines += [Content(""), Content.styled("How you are scored", "bold underline")]
    lines += [Content.assemble((f"{name}: ", "bold"), text) for name, text in SCORING]
    lines += [
        Content(""),
        Content.styled("The seven sins of service (avoid them)", "bold underline"),
    ]
    for sin, definition in SINS.items():
        lines.append(Content.assemble(
            ("✗ ", "bold $error"), (sin, "bold"), f": {definition} ",
            ("Instead: ", "italic"), SIN_ADVICE.get(sin, ""),
        ))  # fmt: skip
    lines += [Content(""), Content.styled("Techniques (use them)", "bold underline")]
    for technique, definition in TECHNIQUES.items():
        lines.append(
            Content.assemble(("✓ ", "bold $success"), (technique, "bold"), f": {definition}")
        )
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Help for trainees, over whatever screen it was opened from."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close help"),
    ]

    def __init__(self, *, trainer_view: bool = True) -> None:
        super().__init__()
        self.trainer_view = trainer_view

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Label("talkdown help", classes="dialog-title")
            with MorePanel(id="help-body", how="(↓ / PgDn)"):
                yield Static(id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def on_resize(self, event: events.Resize) -> None:
        # The dialog is at most 86 wide, 95% of a narrower screen, less its border,
        # padding and scrollbar.
        box = min(86, event.size.width * 95 // 100)
        self.query_one("#help-text", Static).update(
            help_content(max(30, box - 8), trainer_view=self.trainer_view)
        )

    def action_close(self) -> None:
        """Back to where help was opened."""
        self.dismiss()
