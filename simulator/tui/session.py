"""One play-through as the TUI runs it: a Conversation, its settings and its recorder.

No Textual here: the screens call these methods, and the rules (what is
recorded, when a resume is refused) can be read and tested on their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from scoring import Scores
from simulator.analysis import par_for
from simulator.dialogue import first_name
from simulator.engine import Conversation, Event
from simulator.model import Scenario
from simulator.recording import Recorder
from simulator.shuffle import new_seed, shown_order
from simulator.tui.settings import Clock, Mode, PlaySettings
from simulator.typed import MAX_TYPED_CHARS, TypedReply

if TYPE_CHECKING:
    from simulator.matching import Match, Matcher
    from simulator.results import AttemptRow, ChoiceRow, ResultsStore


@dataclass(slots=True)
class Session:
    """A conversation being played, and where (if anywhere) it is recorded."""

    scenario: Scenario
    settings: PlaySettings
    conv: Conversation
    recorder: Recorder | None = None
    record_error: str | None = None  # why recording stopped
    # Told at once when recording stops; may be called from the writer's thread.
    on_error: Callable[[str], None] | None = None
    # Commits run here, in order, off the UI thread: a WAL checkpoint's fsync must
    # not stall a reply. None: commit in the caller's thread.
    writer: Executor | None = None
    seed: int | None = None  # the replies' shuffle seed (None: authored order)
    matcher: Matcher | None = None  # hears typed replies (say mode); None: picking only
    typed: dict[int, TypedReply] = field(default_factory=dict)  # turns answered by typing
    matcher_note: str = ""  # why this call cannot be typed (its matcher is not this one)
    _pending: Future[None] | None = field(default=None, repr=False)
    _scores: Scores | None = field(default=None, repr=False)
    _par: int | None = field(default=None, repr=False)
    _par_known: bool = field(default=False, repr=False)

    @property
    def uuid(self) -> str | None:
        """The stored attempt's uuid (None when nothing is recorded)."""
        return None if self.recorder is None else self.recorder.uuid

    @property
    def finished(self) -> bool:
        """True once the conversation reached an ending or the walkout."""
        return self.conv.finished

    def shown(self) -> tuple[int, ...]:
        """The authored numbers of the replies offered now, in the order they are shown."""
        conv = self.conv
        return shown_order(self.seed, conv.node_id, len(conv.choices))

    def choose(self, number: int, *, latency_ms: float | None = None) -> Event:
        """Make authored reply ``number`` (1-based) and commit it to the store."""
        event = self.conv.choose(number, latency_ms=latency_ms)
        self._record(event)
        return event

    def choose_shown(self, position: int, *, latency_ms: float | None = None) -> Event:
        """Make the reply shown at ``position`` (1-based, the key pressed) and commit it."""
        number = self.shown()[position - 1]
        event = self.conv.choose(number, latency_ms=latency_ms)
        self._record(event, position if self.seed is not None else None)
        return event

    def hear(self, text: str) -> Match:
        """What ``text``, typed now, is heard as (nothing is said yet).

        May load the matcher's model: a UI calls it off its thread unless the
        matcher is ``light``.
        """
        if self.matcher is None:
            raise RuntimeError("this session has no reply matcher")
        return self.matcher.match(self.conv.node, text[:MAX_TYPED_CHARS])

    def say_shown(self, heard: Match, position: int, *, latency_ms: float | None = None) -> Event:
        """Make the reply shown at ``position`` after typing ``heard.text``, and commit both.

        The reply is made exactly as if it had been picked (its points,
        reaction, feedback and critical flag apply); the record keeps what was
        typed, what it was heard as and whether the trainee confirmed that or
        chose another. ``heard`` must have been matched at the current node.
        """
        node = self.conv.node
        if heard.ranked and not any(heard.ranked[0].choice is c for c in node.choices):
            raise ValueError(f"the typed reply was matched at another node, not '{node.id}'")
        number = self.shown()[position - 1]
        event = self.conv.choose(number, latency_ms=latency_ms)
        typed = TypedReply.made(heard, seq=event.seq, node=event.node, chosen=number)
        self.typed[event.seq] = typed
        self._record(event, position if self.seed is not None else None, typed)
        return event

    def silence(self) -> Event:
        """Pressure mode ran out: the trainee said nothing for the timer's seconds."""
        seconds = self.settings.timed or 0
        event = self.conv.silence(seconds, latency_ms=seconds * 1000.0)
        self._record(event)
        return event

    @property
    def par(self) -> int | None:
        """Par from where this conversation started (computed once)."""
        if not self._par_known:
            c = self.conv
            self._par = par_for(
                self.scenario, start=c.start, mood=c.start_mood, flags=c.start_flags
            )
            self._par_known = True
        return self._par

    def flush(self) -> None:
        """Wait until every write handed to the writer is committed (or has failed)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                pending.result()
            except Exception as exc:
                self._stop_recording(exc)

    def finish(self) -> Scores:
        """Score the finished conversation and close the stored attempt (once)."""
        if self._scores is None:
            self._scores = self.conv.score(self.par)
            par = self.par
            self._commit(lambda recorder: recorder.finish(par))
        return self._scores

    def _record(
        self, event: Event, shown: int | None = None, typed: TypedReply | None = None
    ) -> None:
        self._commit(lambda recorder: recorder.record(event, shown=shown, typed=typed))

    def _commit(self, job: Callable[[Recorder], None]) -> None:
        """Run ``job`` against the store: in the writer (in order), or here without one."""
        recorder = self.recorder
        if recorder is None:
            return
        if self.writer is None:
            try:
                job(recorder)
            except Exception as exc:  # a full disk must not take the conversation with it
                self._stop_recording(exc)
            return
        previous = self._pending

        def commit() -> None:
            if previous is not None:
                previous.result()  # a failed earlier reply fails this one too: no gaps
            job(recorder)

        self._pending = self.writer.submit(commit)
        self._pending.add_done_callback(self._check)

    def _check(self, done: Future[None]) -> None:
        # Runs in the writer's thread; the screen shows record_error after the next reply.
        exc = done.exception()
        if exc is not None and self.recorder is not None:
            self._stop_recording(exc)

    def _stop_recording(self, exc: BaseException) -> None:
        self.record_error = f"results are no longer being saved: {exc}"
        self.recorder = None
        if self.on_error is not None:
            self.on_error(self.record_error)


def new_conversation(
    scenario: Scenario, settings: PlaySettings, clock: Clock, agent: str | None = None
) -> Conversation:
    """A fresh conversation at the settings' start (a preview may start anywhere).

    ``agent`` is the trainee's name; its first word stands in for ``{agent}``.
    """
    start = settings.start if settings.start in scenario.nodes else None
    return Conversation(
        scenario, start=start, mood=settings.mood, flags=settings.flags,
        agent=first_name(agent), clock=clock,
    )  # fmt: skip


def new_session(
    scenario: Scenario,
    settings: PlaySettings,
    *,
    store: ResultsStore | None,
    identity: tuple[str, str] | None,
    email: str | None = None,
    clock: Clock = time.monotonic,
    writer: Executor | None = None,
    matcher: Matcher | None = None,
) -> Session:
    """Start a play-through, recorded unless it is a preview (or there is no store).

    ``matcher`` hears typed replies (say mode); without one, replies are picked.

    A scenario that shuffles gets a fresh seed for every attempt (so a retry
    is reshuffled); an author's preview keeps the authored order.
    """
    conv = new_conversation(scenario, settings, clock, identity[0] if identity else None)
    seed = new_seed() if scenario.shuffle and not settings.preview else None
    session = Session(scenario, settings, conv, writer=writer, seed=seed, matcher=matcher)
    if settings.preview or store is None or identity is None:
        return session
    try:
        session.recorder = Recorder(
            store, conv, name=identity[0], cohort=identity[1], mode=settings.mode,
            timed_seconds=settings.timed, email=email, shuffle_seed=seed,
        )  # fmt: skip
    except Exception as exc:
        session.record_error = f"this attempt will not be saved: {exc}"
    return session


class ResumeError(Exception):
    """A stored attempt cannot be replayed against the scenario as it is now."""


def replay_choices(
    scenario: Scenario,
    start: str,
    rows: Sequence[ChoiceRow],
    clock: Clock = time.monotonic,
    agent: str | None = None,
) -> Conversation:
    """Replay stored replies into a fresh conversation, checking each lands as recorded."""
    if start not in scenario.nodes:
        raise ResumeError(f"the scenario no longer has the node '{start}' it started from")
    conv = Conversation(scenario, start=start, agent=first_name(agent), clock=clock)
    for row in rows:
        if conv.finished:
            raise ResumeError(f"reply {row.seq} comes after the conversation ended")
        if row.node != conv.node_id:
            raise ResumeError(
                f"reply {row.seq} was made at '{row.node}', but replaying reaches '{conv.node_id}'"
            )
        if row.choice is None:
            event = conv.silence(row.seconds, latency_ms=row.latency_ms)
        elif 1 <= row.choice <= len(conv.choices):
            event = conv.choose(row.choice, latency_ms=row.latency_ms)
        else:
            raise ResumeError(f"reply {row.seq} chose {row.choice}, which is no longer offered")
        if event.mood_after != row.mood_after:
            raise ResumeError(f"reply {row.seq} no longer has the same effect on the mood")
    return conv


def resume_session(
    scenario: Scenario,
    attempt: AttemptRow,
    rows: Sequence[ChoiceRow],
    *,
    store: ResultsStore,
    settings: PlaySettings,
    clock: Clock = time.monotonic,
    writer: Executor | None = None,
    matcher: Matcher | None = None,
) -> Session:
    """Continue a stored unfinished attempt under the same uuid.

    Its recorded mode and timer win over this run's settings: an attempt keeps
    the rules it was started under.
    """
    if attempt.content_hash != scenario.content_hash:
        raise ResumeError("the scenario file has changed since this attempt was started")
    conv = replay_choices(scenario, attempt.start_node, rows, clock, attempt.trainee)
    mode: Mode = "assessment" if attempt.mode == "assessment" else "practice"
    kept = replace(settings, mode=mode, timed=attempt.timed_seconds, preview=False,
                   start=None, mood=None, flags=())  # fmt: skip
    recorder = Recorder(
        store, conv, name=attempt.trainee, cohort=attempt.cohort, mode=attempt.mode,
        timed_seconds=attempt.timed_seconds, uuid=attempt.uuid,
        shuffle_seed=attempt.shuffle_seed,
    )  # fmt: skip
    session = Session(scenario, kept, conv, recorder, writer=writer, seed=attempt.shuffle_seed,
                      matcher=matcher)  # fmt: skip
    heard_by = attempt.matcher, attempt.matcher_version
    if heard_by[0] is not None and heard_by[1] is not None:
        for row in rows:
            typed = TypedReply.stored(row, heard_by[0], heard_by[1])
            if typed is not None:
                session.typed[typed.seq] = typed
        # One matcher an attempt: replies heard differently would not be comparable.
        if matcher is not None and (matcher.name, matcher.version) != heard_by:
            session.matcher = None
            session.matcher_note = (
                f"This call's replies were typed with the {heard_by[0]} matcher "
                f"({heard_by[1]}); pick the rest from the list, or resume it with "
                f"--matcher {heard_by[0]} to type them."
            )
    return session
