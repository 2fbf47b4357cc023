"""Exports' and reports' reads from SQLite, over one snapshot (`SqliteStore.snapshot`).

The queries are tuned for SQLite's planner (measured at 100,000 attempts and a
million replies; see benchmarks/bench_store.py): rows stream from the cursor,
so memory stays flat whatever the size.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from scoring.vocabulary import ENDINGS, SCORES
from simulator.results.filters import Filters
from simulator.results.rows import (
    AttemptRecord,
    CohortTotals,
    CsvLines,
    DayTotals,
    OverallPoint,
    ReplyCount,
    ReplyRecord,
    ScenarioTotals,
    StoredReply,
    TraineePicks,
    TraineeRow,
    TraineeTotals,
    TypedCount,
    format_utc,
    parse_utc,
    records,
)
from simulator.results.sql import and_where, filter_clauses, picks_by_trainee, typed_order
from simulator.results.sqlite.csv_lines import attempt_lines, scores_are_real, started_ties_sql

__all__ = ["SqliteView"]

_FROM: Final = "FROM attempts a JOIN trainees t ON t.id = a.trainee_id"

#: `AttemptRecord`'s columns, in its order.
ATTEMPTS_SQL: Final = """
SELECT a.uuid, t.name, t.cohort, t.email, a.scenario_id, a.scenario_title, a.content_hash,
       a.mode, a.timed_seconds, a.start_node, a.started_at, a.finished_at, a.updated_at,
       a.status, a.ending, a.ending_node, a.empathy, a.assertiveness, a.speed, a.overall,
       a.passed AS "passed [talkdown_bool]", a.seconds, a.turns, a.app_version,
       a.shuffle_seed, a.outcome, a.critical_count, a.critical, a.sins, a.techniques,
       a.matcher, a.matcher_version
FROM attempts a JOIN trainees t ON t.id = a.trainee_id"""

#: `ReplyRecord`'s columns, in its order. CROSS JOIN makes SQLite walk the
#: attempts in start order and fetch each one's replies by primary key, instead
#: of sorting every reply (measured: ~40% less CPU at a million replies).
REPLIES_SQL: Final = """
SELECT c.attempt_uuid, c.seq, c.node, c.choice, c.say, c.empathy, c.assertiveness, c.tags,
       c.mood_before, c.mood_after, c.seconds, c.latency_ms, c.next_node, c.recorded_at,
       c.critical, c.shown, t.name, t.cohort, a.scenario_id, c.typed, c.matched, c.similarity
FROM attempts a CROSS JOIN choices c ON c.attempt_uuid = a.uuid
JOIN trainees t ON t.id = a.trainee_id"""

ORDER: Final = " ORDER BY a.started_at, a.uuid"

#: `StoredReply`'s columns, in its order (the trainees join keeps the attempts' set).
STORED_REPLIES_SQL: Final = """
SELECT c.attempt_uuid, c.seq, c.node, c.choice, c.say, c.empathy, c.assertiveness, c.tags,
       c.mood_before, c.mood_after, c.seconds, c.latency_ms, c.next_node, c.recorded_at,
       c.critical, c.shown,
       c.typed, c.matched, c.similarity
FROM attempts a CROSS JOIN choices c ON c.attempt_uuid = a.uuid
JOIN trainees t ON t.id = a.trainee_id"""


def export_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The SELECT the attempts are exported from (the benchmark dumps it bare)."""
    where, params = filter_clauses(filters, format_utc)
    return ATTEMPTS_SQL + where + ORDER, params


def replies_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The SELECT the replies are exported from."""
    where, params = filter_clauses(filters, format_utc)
    return REPLIES_SQL + where + ORDER + ", c.seq", params


def stored_replies_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The SELECT JSON Lines reads the replies with (the benchmark dumps it bare).

    (`SqliteView.stored_replies` orders it by start alone when no two matching
    attempts share a start: the same rows in the same order, unsorted.)
    """
    where, params = filter_clauses(filters, format_utc)
    return STORED_REPLIES_SQL + where + ORDER + ", c.seq", params


