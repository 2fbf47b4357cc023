"""What the results store reads and writes: typed rows, times and tag summaries.

Two shapes of an attempt, for two kinds of reader:

* `AttemptRow` / `ChoiceRow` — parsed values (aware UTC `datetime`, tuples of
  tags) for the app: the TUI, resume, the trainer screen, import.
* `AttemptRecord` / `ReplyRecord` — the values as stored and exported (times
  as fixed-width UTC text, tags and summaries as their stored JSON text), for
  the exporters, which write 100,000s of them: a backend builds each one from
  a cursor row with one C call, and an exporter copies the text straight out
  instead of parsing and re-encoding it.

Both backends return exactly these types with exactly these values, so every
exporter and report is backend-blind (the test suite runs on both).

Times are aware UTC `datetime` objects in Python and ``YYYY-MM-DDTHH:MM:SS.
ffffffZ`` text on the wire (`format_utc` / `parse_utc`); a naive `datetime`
is taken to be UTC.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Final, Literal, NamedTuple, TypeVar, cast

from scoring.vocabulary import ENDINGS
from simulator.tags import SINS, TECHNIQUES

__all__ = [
    "ENDINGS",
    "MODES",
    "STATUSES",
    "AttemptRecord",
    "AttemptRow",
    "ChoiceRow",
    "CohortTotals",
    "CriticalReply",
    "CsvLines",
    "DayTotals",
    "ImportOutcome",
    "OverallPoint",
    "ReplyCount",
    "ReplyRecord",
    "ScenarioStats",
    "ScenarioTotals",
    "StoredReply",
    "TraineePicks",
    "TraineeRow",
    "TraineeTotals",
    "TypedCount",
    "critical_json",
    "format_utc",
    "parse_critical",
    "parse_utc",
    "records",
    "summaries",
]

MODES: Final = ("practice", "assessment", "batch")
STATUSES: Final = ("in_progress", "completed", "abandoned")

ImportOutcome = Literal["inserted", "replaced", "identical", "conflict"]


# --------------------------------------------------------------------------- time


def format_utc(moment: datetime) -> str:
    """*moment* as stored: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (naive = UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    plain = moment.astimezone(UTC).replace(tzinfo=None)
    return plain.isoformat(timespec="microseconds") + "Z"


def parse_utc(text: str) -> datetime:
    """A stored (or any ISO 8601) time as an aware UTC `datetime` (no zone = UTC)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """*moment* as an aware UTC `datetime`, to the microsecond (naive = UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --------------------------------------------------------------------------- critical replies


@dataclass(frozen=True, slots=True)
class CriticalReply:
    """A reply that fails the call whatever the score: where, which, and why."""

    node: str
    choice: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        """``{"node", "choice", "reason"}`` as run JSON and JSON Lines carry it."""
        return {"node": self.node, "choice": self.choice, "reason": self.reason}


def critical_json(items: Sequence[CriticalReply]) -> str:
    """The stored form of an attempt's critical replies (a JSON array)."""
    return json.dumps([c.to_json() for c in items], ensure_ascii=False)


def parse_critical(text: str | None) -> tuple[CriticalReply, ...]:
    """An attempt's critical replies from their stored JSON array."""
    if not text:
        return ()
    return tuple(CriticalReply(i["node"], int(i["choice"]), i["reason"]) for i in json.loads(text))


# --------------------------------------------------------------------------- tag summaries


def summary_json(counts: Counter[str]) -> str:
    """The stored form of a tag summary: ``{"robotism":2,"runaround":1}``, names sorted.

    Compact and sorted, so the same counts are always the same text: in both
    backends, and from the v3 migration's backfill (SQLite's
    ``json_group_object`` writes this very form).
    """
    return json.dumps(dict(sorted(counts.items())), separators=(",", ":"), ensure_ascii=False)


def parse_summary(text: str) -> dict[str, int]:
    """A stored tag summary as ``{tag: count}``."""
    return {str(k): int(v) for k, v in json.loads(text).items()} if text != "{}" else {}


def summaries(tag_lists: Iterable[Sequence[str]]) -> tuple[str, str]:
    """The stored (sins, techniques) summaries of replies carrying *tag_lists*."""
    sins: Counter[str] = Counter()
    techniques: Counter[str] = Counter()
    for tags in tag_lists:
        for tag in tags:
            if tag in SINS:
                sins[tag] += 1
            elif tag in TECHNIQUES:
                techniques[tag] += 1
    return summary_json(sins), summary_json(techniques)


def add_to_summaries(sins: str, techniques: str, tags: Sequence[str]) -> tuple[str, str]:
    """Stored summaries *sins* and *techniques* with one more reply's *tags* counted."""
    if not tags:
        return sins, techniques
    counted_sins = Counter(parse_summary(sins))
    counted_techniques = Counter(parse_summary(techniques))
    for tag in tags:
        if tag in SINS:
            counted_sins[tag] += 1
        elif tag in TECHNIQUES:
            counted_techniques[tag] += 1
    return summary_json(counted_sins), summary_json(counted_techniques)


# --------------------------------------------------------------------------- app rows


@dataclass(frozen=True, slots=True)
class TraineeRow:
    """A trainee: the pair (name, cohort), with an optional e-mail."""

    id: int
    name: str
    cohort: str
    email: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """One attempt at a scenario, with its trainee's name, cohort and e-mail."""

    uuid: str
    trainee_id: int
    trainee: str
    cohort: str
    email: str | None
    scenario_id: str
    scenario_title: str
    content_hash: str
    mode: str
    timed_seconds: int | None
    start_node: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    ending: str | None
    ending_node: str | None
    empathy: float | None
    assertiveness: float | None
    speed: float | None
    overall: float | None
    passed: bool | None
    seconds: int
    turns: int
    app_version: str | None
    updated_at: datetime
    shuffle_seed: int | None = None  # None: the replies were shown in authored order
    outcome: str | None = None  # the outcome text shown at the end
    critical: tuple[CriticalReply, ...] = ()  # replies that fail the call, in order
    # Tag counts over the replies so far (kept on the attempt, so exports and
    # reports never scan the replies for them); derived, so ignored on import.
    sins: tuple[tuple[str, int], ...] = ()
    techniques: tuple[tuple[str, int], ...] = ()
    # The reply matcher that heard its typed replies (say mode), name and version;
    # None when nothing was typed.
    matcher: str | None = None
    matcher_version: str | None = None

    @property
    def duration(self) -> timedelta | None:
        """Wall-clock time from start to finish, None until completed."""
        return None if self.finished_at is None else self.finished_at - self.started_at


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    """One reply in an attempt (``choice`` None = silence in pressure mode)."""

    attempt_uuid: str
    seq: int
    node: str
    choice: int | None
    say: str
    empathy: int
    assertiveness: int
    tags: tuple[str, ...]
    mood_before: int
    mood_after: int
    seconds: int
    latency_ms: float | None
    next_node: str | None
    recorded_at: datetime
    critical: str | None = None  # why this reply fails the call
    shown: int | None = None  # 1-based position on screen; None: authored order
    # Say mode: what the trainee typed (None: the reply was picked), the reply it was
    # heard as (None: not matched) and that reply's similarity (0–1, the matcher's scale).
    typed: str | None = None
    matched: int | None = None
    similarity: float | None = None

    @property
    def overridden(self) -> bool | None:
        """A typed reply: True when the reply made is not the one it was heard as (or none was)."""
        return None if self.typed is None else self.matched != self.choice


@dataclass(frozen=True, slots=True)
class ScenarioStats:
    """A trainee's completed attempts at one scenario (any version, any mode)."""

    scenario_id: str
    attempts: int
    passes: int
    best_overall: float | None
    last_finished_at: datetime | None


# --------------------------------------------------------------------------- export records


class AttemptRecord(NamedTuple):
    """One attempt as stored and exported (see the module docstring)."""

    uuid: str
    trainee: str
    cohort: str
    email: str | None
    scenario_id: str
    scenario_title: str
    content_hash: str
    mode: str
    timed_seconds: int | None
    start_node: str
    started_at: str  # stored UTC text
    finished_at: str | None
    updated_at: str
    status: str
    ending: str | None
    ending_node: str | None
    empathy: float | None
    assertiveness: float | None
    speed: float | None
    overall: float | None
    passed: bool | None
    seconds: int
    turns: int
    app_version: str | None
    shuffle_seed: int | None
    outcome: str | None
    critical_count: int
    critical: str  # JSON array of {"node", "choice", "reason"}
    sins: str  # JSON object {sin: count}, names sorted ("{}" when none)
    techniques: str  # JSON object {technique: count}
    matcher: str | None  # the matcher that heard its typed replies (None: none typed)
    matcher_version: str | None


class CsvLines(NamedTuple):
    """A run of finished attempts-CSV lines a backend built itself (see `ResultsView.attempt_csv`).

    ``text`` is the lines of ``attempts`` attempts, each ending ``\\r\\n``, byte for
    byte what `simulator.export.csv_export` writes for them.
    """

    text: str
    attempts: int


#: One reply as stored, without its attempt's trainee and scenario: what JSON Lines
#: writes of it. `ReplyRecord`'s leading fields, as a plain tuple (a million are read,
#: so no object per row beyond the driver's): attempt_uuid, seq, node, choice, say,
#: empathy, assertiveness, tags (the stored JSON array), mood_before, mood_after,
#: seconds, latency_ms, next_node, recorded_at (stored UTC text), critical, shown,
#: typed, matched, similarity (say mode; None when picked).
StoredReply = tuple[
    str, int, str, int | None, str, int, int, str, int, int, int, float | None, str | None, str,
    str | None, int | None, str | None, int | None, float | None,
]  # fmt: skip


class ReplyRecord(NamedTuple):
    """One reply as stored and exported, with its attempt's trainee and scenario."""

    attempt_uuid: str
    seq: int
    node: str
    choice: int | None
    say: str
    empathy: int
    assertiveness: int
    tags: str  # JSON array of tag names, as stored
    mood_before: int
    mood_after: int
    seconds: int
    latency_ms: float | None
    next_node: str | None
    recorded_at: str  # stored UTC text
    critical: str | None
    shown: int | None
    trainee: str
    cohort: str
    scenario_id: str
    typed: str | None  # say mode: what was typed (personal data: exported only on request)
    matched: int | None
    similarity: float | None


R = TypeVar("R", bound=tuple[Any, ...])


def records(kind: type[R]) -> Callable[[Iterable[Any]], R]:
    """Makes rows (the fields of *kind*, in order) *kind*: ``kind._make`` less its length check.

    Exports make a million of these; the queries select exactly the fields.
    """
    return cast(Callable[[Iterable[Any]], R], partial(tuple.__new__, kind))


# --------------------------------------------------------------------------- aggregates


@dataclass(frozen=True, slots=True)
class TraineeTotals:
    """One trainee's attempts, summed up (scores over completed attempts)."""

    name: str
    cohort: str
    attempts: int
    completed: int
    passes: int
    best: dict[str, float | None]  # per dimension of `scoring.vocabulary.SCORES`
    mean: dict[str, float | None]
    critical_replies: int
    critical_attempts: int


class OverallPoint(NamedTuple):
    """One scored attempt's overall, for a trainee's trend (streamed in start order)."""

    name: str
    cohort: str
    overall: float


@dataclass(frozen=True, slots=True)
class ScenarioTotals:
    """One scenario's attempts (all versions), summed up."""

    scenario_id: str
    title: str  # of its most recently started attempt
    attempts: int
    completed: int
    passes: int
    mean: dict[str, float | None]
    endings: dict[str, int]  # every name in ENDINGS
    critical_replies: int
    critical_attempts: int


@dataclass(frozen=True, slots=True)
class ReplyCount:
    """How often one reply was made at one node of one scenario version.

    ``say``, ``tags`` and ``critical`` are those of one of the replies counted
    (they are the same words but for the ``{agent}`` name).
    """

    scenario_id: str
    content_hash: str
    node: str
    choice: int | None
    count: int
    say: str
    tags: tuple[str, ...]
    critical: str | None


@dataclass(frozen=True, slots=True)
class TypedCount:
    """Typed replies at one node of one scenario version heard as one reply (None: not matched).

    ``overridden``: how many of them the trainee did not say as heard (said
    another reply; every one not matched counts).
    """

    scenario_id: str
    content_hash: str
    node: str
    matched: int | None
    count: int
    overridden: int


@dataclass(frozen=True, slots=True)
class DayTotals:
    """One trainee's completed attempts started on one day (UTC)."""

    name: str
    cohort: str
    day: str  # YYYY-MM-DD
    attempts: int
    passes: int
    mean_overall: float | None
    best_overall: float | None


@dataclass(frozen=True, slots=True)
class CohortTotals:
    """One cohort's attempts, summed up (scores over completed attempts)."""

    cohort: str
    trainees: int
    attempts: int
    completed: int
    passes: int
    mean: dict[str, float | None]  # per dimension of `scoring.vocabulary.SCORES`
    critical_attempts: int
    by_scenario: dict[str, tuple[int, int]]  # scenario id -> (completed, passes)


@dataclass(frozen=True, slots=True)
class TraineePicks:
    """Which replies one trainee chose at one decision point, over all their attempts."""

    name: str
    cohort: str
    picks: dict[int | None, int]  # authored reply number (None: silence) -> times
    last: int | None  # the reply chosen the most recent time
