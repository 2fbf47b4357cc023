"""The debrief: outcome, scores, mood over time, turn-by-turn review, sins counted."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, Sparkline, Static

from scoring import Scores
from simulator.terminal import visible, visible_line
from simulator.tui.review import TurnReview, review_turns, sins_committed
from simulator.tui.session import Session
from simulator.tui.text import mood_word, plural, score_text
from simulator.tui.widgets.feedback import critical_line, tag_line
from simulator.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from simulator.tui.app import TalkdownApp

ENDING_MARKS = {"resolved": "✓ RESOLVED", "escalated": "↑ ESCALATED", "lost": "✗ LOST"}


def outcome_content(session: Session) -> Content:
    """The ending, the customer's last words and the outcome text."""
    conv = session.conv
    ending = conv.ending or "lost"
    name = visible_line(conv.scenario.customer.name)
    head = Content.assemble((ENDING_MARKS[ending], f"bold $text-{_tone(ending)}"))
    lines = [head]
    if conv.walked_out:
        lines.append(Content(f"{name} walked out (mood reached {conv.mood})."))
    if conv.closing_narration:
        lines.append(Content.styled(visible(conv.closing_narration), "italic"))
    if conv.closing_line:
        speaker = visible_line(conv.closing_speaker)
        lines.append(Content.assemble((f"{speaker}: ", "bold"), visible(conv.closing_line)))
    if conv.outcome:
        lines.append(Content.assemble(("Outcome: ", "bold"), visible(conv.outcome)))
    lines += [critical_line(e.critical) for e in conv.critical]
    if session.settings.preview:
        lines.append(Content(
            f"Preview from node '{conv.start}' — scores are relative to that start; nothing "
            "was recorded."
        ))  # fmt: skip
    return Content("\n").join(lines)


def _tone(ending: str) -> str:
    return {"resolved": "success", "escalated": "warning"}.get(ending, "error")


def scores_content(scores: Scores, pass_mark: float) -> Content:
    """The three dimensions, overall and pass/fail (words, not only colour)."""
    verdict = ("PASSED ✓", "bold $text-success") if scores.passed else (
        "NOT PASSED ✗", "bold $text-error")  # fmt: skip
    return Content("\n").join([
        Content.assemble(
            ("Empathy ", "bold"), score_text(scores.empathy), "   ",
            ("Assertiveness ", "bold"), score_text(scores.assertiveness), "   ",
            ("Speed ", "bold"), score_text(scores.speed),
        ),
        Content.assemble(
            ("Overall ", "bold"), score_text(scores.overall), " — ", verdict,
            (f"  (pass mark {pass_mark:g}; the call must end resolved with no critical error)",
             "$text-muted"),
        ),
    ])  # fmt: skip


def turn_content(turn: TurnReview) -> Content:
    """One turn of the review."""
    said = Content.assemble(("You said: ", "bold"), "(nothing — time ran out)"
                            if turn.silence else visible(turn.said))  # fmt: skip
    lines = [
        Content.assemble(
            (f"Turn {turn.seq}", "bold underline"),
            f"  mood {turn.mood_before} → {turn.mood_after} ({mood_word(turn.mood_after)})",
        ),
        said,
    ]
    if turn.reaction:
        lines.append(Content.assemble(("They said: ", "bold"), visible(turn.reaction)))
    if turn.critical:
        lines.append(critical_line(turn.critical))
    lines += [tag_line(n) for n in turn.tags]
    if turn.feedback:
        lines.append(Content.assemble(("Coach: ", "bold"), visible(turn.feedback)))
    if turn.strongest is not None:
        lines.append(Content.assemble(("The strongest reply here was: ", "bold"),
                                      visible(turn.strongest)))  # fmt: skip
    return Content("\n").join(lines)


def sins_content(session: Session) -> Content:
    """Sins committed, counted, with what to do instead."""
    sins = sins_committed(session.conv)
    if not sins:
        return Content.assemble(("Sins of service: ", "bold"), "none committed ✓")
    lines = [Content.assemble(("Sins of service committed", "bold"))]
    for note, count in sins:
        lines.append(Content.assemble(f"{plural(count, 'time')} — ", tag_line(note)))
    return Content("\n").join(lines)


class DebriefScreen(Screen[None]):
    """What happened and why, after an ending."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry"),
        Binding("e", "expert", "Expert replay"),
        Binding("escape,b", "back", "Scenarios"),
    ]

    app: TalkdownApp

    def __init__(self, session: Session) -> None:
        super().__init__(id="debrief")
        self.session = session
        self.scores = session.finish()

    def compose(self) -> ComposeResult:
        conv = self.session.conv
        scenario = self.session.scenario
        moods = conv.mood_history
        yield TitleBar()
        with VerticalScroll(id="debrief-body"):
            yield Static(outcome_content(self.session), id="outcome",
                         classes=f"-{conv.ending}")  # fmt: skip
            yield Static(scores_content(self.scores, scenario.scoring.pass_mark), id="scores")
            yield Label("Mood over the conversation (higher = angrier)", classes="section")
            yield Sparkline([float(m) for m in moods], id="mood-spark")
            yield Static(
                " → ".join(str(m) for m in moods)
                + f"   (started {mood_word(moods[0])}, ended {mood_word(moods[-1])})",
                id="mood-values",
            )
            yield Static(sins_content(self.session), id="sins")
            yield Label(
                f"Turn by turn — {plural(conv.turn, 'reply', 'replies')}, "
                f"{conv.seconds} s of call time", classes="section",
            )  # fmt: skip
            for turn in review_turns(conv):
                yield Static(turn_content(turn), classes="turn")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.session.scenario.title
        self.sub_title = "Debrief"
        self.query_one("#debrief-body").focus()

    def action_retry(self) -> None:
        """Play the same scenario again from the same start."""
        self.app.retry(self.session)

    def action_expert(self) -> None:
        """Watch the expert path (recording nothing)."""
        self.app.expert_replay(self.session)

    def action_back(self) -> None:
        """Back to the picker."""
        self.app.back_to_picker()

    def palette_commands(self) -> list[tuple[str, str, object]]:
        """Commands this screen offers in the palette."""
        return [
            ("Retry this scenario", "Play it again from the start", self.action_retry),
            ("Replay the expert path", "Watch the strongest resolved path", self.action_expert),
            ("Back to the scenarios", "Return to the picker", self.action_back),
        ]
