"""Exports' and reports' reads from PostgreSQL, over one snapshot (`PostgresStore.snapshot`).

Rows stream through server-side cursors (`_FETCH` rows a round trip), so an
export of any size runs in constant memory here and on the server. Times
leave the server already in the stored text form (``to_char``), so an export
formats nothing per row, and they agree to the byte with SQLite's.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from scoring.vocabulary import ENDINGS, SCORES
from simulator.results.filters import Filters
from simulator.results.postgres.csv_lines import attempt_lines
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
    as_utc,
    records,
)
from simulator.results.sql import and_where, filter_clauses, picks_by_trainee, typed_order

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresView", "export_sql", "replies_sql", "stored_replies_sql"]

_FROM: Final = "FROM attempts a JOIN trainees t ON t.id = a.trainee_id"
#: Rows a server-side cursor fetches per round trip.
_FETCH: Final = 5000
_NAMES = itertools.count(1)


def utc_text(column: str) -> str:
    """SQL for *column* (timestamptz) as stored-form text: ``2024-03-01T09:00:00.000000Z``."""
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


#: `AttemptRecord`'s columns, in its order.
ATTEMPTS_SQL: Final = f"""
SELECT a.uuid, t.name, t.cohort, t.email, a.scenario_id, a.scenario_title, a.content_hash,
       a.mode, a.timed_seconds, a.start_node, {utc_text("a.started_at")},
       {utc_text("a.finished_at")}, {utc_text("a.updated_at")}, a.status, a.ending,
       a.ending_node, a.empathy, a.assertiveness, a.speed, a.overall, a.passed, a.seconds,
       a.turns, a.app_version, a.shuffle_seed, a.outcome, a.critical_count, a.critical,
       a.sins, a.techniques, a.matcher, a.matcher_version
FROM attempts a JOIN trainees t ON t.id = a.trainee_id"""

#: `ReplyRecord`'s columns, in its order.
REPLIES_SQL: Final = f"""
SELECT c.attempt_uuid, c.seq, c.node, c.choice, c.say, c.empathy, c.assertiveness, c.tags,
       c.mood_before, c.mood_after, c.seconds, c.latency_ms, c.next_node,
       {utc_text("c.recorded_at")}, c.critical, c.shown, t.name, t.cohort, a.scenario_id,
       c.typed, c.matched, c.similarity
FROM attempts a JOIN choices c ON c.attempt_uuid = a.uuid
JOIN trainees t ON t.id = a.trainee_id"""

ORDER: Final = " ORDER BY a.started_at, a.uuid"

#: `StoredReply`'s columns, in its order (the trainees join keeps the attempts' set).
STORED_REPLIES_SQL: Final = f"""
SELECT c.attempt_uuid, c.seq, c.node, c.choice, c.say, c.empathy, c.assertiveness, c.tags,
       c.mood_before, c.mood_after, c.seconds, c.latency_ms, c.next_node,
       {utc_text("c.recorded_at")}, c.critical, c.shown,
       c.typed, c.matched, c.similarity
FROM attempts a JOIN choices c ON c.attempt_uuid = a.uuid
JOIN trainees t ON t.id = a.trainee_id"""


def _where(filters: Filters) -> tuple[str, list[Any]]:
    where, params = filter_clauses(filters, as_utc)
    return where.replace("?", "%s"), params


def export_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The SELECT the attempts are exported from (the benchmark dumps it bare)."""
    where, params = _where(filters)
    return ATTEMPTS_SQL + where + ORDER, params


def replies_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The SELECT the replies are exported from."""
    where, params = _where(filters)
    return REPLIES_SQL + where + ORDER + ", c.seq", params


def stored_replies_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The SELECT JSON Lines reads the replies with (the benchmark dumps it bare)."""
    where, params = _where(filters)
    return STORED_REPLIES_SQL + where + ORDER + ", c.seq", params


