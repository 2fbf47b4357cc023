"""The debrief: outcome, scores, "Try this tomorrow", mood on a 0–100 scale, your path
beside the expert's, sins counted, and the turn-by-turn review.

The app scores and saves the attempt before this screen exists and hands it
the scores (attributes down); the expert path, worked out off the UI thread,
arrives later through `show_expert`. The screen only says what the trainee
wants next (messages up: retry, expert replay, back to the scenarios).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Label, Static

from scoring import Scores
from simulator.engine import Conversation, Event
from simulator.formatting import plural, score, truncate
from simulator.terminal import visible, visible_line
from simulator.tui.charts import mood_rows
from simulator.tui.messages import BackToScenarios, ExpertReplayRequested, RetryRequested
from simulator.tui.review import TurnReview, lessons, review_turns, sins_committed
from simulator.tui.session import Session
from simulator.tui.text import call_clock, mood_word
from simulator.tui.widgets.feedback import critical_line, tag_line
from simulator.tui.widgets.more import MorePanel
from simulator.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from simulator.analysis import PathResult

ENDING_MARKS = {"resolved": "✓ RESOLVED", "escalated": "↑ ESCALATED", "lost": "✗ LOST"}
ENDING_WORDS = {"resolved": "✓ resolved", "escalated": "↑ escalated", "lost": "✗ lost"}
NOT_ASSESSED = "not assessed"


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
            ("Empathy ", "bold"), score(scores.empathy, missing=NOT_ASSESSED), "   ",
            ("Assertiveness ", "bold"), score(scores.assertiveness, missing=NOT_ASSESSED), "   ",
            ("Speed ", "bold"), score(scores.speed, missing=NOT_ASSESSED),
        ),
        Content.assemble(
            ("Overall ", "bold"), score(scores.overall, missing=NOT_ASSESSED), " — ", verdict,
            (f"  (pass mark {score(pass_mark)}; the call must end resolved with no critical "
             "error)", "$text-muted"),
        ),
    ])  # fmt: skip


def tomorrow_content(conv: Conversation) -> Content:
    """ "Try this tomorrow": the three most useful lessons from the weakest turns."""
    found = lessons(conv)
    head = Content.styled("Try this tomorrow", "bold $text-accent")
    if not found:
        return Content("\n").join([
            head,
            Content("Every reply was the strongest on offer. Next: play it as an assessment, "
                    "or timed (ctrl+p in the scenario list)."),
        ])  # fmt: skip
    lines = [head]
    for n, lesson in enumerate(found, 1):
        lines.append(Content.assemble(
            (f"{n}. ", "bold"), visible(lesson.text),
            (f"  (turn {lesson.seq}: {visible_line(lesson.because)})", "$text-muted"),
        ))  # fmt: skip
    return Content("\n").join(lines)


def typed_lines(turn: TurnReview) -> list[Content]:
    """A typed turn: what was typed, the reply it was heard as, and the reply said."""
    typed = turn.typed
    assert typed is not None
    lines = [Content.assemble(("You typed: ", "bold"), f"“{visible(typed.text)}”")]
    if typed.heard_as is None:
        lines.append(Content.assemble(("Heard as: ", "bold"), ("no match", "italic")))
        lines.append(Content.assemble(("You chose: ", "bold"), visible(turn.said)))
    elif typed.overridden:
        lines.append(Content.assemble(("Heard as: ", "bold"), visible(typed.heard_as)))
        lines.append(Content.assemble(("You chose instead: ", "bold"), visible(turn.said)))
    else:
        lines.append(Content.assemble(("Heard as: ", "bold"), visible(typed.heard_as),
                                      ("  ✓ you confirmed it", "$text-muted")))  # fmt: skip
    return lines


def turn_content(turn: TurnReview) -> Content:
    """One turn of the review."""
    lines = [
        Content.assemble(
            (f"Turn {turn.seq}", "bold underline"),
            f"  mood {turn.mood_before} → {turn.mood_after} ({mood_word(turn.mood_after)})",
        ),
    ]
    if turn.typed is not None:
        lines += typed_lines(turn)
    else:
        lines.append(Content.assemble(("You said: ", "bold"), "(nothing — time ran out)"
                                      if turn.silence else visible(turn.said)))  # fmt: skip
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
    elif turn.typed is not None:
        lines.append(Content.styled("That was the strongest reply here.", "$text-success"))
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


def path_content(
    title: str, events: list[Event], ending: str | None, seconds: int, overall: float | None,
    width: int, *, parted: int | None = None,
) -> Content:  # fmt: skip
    """One path as numbered replies (one line each, with the mood after), then how it ended.

    ``parted`` is the turn where this path left the other one (marked ◆).
    """
    lines = [Content.styled(title, "bold")]
    for event in events:
        said = "(silence)" if event.choice is None else visible_line(event.say)
        mark = "◆" if event.seq == parted else " "
        prefix = f"{mark}{event.seq}. "
        room = max(4, width - len(prefix) - 4)
        lines.append(Content.assemble(
            (prefix, "bold $text-accent" if mark == "◆" else "bold"),
            truncate(said, room).ljust(room), (f" {event.mood_after:>3}", "$text-muted"),
        ))  # fmt: skip
    end = ENDING_WORDS.get(ending or "lost", "✗ lost")
    lines.append(Content.assemble(
        (end, f"bold $text-{_tone(ending or 'lost')}"),
        f" · call {call_clock(seconds)} · overall {score(overall, missing=NOT_ASSESSED)}",
    ))  # fmt: skip
    return Content("\n").join(lines)


def parted_at(yours: list[Event], expert: list[Event]) -> int | None:
    """The first turn where your reply differed from the expert's (None if never)."""
    for mine, theirs in zip(yours, expert, strict=False):
        if (mine.node, mine.choice) != (theirs.node, theirs.choice):
            return mine.seq
    return None if len(yours) == len(expert) else min(len(yours), len(expert)) + 1


