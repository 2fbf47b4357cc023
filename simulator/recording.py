"""Recording play-throughs in the store: one committed row per reply."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from simulator.engine import Conversation, Event

if TYPE_CHECKING:
    from simulator.results import DbTarget, ResultsStore
    from simulator.typed import TypedReply


class Recorder:
    """Writes one conversation to the store as it is played."""

    def __init__(
        self,
        store: ResultsStore,
        conv: Conversation,
        *,
        name: str,
        cohort: str,
        mode: str,
        timed_seconds: int | None = None,
        email: str | None = None,
        uuid: str | None = None,
        shuffle_seed: int | None = None,
    ) -> None:
        self.store = store
        self.conv = conv
        self.shuffle_seed = shuffle_seed
        if uuid is None:
            uuid = store.start_attempt(
                name=name,
                cohort=cohort,
                scenario_id=conv.scenario.id,
                scenario_title=conv.scenario.title,
                content_hash=conv.scenario.content_hash,
                mode=mode,
                start_node=conv.start,
                timed_seconds=timed_seconds,
                email=email,
                shuffle_seed=shuffle_seed,
            )
        self.uuid = uuid

    def record(
        self, event: Event, *, shown: int | None = None, typed: TypedReply | None = None
    ) -> None:
        """Commit one reply (or silence); ``shown`` is its position on screen if shuffled.

        ``typed``: the reply was typed (say mode): what was typed, what it was
        heard as and by which matcher are kept with it.
        """
        self.store.record_choice(
            self.uuid,
            seq=event.seq,
            node=event.node,
            choice=event.choice,
            say=event.say,
            empathy=event.empathy,
            assertiveness=event.assertiveness,
            tags=event.tags,
            mood_before=event.mood_before,
            mood_after=event.mood_after,
            seconds=event.seconds,
            latency_ms=event.latency_ms,
            next_node=event.next_node,
            critical=event.critical or None,
            shown=shown,
            typed=None if typed is None else typed.text,
            matched=None if typed is None else typed.matched,
            similarity=None if typed is None else typed.similarity,
            matcher=None if typed is None else typed.matcher,
            matcher_version=None if typed is None else typed.version,
        )

    def finish(self, par: int | None) -> None:
        """Store the ending and scores of the finished conversation."""
        scores = self.conv.score(par)
        assert self.conv.ending is not None
        self.store.finish_attempt(
            self.uuid,
            ending=self.conv.ending,
            ending_node=self.conv.ending_node,
            empathy=scores.empathy,
            assertiveness=scores.assertiveness,
            speed=scores.speed,
            overall=scores.overall,
            passed=scores.passed,
            outcome=self.conv.outcome or None,
        )


def record_finished(
    conv: Conversation,
    par: int | None,
    *,
    identity: tuple[str, str],
    db: DbTarget | None,
    mode: str,
) -> str:
    """Store an already finished conversation (``talkdown run --record``)."""
    from simulator.results import open_store

    with open_store(db) as store:
        recorder = Recorder(store, conv, name=identity[0], cohort=identity[1], mode=mode)
        for event in conv.events:
            recorder.record(replace(event, latency_ms=None))  # batch: no human latency
        recorder.finish(par)
        return recorder.uuid