class SqliteView:
    """`ResultsView` over one SQLite read transaction."""

    def __init__(
        self, conn: sqlite3.Connection, fault: Callable[[sqlite3.Error], Exception]
    ) -> None:
        self._conn = conn
        self._fault = fault

    # ------------------------------------------------------------- plumbing

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of *sql*, streamed; a damaged page met halfway is a `StoreError` too."""
        try:
            cursor = self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise self._fault(exc) from None
        return self._stream(cursor)

    def _stream(self, cursor: sqlite3.Cursor) -> Iterator[Any]:
        try:
            yield from cursor
        except sqlite3.Error as exc:
            raise self._fault(exc) from None

    def _where(self, filters: Filters) -> tuple[str, list[Any]]:
        return filter_clauses(filters, format_utc)

    # ------------------------------------------------------------- exports

    def count_attempts(self, filters: Filters) -> int:
        where, params = self._where(filters)
        return int(next(self._rows(f"SELECT count(*) {_FROM}{where}", params))[0])

    def count_replies(self, filters: Filters) -> int:
        where, params = self._where(filters)
        return int(next(self._rows(f"SELECT coalesce(sum(a.turns), 0) {_FROM}{where}", params))[0])

    def attempts(self, filters: Filters) -> Iterator[AttemptRecord]:
        sql, params = export_sql(filters)
        return map(records(AttemptRecord), self._rows(sql, params))

    def attempt_csv(self, filters: Filters) -> Iterator[CsvLines | AttemptRecord]:
        if not scores_are_real(self._rows):
            return self.attempts(filters)
        where, params = self._where(filters)
        return attempt_lines(self._rows, self._records_by_rowid, filters, where, params)

    def _records_by_rowid(self, rowids: Sequence[int]) -> dict[int, AttemptRecord]:
        """The attempts' records by rowid, in one query (those the CSV lines leave to Python)."""
        found = self._rows(
            f"SELECT a.rowid, {ATTEMPTS_SQL.strip().removeprefix('SELECT')}"
            " WHERE a.rowid IN (SELECT value FROM json_each(?))",
            (json.dumps(list(rowids)),),
        )
        return {row[0]: AttemptRecord._make(row[1:]) for row in found}

    def replies(self, filters: Filters) -> Iterator[ReplyRecord]:
        sql, params = replies_sql(filters)
        return map(records(ReplyRecord), self._rows(sql, params))

    def stored_replies(self, filters: Filters) -> Iterator[StoredReply]:
        where, params = self._where(filters)
        # Without two attempts started at one moment, start order alone keeps each
        # attempt's replies together (read by its primary key: by seq), and SQLite
        # need not sort a million replies by uuid and seq.
        (ties,) = next(self._rows(started_ties_sql(filters, where), params))
        order = ORDER + ", c.seq" if ties else " ORDER BY a.started_at"
        rows: Iterator[StoredReply] = self._rows(STORED_REPLIES_SQL + where + order, params)
        return rows

    def find_trainee(self, name: str, cohort: str) -> TraineeRow | None:
        for row in self._rows(
            "SELECT id, name, cohort, email, created_at FROM trainees"
            " WHERE name = ? AND cohort = ?",
            (name, cohort),
        ):
            return TraineeRow(row[0], row[1], row[2], row[3], parse_utc(row[4]))
        return None

    # ------------------------------------------------------------- report aggregates

    def trainee_totals(self, filters: Filters) -> list[TraineeTotals]:
        where, params = self._where(filters)
        aggregates = ", ".join(f"max(a.{d}), avg(a.{d})" for d in SCORES)
        out = []
        for row in self._rows(
            f"SELECT t.name, t.cohort, count(*), sum(a.status = 'completed'),"
            f" coalesce(sum(a.passed), 0), coalesce(sum(a.critical_count), 0),"
            f" coalesce(sum(a.critical_count > 0), 0), {aggregates} {_FROM}{where}"
            " GROUP BY t.id ORDER BY t.cohort, t.name",
            params,
        ):
            scores = row[7:]
            out.append(TraineeTotals(
                name=row[0], cohort=row[1], attempts=row[2], completed=row[3] or 0,
                passes=row[4], critical_replies=row[5], critical_attempts=row[6],
                best={d: scores[2 * i] for i, d in enumerate(SCORES)},
                mean={d: scores[2 * i + 1] for i, d in enumerate(SCORES)},
            ))  # fmt: skip
        return out

    def overall_history(self, filters: Filters) -> Iterator[OverallPoint]:
        where, params = self._where(filters)
        return map(OverallPoint._make, self._rows(
            f"SELECT t.name, t.cohort, a.overall {_FROM}{and_where(where, 'a.overall IS NOT NULL')}"
            " ORDER BY t.cohort, t.name, a.started_at, a.uuid",
            params,
        ))  # fmt: skip

    def scenario_totals(self, filters: Filters) -> list[ScenarioTotals]:
        where, params = self._where(filters)
        means = ", ".join(f"avg(a.{d})" for d in SCORES)
        endings = ", ".join(f"sum(a.ending = '{e}')" for e in ENDINGS)
        out = []
        # SQLite takes a bare column (the title) from the row that max() picked.
        for row in self._rows(
            f"SELECT a.scenario_id, max(a.started_at), a.scenario_title, count(*),"
            f" sum(a.status = 'completed'), coalesce(sum(a.passed), 0),"
            " coalesce(sum(a.critical_count), 0), coalesce(sum(a.critical_count > 0), 0),"
            f" {means}, {endings} {_FROM}{where} GROUP BY a.scenario_id ORDER BY a.scenario_id",
            params,
        ):
            n = len(SCORES)
            out.append(ScenarioTotals(
                scenario_id=row[0], title=row[2], attempts=row[3], completed=row[4] or 0,
                passes=row[5], critical_replies=row[6], critical_attempts=row[7],
                mean=dict(zip(SCORES, row[8 : 8 + n], strict=True)),
                endings={e: row[8 + n + i] or 0 for i, e in enumerate(ENDINGS)},
            ))  # fmt: skip
        return out

    def reply_counts(self, filters: Filters) -> list[ReplyCount]:
        where, params = self._where(filters)
        versions = list(self._rows(
            f"SELECT DISTINCT a.scenario_id, a.content_hash {_FROM}{where}"
            " ORDER BY a.scenario_id, a.content_hash",
            params,
        ))  # fmt: skip
        # One query per version keeps SQLite's GROUP BY sort keys short (node,
        # choice) — measured ~35% cheaper than one GROUP BY over all versions —
        # and min(rowid) stands in for the reply's words, fetched once per group.
        groups: list[tuple[str, str, str, int | None, int, int]] = []
        version_where = and_where(where, "a.scenario_id = ? AND a.content_hash = ?")
        for scenario_id, content_hash in versions:
            for node, choice, count, rowid in self._rows(
                "SELECT c.node, c.choice, count(*), min(c.rowid)"
                " FROM attempts a CROSS JOIN choices c ON c.attempt_uuid = a.uuid"
                f" JOIN trainees t ON t.id = a.trainee_id{version_where}"
                " GROUP BY c.node, c.choice",
                [*params, scenario_id, content_hash],
            ):
                groups.append((scenario_id, content_hash, node, choice, count, rowid))
        words: dict[int, tuple[str, tuple[str, ...], str | None]] = {}
        rowids = [g[5] for g in groups]
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for rowid, say, tags, critical in self._rows(
                f"SELECT rowid, say, tags, critical FROM choices WHERE rowid IN ({marks})", chunk
            ):
                words[rowid] = (say, tuple(json.loads(tags)), critical)
        return [
            ReplyCount(scenario_id, content_hash, node, choice, count, *words[rowid])
            for scenario_id, content_hash, node, choice, count, rowid in groups
        ]

    def typed_counts(self, filters: Filters) -> list[TypedCount]:
        where, params = self._where(filters)
        # From the typed replies (the partial index choices_typed) to their attempts:
        # the cost follows how much was typed, not how many replies there are.
        rows = self._rows(
            "SELECT a.scenario_id, a.content_hash, c.node, c.matched, count(*),"
            " sum(c.matched IS NULL OR c.matched <> c.choice)"
            " FROM choices c JOIN attempts a ON a.uuid = c.attempt_uuid"
            f" JOIN trainees t ON t.id = a.trainee_id{and_where(where, 'c.typed IS NOT NULL')}"
            " GROUP BY a.scenario_id, a.content_hash, c.node, c.matched",
            params,
        )
        return typed_order(TypedCount(*row) for row in rows)

    def day_totals(self, filters: Filters) -> list[DayTotals]:
        where, params = self._where(filters)
        completed = and_where(where, "a.status = 'completed'")
        # Stored times are UTC text, so the day is the first ten characters.
        return [DayTotals(*row) for row in self._rows(
            "SELECT t.name, t.cohort, substr(a.started_at, 1, 10), count(*),"
            " coalesce(sum(a.passed), 0), avg(a.overall), max(a.overall)"
            f" {_FROM}{completed}"
            " GROUP BY t.id, substr(a.started_at, 1, 10) ORDER BY t.cohort, t.name, 3",
            params,
        )]  # fmt: skip

    def cohort_totals(self, filters: Filters) -> list[CohortTotals]:
        where, params = self._where(filters)
        by_scenario: dict[str, dict[str, tuple[int, int]]] = {}
        for cohort, scenario_id, completed, passes in self._rows(
            f"SELECT t.cohort, a.scenario_id, coalesce(sum(a.status = 'completed'), 0),"
            f" coalesce(sum(a.passed), 0) {_FROM}{where}"
            " GROUP BY t.cohort, a.scenario_id ORDER BY t.cohort, a.scenario_id",
            params,
        ):
            by_scenario.setdefault(cohort, {})[scenario_id] = (completed, passes)
        means = ", ".join(f"avg(a.{d})" for d in SCORES)
        n = len(SCORES)
        return [CohortTotals(
            cohort=row[0], trainees=row[1], attempts=row[2], completed=row[3] or 0,
            passes=row[4], mean=dict(zip(SCORES, row[5 : 5 + n], strict=True)),
            critical_attempts=row[5 + n], by_scenario=by_scenario.get(row[0], {}),
        ) for row in self._rows(
            f"SELECT t.cohort, count(DISTINCT t.id), count(*), sum(a.status = 'completed'),"
            f" coalesce(sum(a.passed), 0), {means}, coalesce(sum(a.critical_count > 0), 0)"
            f" {_FROM}{where} GROUP BY t.cohort ORDER BY t.cohort",
            params,
        )]  # fmt: skip

    def trainee_picks(
        self, filters: Filters, scenario_id: str, content_hash: str, node: str
    ) -> list[TraineePicks]:
        where, params = self._where(filters)
        # The latest visit per (trainee, reply) as one sortable text: start time
        # (fixed width), uuid (fixed width), seq (zero-padded).
        rows = self._rows(
            "SELECT t.name, t.cohort, c.choice, count(*),"
            " max(a.started_at || ' ' || a.uuid || ' ' || printf('%010d', c.seq))"
            " FROM attempts a CROSS JOIN choices c ON c.attempt_uuid = a.uuid"
            " JOIN trainees t ON t.id = a.trainee_id"
            f"{and_where(where, 'a.scenario_id = ? AND a.content_hash = ? AND c.node = ?')}"
            " GROUP BY t.id, c.choice ORDER BY t.cohort, t.name",
            [*params, scenario_id, content_hash, node],
        )
        return picks_by_trainee(rows)