class PostgresView:
    """`ResultsView` over one PostgreSQL REPEATABLE READ, READ ONLY transaction."""

    def __init__(
        self, conn: psycopg.Connection[Any], fault: Callable[[BaseException], Exception]
    ) -> None:
        self._conn = conn
        self._fault = fault

    # ------------------------------------------------------------- plumbing

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of *sql* through a server-side cursor, a batch at a time."""
        import psycopg

        cursor = self._conn.cursor(name=f"talkdown_{next(_NAMES)}")
        cursor.itersize = _FETCH
        try:
            cursor.execute(sql, params)
            yield from cursor
        except psycopg.Error as exc:
            raise self._fault(exc) from None
        finally:
            if not self._conn.closed:
                with contextlib.suppress(psycopg.Error):
                    cursor.close()

    def _chunks(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """The rows of *sql* as the server sends them, `_FETCH` rows a round trip.

        Unlike `_stream`'s cursor, the server may run the query in parallel;
        the connection is busy until the last row is read.
        """
        import psycopg

        try:
            yield from self._conn.cursor().stream(sql, params, size=_FETCH)
        except psycopg.Error as exc:
            raise self._fault(exc) from None

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        import psycopg

        try:
            rows: list[Any] = self._conn.execute(sql, params).fetchall()
            return rows
        except psycopg.Error as exc:
            raise self._fault(exc) from None

    # ------------------------------------------------------------- exports

    def count_attempts(self, filters: Filters) -> int:
        where, params = _where(filters)
        return int(self._all(f"SELECT count(*) {_FROM}{where}", params)[0][0])

    def count_replies(self, filters: Filters) -> int:
        where, params = _where(filters)
        return int(self._all(f"SELECT coalesce(sum(a.turns), 0) {_FROM}{where}", params)[0][0])

    def attempts(self, filters: Filters) -> Iterator[AttemptRecord]:
        sql, params = export_sql(filters)
        return map(records(AttemptRecord), self._stream(sql, params))

    def attempt_csv(self, filters: Filters) -> Iterator[CsvLines | AttemptRecord]:
        where, params = _where(filters)
        return attempt_lines(self._all, self._chunks, where, params)

    def replies(self, filters: Filters) -> Iterator[ReplyRecord]:
        sql, params = replies_sql(filters)
        return map(records(ReplyRecord), self._stream(sql, params))

    def stored_replies(self, filters: Filters) -> Iterator[StoredReply]:
        sql, params = stored_replies_sql(filters)
        rows: Iterator[StoredReply] = self._stream(sql, params)
        return rows

    def find_trainee(self, name: str, cohort: str) -> TraineeRow | None:
        rows = self._all(
            "SELECT id, name, cohort, email, created_at FROM trainees"
            " WHERE name = %s AND cohort = %s",
            (name, cohort),
        )
        if not rows:
            return None
        row = rows[0]
        return TraineeRow(row[0], row[1], row[2], row[3], as_utc(row[4]))

    # ------------------------------------------------------------- report aggregates

    def trainee_totals(self, filters: Filters) -> list[TraineeTotals]:
        where, params = _where(filters)
        aggregates = ", ".join(f"max(a.{d}), avg(a.{d})" for d in SCORES)
        out = []
        for row in self._all(
            "SELECT t.name, t.cohort, count(*), count(*) FILTER (WHERE a.status = 'completed'),"
            " count(*) FILTER (WHERE a.passed), coalesce(sum(a.critical_count), 0)::bigint,"
            f" count(*) FILTER (WHERE a.critical_count > 0), {aggregates} {_FROM}{where}"
            " GROUP BY t.id, t.name, t.cohort ORDER BY t.cohort, t.name",
            params,
        ):
            scores = row[7:]
            out.append(TraineeTotals(
                name=row[0], cohort=row[1], attempts=row[2], completed=row[3], passes=row[4],
                critical_replies=row[5], critical_attempts=row[6],
                best={d: scores[2 * i] for i, d in enumerate(SCORES)},
                mean={d: scores[2 * i + 1] for i, d in enumerate(SCORES)},
            ))  # fmt: skip
        return out

    def overall_history(self, filters: Filters) -> Iterator[OverallPoint]:
        where, params = _where(filters)
        return map(OverallPoint._make, self._stream(
            f"SELECT t.name, t.cohort, a.overall {_FROM}{and_where(where, 'a.overall IS NOT NULL')}"
            " ORDER BY t.cohort, t.name, a.started_at, a.uuid",
            params,
        ))  # fmt: skip

    def scenario_totals(self, filters: Filters) -> list[ScenarioTotals]:
        where, params = _where(filters)
        means = ", ".join(f"avg(a.{d})" for d in SCORES)
        endings = ", ".join(f"count(*) FILTER (WHERE a.ending = '{e}')" for e in ENDINGS)
        out = []
        n = len(SCORES)
        for row in self._all(
            "SELECT a.scenario_id,"
            " (array_agg(a.scenario_title ORDER BY a.started_at DESC, a.uuid DESC))[1],"
            " count(*), count(*) FILTER (WHERE a.status = 'completed'),"
            " count(*) FILTER (WHERE a.passed), coalesce(sum(a.critical_count), 0)::bigint,"
            f" count(*) FILTER (WHERE a.critical_count > 0), {means}, {endings}"
            f" {_FROM}{where} GROUP BY a.scenario_id ORDER BY a.scenario_id",
            params,
        ):
            out.append(ScenarioTotals(
                scenario_id=row[0], title=row[1], attempts=row[2], completed=row[3],
                passes=row[4], critical_replies=row[5], critical_attempts=row[6],
                mean=dict(zip(SCORES, row[7 : 7 + n], strict=True)),
                endings={e: row[7 + n + i] for i, e in enumerate(ENDINGS)},
            ))  # fmt: skip
        return out

    def reply_counts(self, filters: Filters) -> list[ReplyCount]:
        where, params = _where(filters)
        # One sort: the window counts each group, DISTINCT ON keeps its first reply
        # (by start time, uuid, seq) for the words.
        rows = self._all(
            "SELECT DISTINCT ON (a.scenario_id, a.content_hash, c.node, c.choice)"
            " a.scenario_id, a.content_hash, c.node, c.choice,"
            " count(*) OVER (PARTITION BY a.scenario_id, a.content_hash, c.node, c.choice),"
            " c.say, c.tags, c.critical"
            " FROM attempts a JOIN choices c ON c.attempt_uuid = a.uuid"
            f" JOIN trainees t ON t.id = a.trainee_id{where}"
            " ORDER BY a.scenario_id, a.content_hash, c.node, c.choice, a.started_at, a.uuid,"
            " c.seq",
            params,
        )
        return [
            ReplyCount(sid, version, node, choice, count, say, tuple(json.loads(tags)), critical)
            for sid, version, node, choice, count, say, tags, critical in rows
        ]

    def typed_counts(self, filters: Filters) -> list[TypedCount]:
        where, params = _where(filters)
        rows = self._all(
            "SELECT a.scenario_id, a.content_hash, c.node, c.matched, count(*),"
            " count(*) FILTER (WHERE c.matched IS NULL OR c.matched <> c.choice)"
            " FROM choices c JOIN attempts a ON a.uuid = c.attempt_uuid"
            f" JOIN trainees t ON t.id = a.trainee_id{and_where(where, 'c.typed IS NOT NULL')}"
            " GROUP BY a.scenario_id, a.content_hash, c.node, c.matched",
            params,
        )
        return typed_order(TypedCount(*row) for row in rows)

    def day_totals(self, filters: Filters) -> list[DayTotals]:
        where, params = _where(filters)
        day = "to_char(a.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        completed = and_where(where, "a.status = 'completed'")
        return [DayTotals(*row) for row in self._all(
            f"SELECT t.name, t.cohort, {day}, count(*), count(*) FILTER (WHERE a.passed),"
            f" avg(a.overall), max(a.overall) {_FROM}{completed}"
            f" GROUP BY t.id, t.name, t.cohort, {day} ORDER BY t.cohort, t.name, 3",
            params,
        )]  # fmt: skip

    def cohort_totals(self, filters: Filters) -> list[CohortTotals]:
        where, params = _where(filters)
        by_scenario: dict[str, dict[str, tuple[int, int]]] = {}
        for cohort, scenario_id, completed, passes in self._all(
            "SELECT t.cohort, a.scenario_id, count(*) FILTER (WHERE a.status = 'completed'),"
            f" count(*) FILTER (WHERE a.passed) {_FROM}{where}"
            " GROUP BY t.cohort, a.scenario_id ORDER BY t.cohort, a.scenario_id",
            params,
        ):
            by_scenario.setdefault(cohort, {})[scenario_id] = (completed, passes)
        means = ", ".join(f"avg(a.{d})" for d in SCORES)
        n = len(SCORES)
        return [CohortTotals(
            cohort=row[0], trainees=row[1], attempts=row[2], completed=row[3], passes=row[4],
            mean=dict(zip(SCORES, row[5 : 5 + n], strict=True)), critical_attempts=row[5 + n],
            by_scenario=by_scenario.get(row[0], {}),
        ) for row in self._all(
            "SELECT t.cohort, count(DISTINCT t.id), count(*),"
            " count(*) FILTER (WHERE a.status = 'completed'), count(*) FILTER (WHERE a.passed),"
            f" {means}, count(*) FILTER (WHERE a.critical_count > 0)"
            f" {_FROM}{where} GROUP BY t.cohort ORDER BY t.cohort",
            params,
        )]  # fmt: skip

    def trainee_picks(
        self, filters: Filters, scenario_id: str, content_hash: str, node: str
    ) -> list[TraineePicks]:
        where, params = _where(filters)
        # The latest visit per (trainee, reply) as one text that sorts byte-wise
        # (COLLATE "C") like (start time, uuid, seq): all three are fixed width.
        latest = (
            f"""max({utc_text("a.started_at")} || ' ' || a.uuid::text || ' '"""
            """ || lpad(c.seq::text, 10, '0') COLLATE "C")"""
        )
        rows = self._all(
            f"SELECT t.name, t.cohort, c.choice, count(*), {latest}"
            " FROM attempts a JOIN choices c ON c.attempt_uuid = a.uuid"
            " JOIN trainees t ON t.id = a.trainee_id"
            f"{and_where(where, 'a.scenario_id = %s AND a.content_hash = %s AND c.node = %s')}"
            " GROUP BY t.id, t.name, t.cohort, c.choice ORDER BY t.cohort, t.name",
            [*params, scenario_id, content_hash, node],
        )
        return picks_by_trainee(rows)
