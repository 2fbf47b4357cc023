"""Filters and the SQL that streams attempts and replies out of a `Snapshot`.

Every export reads attempts in one order — start time, then uuid — and the
replies in that same order followed by ``seq``, so the two cursors can be
merged in one pass (`iter_records`) without holding more than one attempt in
memory. Both run inside one `Store.snapshot`, so they see the same data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from simulator.store import Snapshot, format_utc, parse_utc

#: Attempt columns, in the order `attempt_record` and the CSV writer index them.
ATTEMPT_SQL: Final = """
SELECT a.uuid, t.name, t.cohort, t.email, a.scenario_id, a.scenario_title, a.content_hash,
       a.mode, a.timed_seconds, a.start_node, a.started_at, a.finished_at, a.updated_at,
       a.status, a.ending, a.ending_node, a.empathy, a.assertiveness, a.speed, a.overall,
       a.passed, a.seconds, a.turns, a.app_version, a.shuffle_seed, a.outcome, a.critical
FROM attempts a JOIN trainees t ON t.id = a.trainee_id"""

#: Reply columns (with the attempt's trainee and scenario for the choices CSV).
CHOICE_SQL: Final = """
SELECT c.attempt_uuid, c.seq, c.node, c.choice, c.say, c.empathy, c.assertiveness, c.tags,
       c.mood_before, c.mood_after, c.seconds, c.latency_ms, c.next_node, c.recorded_at,
       t.name, t.cohort, a.scenario_id, c.critical, c.shown
FROM attempts a CROSS JOIN choices c ON c.attempt_uuid = a.uuid
JOIN trainees t ON t.id = a.trainee_id"""
# CROSS JOIN makes SQLite walk attempts in start order and fetch each one's
# replies by primary key, instead of sorting every reply (measured: ~40% less
# CPU at a million replies).

ORDER: Final = " ORDER BY a.started_at, a.uuid"


@dataclass(frozen=True, slots=True)
class Filters:
    """Which attempts to read; every given filter must hold (None = any).

    ``cohorts`` selects several cohorts at once (any of them); ``cohort`` is
    the one-cohort shorthand. Giving both means a cohort in both.
    """

    cohort: str | None = None
    trainee: str | None = None
    scenario: str | None = None
    since: datetime | None = None  # compared with the attempt's start; naive = UTC
    cohorts: tuple[str, ...] = ()

    @property
    def selected_cohorts(self) -> tuple[str, ...]:
        """The cohorts named by the filters, in the order given (empty: any cohort)."""
        named = (*self.cohorts, *(() if self.cohort is None else (self.cohort,)))
        return tuple(dict.fromkeys(named))

    def where(self) -> tuple[str, list[Any]]:
        """A ``WHERE`` clause over aliases ``a`` (attempts) and ``t`` (trainees)."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("t.cohort", self.cohort),
            ("t.name", self.trainee),
            ("a.scenario_id", self.scenario),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.cohorts:
            clauses.append(f"t.cohort IN ({', '.join('?' * len(self.cohorts))})")
            params.extend(self.cohorts)
        if self.since is not None:
            # Stored times are fixed-width UTC text, so text order is time order.
            clauses.append("a.started_at >= ?")
            params.append(format_utc(self.since))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def describe(self) -> dict[str, str | None]:
        """The filters as JSON-ready values (for the report header)."""
        cohorts = self.selected_cohorts
        return {
            "cohort": ", ".join(cohorts) if cohorts else None,
            "trainee": self.trainee,
            "scenario": self.scenario,
            "since": None if self.since is None else format_utc(self.since),
        }


def parse_since(text: str) -> datetime:
    """``--since``: a date or an ISO 8601 datetime, UTC when no zone is given.

    ``2024-03-01`` means midnight UTC that day; ``2024-03-01T09:30`` and
    ``2024-03-01 09:30+02:00`` are accepted too. Raises ValueError otherwise.
    """
    value = text.strip()
    try:
        return parse_utc(value)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date or time; use 2024-03-01 or 2024-03-01T09:30 "
            "(UTC unless a zone like +02:00 or Z is given)"
        ) from None


def count_attempts(snap: Snapshot, filters: Filters) -> int:
    """How many attempts match *filters*."""
    where, params = filters.where()
    row = snap.one(
        "SELECT count(*) FROM attempts a JOIN trainees t ON t.id = a.trainee_id" + where, params
    )
    return int(row[0]) if row else 0


def attempt_rows(snap: Snapshot, filters: Filters) -> Iterator[tuple[Any, ...]]:
    """`ATTEMPT_SQL` rows matching *filters*, by start time then uuid."""
    where, params = filters.where()
    return snap.rows(ATTEMPT_SQL + where + ORDER, params)


def choice_rows(snap: Snapshot, filters: Filters) -> Iterator[tuple[Any, ...]]:
    """`CHOICE_SQL` rows of the matching attempts, in attempt order then ``seq``."""
    where, params = filters.where()
    return snap.rows(CHOICE_SQL + where + ORDER + ", c.seq", params)
