"""The conversation: transcript, mood, clock, replies; practice feedback; pressure timer.

What the agent's own system shows (a node's ``screen``) sits in an "On your
screen" box above the transcript until a later node replaces it. Replies are
listed in the session's shown order (shuffled per attempt when the scenario
asks); keys 1–9 follow what is on screen.

Say mode (``--say``, or ctrl+t during the call) hides the list while the
trainee types a reply in their own words (`SayBox`). Enter matches it to the
nearest authored reply, off the UI thread when the matcher loads a model, and
the box says what the customer hears and how close the match is; the list
comes back below it. Enter (on the heard reply, highlighted) says it, a
number or another highlighted reply says that one instead, Esc rephrases with
the text kept. Text that cannot be matched is never guessed for: the box says
so and the trainee picks or rephrases. The reply said goes through the
session like a picked one (`Session.say_shown`).

The same screen plays a live attempt, an author preview (``--from``/``--watch``,
with the author view on ``a``) and the expert path as a replay (``e`` on the
debrief: it steps on a timer or on ``space`` and records nothing).

Keys are safe: a reply key counts only once that turn's replies are on screen
(a quick double press cannot answer two turns), only for a reply that is wholly
visible, and Escape asks before leaving a recorded call (which stays saved to
resume). The panels share the height so that every reply is shown: the replies
first, then the customer's latest words, "On your screen", and the coach, who
says "more ↓" when the rest is below the fold.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.scalar import Scalar
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, Static

from simulator.engine import Conversation, Event
from simulator.matching import Match
from simulator.problems import Problem
from simulator.terminal import visible, visible_line
from simulator.tui.messages import ConversationFinished, LeaveRequested, ReplyChosen, ReplyTyped
from simulator.tui.session import Session
from simulator.tui.widgets.feedback import FeedbackPanel
from simulator.tui.widgets.more import MorePanel
from simulator.tui.widgets.reply_list import ReplyList, ShownReply
from simulator.tui.widgets.say_box import (
    SayBox,
    heard_content,
    keys_hint,
    scores_line,
    unmatched_content,
)
from simulator.tui.widgets.status import CallStatus, Countdown
from simulator.tui.widgets.title_bar import TitleBar
from simulator.tui.widgets.transcript import Transcript
from simulator.validate import FileReport

if TYPE_CHECKING:
    from simulator.tui.app import TalkdownApp

TICK_SECONDS = 0.2  # how often the pressure countdown is redrawn and checked
REPLAY_STEP_SECONDS = 2.0  # the expert replay's pace when left to run
CHROME_ROWS = 3  # the title bar, the status line and the footer
MIN_TRANSCRIPT = 3  # rows the transcript keeps however many replies there are
MAX_ON_SCREEN = 4  # text rows of "On your screen" before it scrolls
MIN_COACH = 3  # rows the coach keeps (with "more ↓") when space is short
LOADING = "Loading the {} matcher (once, about a second) — you can type meanwhile."
LISTENING = "Matching what you typed…"
LOADING_THEN_LISTENING = "Loading the {} matcher (once, about a second), then matching…"


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


def _set_height(widget: Widget, rows: int) -> None:
    """Give ``widget`` ``rows`` rows, leaving the layout alone when it has them already."""
    if widget.styles.height != Scalar.parse(str(rows)):
        widget.styles.height = rows


class ConversationScreen(Screen[None]):
    """Play one conversation (or watch the expert play it)."""

    CSS_PATH = "conversation.tcss"  # parsed when a call first opens, not at start

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "reply(1)", "Reply", key_display="1-9"),
        *(Binding(str(n), f"reply({n})", f"Reply {n}", show=False) for n in range(2, 10)),
        Binding("space,n", "step", "Next step"),
        Binding("p", "pause", "Pause/run"),
        Binding("a", "toggle_author", "Author view"),
        Binding("escape", "rephrase", "Rephrase"),
        Binding("escape", "leave", "Leave call"),
        Binding("escape", "close_replay", "Back to the debrief"),
        # ctrl+t: a key typing never produces (Input leaves it alone).
        Binding("ctrl+t", "say(True)", "Type replies"),
        Binding("ctrl+t", "say(False)", "Pick replies"),
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
        self.answerable = False  # this turn's replies are on screen: a reply key counts
        self.replay_done = False
        self._ticker: Timer | None = None
        self._stepper: Timer | None = None
        self._time_left: float | None = None  # the countdown, frozen while another screen is up
        self.on_screen = Content("")  # what "On your screen" shows now
        self.saying = False  # say mode: replies are typed, the list is the override
        self.heard: Match | None = None  # a typed reply waiting to be confirmed
        self._hearing: tuple[int, str] | None = None  # (turn, text) being matched in a thread
        self._binding_state: tuple[bool, ...] = ()  # what the footer's keys were drawn for

    # -- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        mode = "expert replay" if self.replay is not None else self._mode_label()
        yield TitleBar()
        yield CallStatus(mode, id="status")
        yield Static("", id="problems")
        with MorePanel(id="on-screen", can_focus=False):
            yield Static("", id="on-screen-text")
        yield Transcript(id="transcript")
        yield FeedbackPanel(id="feedback")
        yield SayBox(id="say")
        yield ReplyList(id="replies")
        yield Footer()

    def _mode_label(self) -> str:
        if self.session is None:
            return "preview"
        s = self.session.settings
        return "preview" if s.preview else s.mode  # a timer shows as its countdown

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        on_screen = self.query_one("#on-screen", MorePanel)
        on_screen.display = False
        on_screen.border_title = "On your screen"
        if self.report is not None and self.report.scenario is None:
            self.show_problems(self.report)
        if self.session is not None:
            self._begin()
        if self.session is not None and self.session.settings.timed and self.replay is None:
            self._ticker = self.set_interval(TICK_SECONDS, self.tick)
        if self.replay is not None:
            self._stepper = self.set_interval(REPLAY_STEP_SECONDS, self._auto_step)
        self.query_one(ReplyList).focus()
        if self.session is not None and self.session.settings.say:
            self.action_say(True, quiet=True)
        else:
            self._show_say()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "pause"):
            return self.replay is not None and not self.replay_done
        if action == "toggle_author":
            return (
                self.session is not None and self.session.settings.preview and self.replay is None
            )
        if action == "say":
            can = self.replay is None and self.session is not None and \
                self.session.matcher is not None and not self.session.finished  # fmt: skip
            return can and parameters[0] != self.saying
        if action == "rephrase":
            return self.heard is not None or self._hearing is not None
        if action == "reply":
            return self.replay is None and (not self.saying or self.heard is not None)
        if action == "leave":
            return self.replay is None
        if action == "close_replay":
            return self.replay is not None
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
        if session.matcher_note:
            self.notify(session.matcher_note, title="Say it your way", severity="warning",
                        timeout=10)  # fmt: skip

    def _begin(self) -> None:
        """Draw the conversation from its start (replaying any events already made)."""
        assert self.session is not None
        scenario = self.session.scenario
        self.title = scenario.title
        self.sub_title = f"with {scenario.customer.name}"
        self._hear_recording_errors(self.session)
        self.heard = None  # (a reload restarts the call: nothing typed is pending)
        self._hearing = None
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
        self.on_screen = Content(visible(conv.text(text)))
        self.query_one("#on-screen-text", Static).update(self.on_screen)
        self.query_one("#on-screen", MorePanel).display = bool(text)

    def _show_status(self) -> None:
        conv = self.conv
        status = self.query_one(CallStatus)
        status.turn = conv.turn
        status.seconds = conv.seconds
        status.node = conv.node_id if self.author else ""
        status.query_one("#mood").mood = conv.mood  # type: ignore[attr-defined]

    def _refresh_state(self) -> None:
        """Status line, replies and timer for where the conversation is now."""
        conv = self.conv
        self._show_status()
        self._show_screen()
        replies = self.query_one(ReplyList)
        order = self.session.shown() if self.session is not None else ()
        replies.show_replies(
            [ShownReply(n, conv.choices[n - 1], conv.text(conv.choices[n - 1].say)) for n in order],
            author=self.author,
        )
        replies.disabled = self.replay is not None
        self._show_say()
        self._arm_timer()
        self.fit()
        # A reply key counts only once these replies have been drawn (and the
        # trainee's answer time is measured from then).
        self.answerable = False
        self.call_after_refresh(self._replies_drawn)

    def _replies_drawn(self) -> None:
        if self.session is not None and not self.session.finished:
            self.answerable = True
            self.conv.mark_shown()

    def watch_author(self) -> None:
        if self.session is not None and self.is_mounted:
            self._refresh_state()
            if self.heard is not None:  # the heard box shows (or hides) every reply's score
                self._show_heard(self.heard)

    # -- sharing the height -------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        # The new size, directly: this runs before the screen itself has taken it.
        # (No call_after_refresh here: on a screen's resize, that makes headless
        # Textual without a fixed size resize again, for ever.)
        self.fit(event.size)

    def fit(self, size: Size | None = None) -> None:
        """Share the rows between the panels so that every reply is on screen.

        In order: say mode's box (the input, or what the customer hears);
        every reply (and its header); the customer's latest words
        (at least `MIN_TRANSCRIPT` rows); "On your screen" (up to
        `MAX_ON_SCREEN` rows of text); the coach (what is left, at least
        `MIN_COACH` rows, with "more ↓" when cut); the rest of the transcript.
        Only a terminal too short for the replies themselves scrolls the list
        (and then a key for a reply out of view is refused).
        """
        size = size or self.size
        if not self.is_mounted or size.height <= 0:
            return
        width = size.width
        rows = size.height - CHROME_ROWS
        problems = self.query_one("#problems")
        if problems.display:
            rows -= problems.outer_size.height
        say = self.query_one(SayBox)
        if say.display:
            say_rows = min(say.rows(width - 2), max(2, rows - MIN_TRANSCRIPT))
            _set_height(say, say_rows)
            rows -= say_rows
        replies = self.query_one(ReplyList)
        if self.saying and not replies.display:  # typing: the list is out of the way
            left = rows
        else:
            replies_rows = min(replies.needed_rows, max(3, rows - MIN_TRANSCRIPT))
            _set_height(replies, replies_rows)
            left = rows - replies_rows
        # A panel left too few rows for a line inside its borders steps out of the way
        # (its borders alone would take the customer's rows).
        panel = self.query_one("#on-screen", MorePanel)
        if self.on_screen.plain:
            text_rows = len(self.on_screen.wrap(max(1, width - 4)))
            screen_rows = min(text_rows, MAX_ON_SCREEN) + 2  # its border
            screen_rows = max(0, min(screen_rows, left - MIN_TRANSCRIPT))
            panel.display = screen_rows >= 3
            if panel.display:
                _set_height(panel, screen_rows)
                left -= screen_rows
        coach = self.query_one(FeedbackPanel)
        if coach.content.plain:
            needed = len(coach.content.wrap(max(1, width - 2))) + 1  # its top border
            latest = max(MIN_TRANSCRIPT, self.query_one(Transcript).latest_rows)
            coach_rows = min(needed, max(MIN_COACH, left - latest), max(0, left - MIN_TRANSCRIPT))
            # Cut short, it needs its "more ↓" border too: a line between two borders.
            coach.display = coach_rows >= min(needed, 3)
            _set_height(coach, max(0, coach_rows))
            # When the note fits, no scrollbar and no "more ↓" (FeedbackPanel.update_cue):
            # left over from a shorter panel (while a typed reply was confirmed), they
            # would take the room it needs, and so stay.
            overflow = "hidden" if coach_rows >= needed else "auto"
            if coach.styles.overflow_y != overflow:
                coach.styles.overflow_y = overflow
            coach.call_after_refresh(coach.update_cue)
        if panel.display:
            panel.call_after_refresh(panel.update_cue)

    # -- replying ----------------------------------------------------------------

    def action_reply(self, number: int) -> None:
        """Reply with the reply shown at ``number`` (keys 1–9)."""
        started = time.perf_counter()
        if not self.answerable:
            return  # the last reply's effects are not on screen yet: a double press
        if not self._answer(number, by_key=True):
            return
        self.app.after_reply(self, started)

    @on(ReplyChosen)
    def _reply_chosen(self, message: ReplyChosen) -> None:
        if self.answerable:
            self._answer(message.position, by_key=False)

    # -- say mode: typed replies ----------------------------------------------------

    def action_say(self, on: bool, quiet: bool = False) -> None:
        """Switch say mode on (type your reply) or off (pick from the list)."""
        session = self.session
        if session is None or session.matcher is None or self.replay is not None:
            return
        self.saying = on
        session.settings = replace(session.settings, say=on)  # a retry keeps the choice
        self.heard = None
        self._hearing = None
        box = self.query_one(SayBox)
        if on:
            box.typing()
            if not session.matcher.ready:
                box.note(LOADING.format(session.matcher.name))
                self._load_matcher()
        self._show_say()
        self.fit()
        if not quiet:
            self.notify("Type your reply in your own words." if on else
                        "Pick your reply from the list.", timeout=3)  # fmt: skip

    @work(thread=True, exclusive=True, group="matcher")
    def _load_matcher(self) -> None:
        """Load the matcher's model off the UI thread (once: later calls return at once)."""
        session = self.session
        if session is None or session.matcher is None:
            return
        try:
            session.matcher.load()
        except Exception as exc:  # a broken install must not take the call with it
            with contextlib.suppress(RuntimeError):  # the app has closed
                self.app.call_from_thread(self._matcher_failed, str(exc))
            return
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(self._matcher_loaded)

    def _matcher_loaded(self) -> None:
        if self.saying and self.query_one(SayBox).face == "typing":
            self.query_one(SayBox).note("")
            self.fit()

    def _matcher_failed(self, why: str) -> None:
        self.notify(f"Typed replies are off: the reply matcher could not load ({why}).",
                    title="Say it your way", severity="error", timeout=10)  # fmt: skip
        if self.saying:
            self.action_say(False, quiet=True)

    def _show_say(self) -> None:
        """The say box and the reply list as say mode's state asks (the list is the override).

        The widget that takes the keys is enabled and focused before the other is
        disabled, so the focus moves once (each move redraws the footer).
        """
        box = self.query_one(SayBox)
        field = box.query_one(Input)
        replies = self.query_one(ReplyList)
        live = self.session is not None and not self.session.finished and self.replay is None
        box.display = self.saying and live
        typing = box.display and box.face == "typing"
        if self.heard is None:
            replies.set_heading(None)
        if not self.saying:
            replies.display = self.replay is None or not self.replay_done
            replies.can_focus = True
            replies.disabled = self.replay is not None or self.broken
            if live and not replies.disabled and isinstance(self.focused, Input | None):
                replies.focus()  # back from typing: the list has the keys
        elif self.heard is None:
            field.disabled = not typing
            if typing and not field.has_focus:
                box.focus_input()  # now, so no key is lost; and again once drawn (at mount
                self.call_after_refresh(self._focus_typing)  # the box is not focusable yet)
            # While typing, the list is hidden and cannot take the focus; a key that still
            # reaches it says nothing (`_answer`). (Not `disabled`: restyling the whole
            # list for it was a fifth of the time to show what was heard.)
            replies.display = False
            replies.can_focus = False
        else:
            replies.display = True
            replies.can_focus = True
            replies.disabled = self.broken
            count = len(self.conv.choices)
            best = self.heard.best
            if best is None:
                replies.set_heading(f"Pick the reply you meant — press {keys_hint(count)}")
                replies.highlighted = None  # nothing is guessed: Enter says nothing yet
            else:
                replies.set_heading(f"Or say another — press {keys_hint(count)}")
                replies.highlighted = self._position(best.number) - 1
            replies.focus()
        # A hidden input must never take the focus (and the keys: space, digits).
        field.disabled = not typing
        self._bindings_for_say()

    def _bindings_for_say(self) -> None:
        """Refresh the footer's keys when what they depend on has changed (only then)."""
        state = (self.saying, self.heard is None, self._hearing is None,
                 self.session is not None and self.session.finished)  # fmt: skip
        if state != self._binding_state:
            self._binding_state = state
            self.refresh_bindings()

    def _focus_typing(self) -> None:
        if self.saying and self.heard is None and self._hearing is None:
            box = self.query_one(SayBox)
            if box.display and not box.query_one(Input).has_focus:
                box.focus_input()

    def _position(self, number: int) -> int:
        """Where authored reply ``number`` is shown (1-based: its key)."""
        assert self.session is not None
        return self.session.shown().index(number) + 1

    @on(ReplyTyped)
    def _reply_typed(self, message: ReplyTyped) -> None:
        """Enter in the say box: match the text (in a thread when the matcher is heavy)."""
        session = self.session
        box = self.query_one(SayBox)
        if session is None or session.matcher is None or session.finished or not self.saying:
            return
        if not self.answerable or self.broken or box.face != "typing":
            self.app.bell()
            return
        text = message.text.strip()
        if not any(ch.isalnum() for ch in text):
            box.note("Type what you would say to the customer, then press Enter.")
            self.fit()
            return
        if session.matcher.light:
            self._show_heard(session.hear(text))
            return
        self._hearing = (self.conv.turn, text)
        waiting = LISTENING if session.matcher.ready else LOADING_THEN_LISTENING
        box.listening(waiting.format(session.matcher.name))
        self.fit()
        self._hear(self.conv.turn, text)

    @work(thread=True, exclusive=True, group="hear")
    def _hear(self, turn: int, text: str) -> None:
        """Match ``text`` off the UI thread (the model loads here the first time)."""
        session = self.session
        assert session is not None
        try:
            found = session.hear(text)
        except Exception as exc:
            with contextlib.suppress(RuntimeError):
                self.app.call_from_thread(self._matcher_failed, str(exc))
            return
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(self._heard_in_thread, turn, text, found)

    def _heard_in_thread(self, turn: int, text: str, found: Match) -> None:
        # A silence (the timer) or a switch out of say mode meanwhile: the answer is stale.
        if self._hearing != (turn, text) or self.session is None or self.session.finished:
            return
        self._hearing = None
        self._show_heard(found)

    def _show_heard(self, found: Match) -> None:
        """Say what the typed text was heard as (or that it was not), and offer the list."""
        assert self.session is not None
        box = self.query_one(SayBox)
        count = len(self.conv.choices)
        best = found.best
        positions = {n: i for i, n in enumerate(self.session.shown(), 1)}
        author = scores_line(found, positions) if self.author else None
        if best is None:
            box.heard(lambda width: unmatched_content(found, count, width, author), matched=False)
        else:
            said, key = self.conv.text(best.choice.say), positions[best.number]
            box.heard(lambda width: heard_content(found, said, key, count, width, author),
                      matched=True)  # fmt: skip
        self.heard = found
        self._show_say()
        self.fit()
        # Enter or a number counts only once what was heard is on screen (the answer
        # time still runs from when the customer's line was shown).
        self.answerable = False
        self.call_after_refresh(self._heard_drawn)

    def _heard_drawn(self) -> None:
        if self.session is not None and not self.session.finished:
            self.answerable = True

    def action_rephrase(self) -> None:
        """Back to the input, the text kept, to say it another way (or stop matching it)."""
        if self.heard is None and self._hearing is None:
            return
        self.heard = None
        self._hearing = None  # a match still running in its thread is dropped
        self.query_one(SayBox).typing()
        self._show_say()
        self.fit()

    def _answer(self, position: int, *, by_key: bool) -> bool:
        """Make the reply shown at ``position``; False (and a bell) when it cannot be made."""
        if self.session is None or self.replay is not None or self.session.finished:
            return False
        if self.saying and self.heard is None:
            return False  # typing: the list is hidden, and nothing is said from it unseen
        replies = self.query_one(ReplyList)
        if self.broken or not 1 <= position <= len(self.conv.choices):
            self.app.bell()
            return False
        if by_key and not replies.fully_visible(position - 1):
            # Never answer with words the trainee cannot see: show them first.
            replies.reveal(position - 1)
            self.app.bell()
            self.notify(f"Reply {position} was out of view — read it, then press {position} again.")
            return False
        self.answerable = False
        heard, self.heard = self.heard, None
        if self.saying and heard is not None:
            self._apply(self.session.say_shown(heard, position))
        else:
            self._apply(self.session.choose_shown(position))
        return True

    def _apply(self, event: Event) -> None:
        assert self.session is not None
        self._show_event(event)
        if self.saying:  # a new turn (or a silence): back to an input, cleared after a reply
            self.heard = None
            self._hearing = None
            self.query_one(SayBox).typing(text=None if event.choice is None else "")
        feedback = self.query_one(FeedbackPanel)
        if self.replay is not None or not self.session.settings.assessment:
            feedback.show_event(event)
        if self.session.finished:
            self.deadline = None
            self.query_one(Countdown).remaining = None
            if self.replay is None:
                self.post_message(ConversationFinished(self.session))
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

    def on_screen_suspend(self) -> None:
        # Another screen is over this one (leave? help, the palette): the countdown waits.
        if self.deadline is not None:
            self._time_left = max(0.0, self.deadline - self.app.clock())
            self.deadline = None

    def on_screen_resume(self) -> None:
        if self._time_left is not None and self.session is not None and not self.session.finished:
            self.deadline = self.app.clock() + self._time_left
        self._time_left = None

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
        """The expert path has ended: say how, and leave only the way back."""
        if self._stepper is not None:
            self._stepper.stop()
        self.replay_done = True
        conv = self.conv
        self._show_status()  # the mood and call time at the end
        self.query_one(CallStatus).ended = True
        self.query_one(ReplyList).display = False
        text = conv.outcome or conv.closing_line
        self.query_one(Transcript).add_note(
            f"End of the expert path: {conv.ending}" + (f" — {text.rstrip('.')}" if text else "")
        )
        self.refresh_bindings()
        self.fit()

    def action_close_replay(self) -> None:
        """Back to the debrief the replay was started from."""
        self.dismiss()

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
        self.call_after_refresh(self.fit)

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
        """Leave the call: ask first when a recorded call is under way (it stays resumable)."""
        session = self.session
        if session is None or session.finished or session.uuid is None or session.conv.turn == 0:
            self.post_message(LeaveRequested(session))
            return
        from simulator.tui.screens.leave import LeaveCallScreen

        self.app.push_screen(LeaveCallScreen(), callback=self._leave_answered)

    def _leave_answered(self, leave: bool | None) -> None:
        if leave:
            self.post_message(LeaveRequested(self.session))

    def palette_commands(self) -> list[tuple[str, str, object]]:
        """Commands this screen offers in the palette."""
        if self.replay is not None:
            return [("Back to the debrief", "Close the expert replay", self.action_close_replay)]
        out: list[tuple[str, str, object]] = [
            ("Leave this call", "Back to the scenarios; the call stays saved to resume",
             self.action_leave),
        ]  # fmt: skip
        if self.check_action("say", (True,)):
            out.append(("Say it your way: type your replies (ctrl+t)",
                        "Type what you would say; it is matched to the nearest reply",
                        lambda: self.action_say(True)))  # fmt: skip
        if self.check_action("say", (False,)):
            out.append(("Pick replies from the list (ctrl+t)", "Stop typing your replies",
                        lambda: self.action_say(False)))  # fmt: skip
        if self.check_action("toggle_author", ()):
            out.append(("Toggle the author view", "Node ids, points, mood deltas, tags",
                        self.action_toggle_author))  # fmt: skip
        return out
