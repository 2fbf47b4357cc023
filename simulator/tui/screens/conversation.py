"""The conversation: transcript, mood, clock, replies; practice feedback; pressure timer.

What the agent's own system shows (a node's ``screen``) sits in an "On your
screen" box above the transcript until a later node replaces it. Replies are
listed in the session's shown order (shuffled per attempt when the scenario
asks); keys 1–9 follow what is on screen.

The same screen plays a live attempt, an author preview (``--from``/``--watch``,
with the author view on ``a``) and the expert path as a replay (``e`` on the
debrief: it steps on a timer or on ``space`` and records nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from simulator.engine import Conversation, Event
from simulator.problems import Problem
from simulator.terminal import visible, visible_line
from simulator.tui.messages import ReplyChosen
from simulator.tui.session import Session
from simulator.tui.widgets.feedback import FeedbackPanel
from simulator.tui.widgets.reply_list import ReplyList, ShownReply
from simulator.tui.widgets.status import CallStatus, Countdown
from simulator.tui.widgets.title_bar import TitleBar
from simulator.tui.widgets.transcript import Transcript
from simulator.validate import FileReport

if TYPE_CHECKING:
    from simulator.tui.app import TalkdownApp

TICK_SECONDS = 0.2  # how often the pressure countdown is redrawn and checked
REPLAY_STEP_SECONDS = 2.0  # the expert replay's pace when left to run


def problems_content(problems: Sequence[Problem], path: str) -> Content:
    """The validation errors of a watched file, shown instead of crashing."""
    errors = [p for p in problems if p.severity == "error"] or list(problems)
    lines = [Content.assemble(("⚠ The file has errors — fix and save to reload: ", "bold"),
                              visible_line(path))]  # fmt: skip
    for p in errors[:8]:
        hint = f" — {p.hint}" if p.hint else ""
        lines.append(Content(visible_line(f"line {p.line}:{p.col}: {p.message}{hint}")))
    if len(errors) > 8:
        lines.append(Content(f"… and {len(errors) - 8} more"))
    return Content("\n").join(lines)


class ConversationScreen(Screen[None]):
    """Play one conversation (or watch the expert play it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "reply(1)", "Reply", key_display="1-9"),
        *(Binding(str(n), f"reply({n})", f"Reply {n}", show=False) for n in range(2, 10)),
        Binding("space,n", "step", "Next step"),
        Binding("p", "pause", "Pause/run"),
        Binding("a", "toggle_author", "Author view"),
        Binding("escape,b", "leave", "Back"),
    ]

    author: reactive[bool] = reactive(False)
    app: TalkdownApp

    def __init__(
        self,
        session: Session | None,
        *,
        replay: Sequence[int] | None = None,
        report: FileReport | None = None,
    ) -> None:
        super().__init__(id="conversation")
        self.session = session
        self.replay = list(replay) if replay is not None else None
        self.replay_pos = 0
        self.paused = False
        self.report = report  # the watched file's last report (None unless --watch)
        self.deadline: float | None = None
        self.broken = False  # the watched file has errors: replies wait for a fix
        self._ticker: Timer | None = None
        self._stepper: Timer | None = None

    # -- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        mode = "expert replay" if self.replay is not None else self._mode_label()
        yield TitleBar()
        yield CallStatus(mode, id="status")
        yield Static("", id="problems")
        on_screen = Static("", id="on-screen")
        on_screen.border_title = "On your screen"
        yield on_screen
        yield Transcript(id="transcript")
        yield FeedbackPanel(id="feedback")
        yield ReplyList(id="replies")
        yield Footer()

    def _mode_label(self) -> str:
        if self.session is None:
            return "preview"
        s = self.session.settings
        return "preview" if s.preview else s.mode  # a timer shows as its countdown

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        self.query_one("#on-screen").display = False
        if self.report is not None and self.report.scenario is None:
            self.show_problems(self.report)
        if self.session is not None:
            self._begin()
        if self.session is not None and self.session.settings.timed and self.replay is None:
            self._ticker = self.set_interval(TICK_SECONDS, self.tick)
        if self.replay is not None:
            self._stepper = self.set_interval(REPLAY_STEP_SECONDS, self._auto_step)
        self.query_one(ReplyList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "pause"):
            return self.replay is not None
        if action == "toggle_author":
            return (
                self.session is not None and self.session.settings.preview and self.replay is None
            )
        if action == "reply":
            return self.replay is None
        return True

    # -- showing the conversation -----------------------------------------------

    @property
    def conv(self) -> Conversation:
        """The conversation being shown."""
        assert self.session is not None
        return self.session.conv

    def _hear_recording_errors(self, session: Session) -> None:
        """Tell the trainee as soon as their results stop being saved.

        The failure is usually noticed in the store's writer thread, perhaps
        after the debrief is already showing; ``call_soon_threadsafe`` never
        waits for the UI thread, which may itself be waiting for that writer
        (at exit).
        """
        loop = asyncio.get_running_loop()
        app = self.app

        def tell(message: str) -> None:
            show = functools.partial(app.notify, message, title="Not saved", severity="error")
            with contextlib.suppress(RuntimeError):  # the app has already closed
                loop.call_soon_threadsafe(show)

        session.on_error = tell
        if session.record_error:  # recording could not even start
            tell(session.record_error)

    def _begin(self) -> None:
        """Draw the conversation from its start (replaying any events already made)."""
        assert self.session is not None
        scenario = self.session.scenario
        self.title = scenario.title
        self.sub_title = f"with {scenario.customer.name}"
        self._hear_recording_errors(self.session)
        self.query_one(Transcript).clear()
        self._show_node(self.conv.start)
        for event in self.conv.events:
            self._show_event(event)
        self.query_one(FeedbackPanel).clear_feedback()
        self._refresh_state()

    def _show_node(self, node_id: str) -> None:
        """A node arrives: its narration, then its line, labelled by who speaks."""
        conv = self.conv
        node = conv.scenario.nodes[node_id]
        transcript = self.query_one(Transcript)
        if node.narration:
            transcript.add_narration(conv.text(node.narration))
        if node.customer:
            if node.speaker:
                transcript.add_speaker(conv.text(node.speaker), conv.text(node.customer))
            else:
                transcript.add_customer(conv.scenario.customer.name, conv.text(node.customer))

    def _show_event(self, event: Event) -> None:
        transcript = self.query_one(Transcript)
        name = self.conv.scenario.customer.name
        if event.choice is None:
            transcript.add_silence(event.seconds)
        else:
            transcript.add_trainee(event.say)
        if event.reaction:
            transcript.add_customer(name, event.reaction)
        if event.next_node is None:
            transcript.add_customer(name, self.conv.closing_line)
            transcript.add_note(f"{name} has walked out")
        elif event.choice is not None:
            self._show_node(event.next_node)

    def _show_screen(self) -> None:
        """The latest ``screen`` on the path so far, in the "On your screen" box."""
        conv = self.conv
        nodes = conv.scenario.nodes
        text = next((nodes[n].screen for n in reversed(conv.path) if nodes[n].screen), "")
        panel = self.query_one("#on-screen", Static)
        panel.update(Content(visible(conv.text(text))))
        panel.display = bool(text)

    def _refresh_state(self) -> None:
        """Status line, replies and timer for where the conversation is now."""
        conv = self.conv
        status = self.query_one(CallStatus)
        status.turn = conv.turn
        status.seconds = conv.seconds
        status.node = conv.node_id if self.author else ""
        status.query_one("#mood").mood = conv.mood  # type: ignore[attr-defined]
        self._show_screen()
        replies = self.query_one(ReplyList)
        order = self.session.shown() if self.session is not None else ()
        replies.show_replies(
            [ShownReply(n, conv.choices[n - 1], conv.text(conv.choices[n - 1].say)) for n in order],
            author=self.author,
        )
        replies.disabled = self.replay is not None
        self._arm_timer()
        self.call_after_refresh(conv.mark_shown)  # latency counts from when replies are visible

    def watch_author(self) -> None:
        if self.session is not None and self.is_mounted:
            self._refresh_state()

    # -- replying ----------------------------------------------------------------

    def action_reply(self, number: int) -> None:
        """Reply ``number`` (keys 1–9)."""
        started = time.perf_counter()
        if self.session is None or self.replay is not None or self.session.finished:
            return
        if self.broken:
            self.app.bell()
            return
        if not 1 <= number <= len(self.conv.choices):
            self.app.bell()
            return
        self._apply(self.session.choose_shown(number))
        self.app.after_reply(self, started)

    @on(ReplyChosen)
    def _reply_chosen(self, message: ReplyChosen) -> None:
        self.action_reply(message.number)

    def _apply(self, event: Event) -> None:
        assert self.session is not None
        self._show_event(event)
        if self.replay is not None or not self.session.settings.assessment:
            self.query_one(FeedbackPanel).show_event(event)
        if self.session.finished:
            self.deadline = None
            self.query_one(Countdown).remaining = None
            if self.replay is None:
                self.app.show_debrief(self.session)
            else:
                self._replay_finished()
            return
        self._refresh_state()

    # -- pressure mode --------------------------------------------------------------

    def _arm_timer(self) -> None:
        timed = self.session.settings.timed if self.session else None
        if not timed or self.replay is not None or self.conv.finished:
            self.deadline = None
            self.query_one(Countdown).remaining = None
            return
        self.deadline = self.app.clock() + timed
        self.query_one(Countdown).remaining = float(timed)

    def tick(self) -> None:
        """Redraw the countdown; say nothing (a silence) when it has run out.

        The app's injectable clock decides the time, so tests advance a fake
        clock and call this instead of waiting.
        """
        if self.deadline is None or self.session is None or self.session.finished:
            return
        remaining = self.deadline - self.app.clock()
        self.query_one(Countdown).remaining = max(0.0, remaining)
        if remaining <= 0:
            self._apply(self.session.silence())

    # -- expert replay ----------------------------------------------------------------

    def _auto_step(self) -> None:
        if not self.paused:
            self.action_step()

    def action_step(self) -> None:
        """Play the expert's next reply now."""
        if self.replay is None or self.session is None or self.session.finished:
            return
        if self.replay_pos >= len(self.replay):
            return
        number = self.replay[self.replay_pos]
        self.replay_pos += 1
        self._apply(self.session.choose(number))

    def action_pause(self) -> None:
        """Stop or restart the replay's timer."""
        self.paused = not self.paused
        self.notify("Replay paused — space steps" if self.paused else "Replay running")

    def _replay_finished(self) -> None:
        if self._stepper is not None:
            self._stepper.stop()
        conv = self.conv
        self.query_one(ReplyList).show_replies([])
        text = conv.outcome or conv.closing_line
        self.query_one(Transcript).add_note(
            f"End of the expert path: {conv.ending}"
            + (f" — {text}" if text else "")
            + ". Press Escape to return to your debrief"
        )

    # -- author preview: watching the file -------------------------------------------

    def show_problems(self, report: FileReport) -> None:
        """Show the watched file's errors above the (paused) conversation."""
        panel = self.query_one("#problems", Static)
        panel.update(problems_content(report.problems, report.path))
        panel.display = True
        self.broken = True
        self.query_one(ReplyList).disabled = True
        self.deadline = None  # no clock runs against a file that cannot be played
        self.query_one(Countdown).remaining = None

    def reload(self, report: FileReport, session: Session | None) -> None:
        """The watched file changed: show its errors, or restart at the same node."""
        self.report = report
        if session is None:
            self.show_problems(report)
            return
        self.query_one("#problems").display = False
        self.broken = False
        self.session = session
        self._begin()
        self.query_one(Transcript).add_note(
            f"File reloaded — restarted at node '{session.conv.node_id}'"
        )
        self.query_one(ReplyList).disabled = False
        self.query_one(ReplyList).focus()

    def action_toggle_author(self) -> None:
        """Show or hide node ids, points, mood deltas and tags beside each reply."""
        self.author = not self.author

    # -- leaving -------------------------------------------------------------------

    def action_leave(self) -> None:
        """Back to the debrief (replay) or the picker (abandoning a recorded attempt)."""
        if self.replay is not None:
            self.app.pop_screen()
            return
        if self.session is not None and not self.session.finished and self.session.uuid:
            self.session.flush()  # the replies in flight land before the attempt closes
            self.app.abandon(self.session.uuid)
        self.app.back_to_picker()

    def palette_commands(self) -> list[tuple[str, str, object]]:
        """Commands this screen offers in the palette."""
        out: list[tuple[str, str, object]] = [
            ("Back to the scenarios", "Leave this conversation", self.action_leave),
        ]
        if self.check_action("toggle_author", ()):
            out.append(("Toggle the author view", "Node ids, points, mood deltas, tags",
                        self.action_toggle_author))  # fmt: skip
        return out