def replay_expert(session: Session, expert: PathResult) -> Conversation:
    """The expert path played out from the same start (for its words and moods)."""
    conv = session.conv
    out = Conversation(session.scenario, start=conv.start, mood=conv.start_mood,
                       flags=conv.start_flags, agent=conv.agent)  # fmt: skip
    for number in expert.choices:
        out.choose(number, latency_ms=0.0)
    return out


class MoodChart(Widget):
    """The mood after each reply as bars on a fixed 0–100 scale (numbers printed below)."""

    DEFAULT_CSS = "MoodChart { height: 6; }"

    def __init__(self, moods: list[int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.moods = moods

    def render(self) -> Content:
        rows = mood_rows(self.moods, height=4, width=max(10, self.size.width))
        return Content("\n").join(Content.styled(line, "$text-warning") for line in rows)


class DebriefScreen(Screen[None]):
    """What happened and why, after an ending."""

    CSS_PATH = "debrief.tcss"  # parsed when the first debrief opens, not at start

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "retry", "Retry"),
        Binding("e", "expert", "Expert replay"),
        Binding("escape", "back", "Scenarios"),
    ]

    def __init__(self, session: Session, scores: Scores) -> None:
        super().__init__(id="debrief")
        self.session = session
        self.scores = scores
        self.expert: PathResult | None = None
        self.expert_known = False  # the expert path has been worked out (it may not exist)
        self.expert_note = ""  # why there is none
        self.replay_wanted = False  # "e" was pressed before the expert path was known

    def compose(self) -> ComposeResult:
        conv = self.session.conv
        scenario = self.session.scenario
        moods = conv.mood_history
        yield TitleBar()
        with MorePanel(id="debrief-body", how="(↓ / PgDn)"):
            yield Static(outcome_content(self.session), id="outcome",
                         classes=f"-{conv.ending}")  # fmt: skip
            yield Static(scores_content(self.scores, scenario.scoring.pass_mark), id="scores")
            yield Static(tomorrow_content(conv), id="tomorrow")
            yield Label("Mood over the call (0 calm – 100 furious)", classes="section")
            yield MoodChart(moods, id="mood-chart")
            yield Static(
                " → ".join(str(m) for m in moods)
                + f"   (started {mood_word(moods[0])}, ended {mood_word(moods[-1])})",
                id="mood-values",
            )
            with Horizontal(id="paths"):
                yield Static(id="your-path", classes="path")
                yield Static(Content("Expert path\nWorking it out…"), id="expert-path",
                             classes="path")  # fmt: skip
            yield Static(sins_content(self.session), id="sins")
            yield Label(
                f"Turn by turn — {plural(conv.turn, 'reply', 'replies')}, "
                f"{conv.seconds} s of call time", classes="section",
            )  # fmt: skip
            with Vertical(id="turns"):
                for turn in review_turns(conv, self.session.typed):
                    yield Static(turn_content(turn), classes="turn")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.session.scenario.title
        self.sub_title = "Debrief"
        self.query_one("#debrief-body").focus()
        self.call_after_refresh(self._draw_paths)

    def on_resize(self, event: events.Resize) -> None:
        self._draw_paths(event.size.width)

    # -- the expert path (handed down by the app) ----------------------------------

    def show_expert(self, expert: PathResult | None, note: str = "") -> None:
        """The expert path from this call's start (None: there is none; ``note`` says why)."""
        self.expert, self.expert_known = expert, True
        self.expert_note = note or "no resolved ending can be reached from this start"
        self._draw_paths()
        if self.replay_wanted and self.is_current:  # not if the trainee has moved on since
            self.replay_wanted = False
            self.action_expert()

    def _draw_paths(self, width: int | None = None) -> None:
        if not self.is_mounted:
            return
        conv = self.session.conv
        half = max(20, (width or self.size.width) // 2 - 4)
        parted = None
        expert_conv = None
        if self.expert is not None:
            expert_conv = replay_expert(self.session, self.expert)
            parted = parted_at(conv.events, expert_conv.events)
        self.query_one("#your-path", Static).update(path_content(
            "Your path", conv.events, conv.ending, conv.seconds, self.scores.overall, half,
            parted=parted,
        ))  # fmt: skip
        expert = self.query_one("#expert-path", Static)
        if expert_conv is not None and self.expert is not None:
            expert.update(path_content(
                "Expert path", expert_conv.events, expert_conv.ending, expert_conv.seconds,
                self.expert.scores.overall, half, parted=parted,
            ))  # fmt: skip
        elif self.expert_known:
            expert.update(Content.assemble(("Expert path\n", "bold"), visible(self.expert_note)))

    # -- what the trainee wants next (messages up) ---------------------------------

    def action_retry(self) -> None:
        """Play the same scenario again from the same start."""
        self.post_message(RetryRequested(self.session))

    def action_expert(self) -> None:
        """Watch the expert path (recording nothing); wait for it if it is being worked out."""
        if not self.expert_known:
            self.replay_wanted = True
            self.notify("Working out the expert path — the replay starts in a moment.")
            return
        if self.expert is None:
            self.notify(f"No expert replay: {self.expert_note}.", title="Expert replay",
                        severity="warning")  # fmt: skip
            return
        self.post_message(ExpertReplayRequested(self.session, self.expert.choices))

    def action_back(self) -> None:
        """Back to the picker."""
        self.post_message(BackToScenarios())

    def palette_commands(self) -> list[tuple[str, str, object]]:
        """Commands this screen offers in the palette."""
        return [
            ("Retry this scenario", "Play it again from the start", self.action_retry),
            ("Replay the expert path", "Watch the strongest resolved path", self.action_expert),
            ("Back to the scenarios", "Return to the picker", self.action_back),
        ]
