"""What the SQL backends share: the write rules and the app's reads, in portable SQL.

`SqlStore` implements the writes and the app's reads of `ResultsStore` once,
in the SQL both SQLite (3.35+) and PostgreSQL speak, with ``?`` placeholders.
A backend supplies the rest (`SqlStore`'s abstract methods): how a write
transaction is run and locked, how a time or a boolean travels, how a fault
is reported, and its own `ResultsView` for exports and reports, whose
queries are tuned per engine.

The rules each write enforces live here, so both backends refuse the same
things with the same messages (the suite runs on both).
"""

from __future__ import annotations

import threading
import uuid as uuid_mod
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Protocol, Self, TypeVar

from scoring.vocabulary import ENDINGS
from simulator.results.checks import (
    app_version as this_version,
)
from simulator.results.checks import (
    check_choice,
    check_name,
    check_score,
    check_typed,
    normal_uuid,
    rekey,
    same_attempt,
    tags_json,
    without_typed,
)
from simulator.results.errors import AttemptClosedError, AttemptNotFoundError, StoreError
from simulator.results.filters import Filters
from simulator.results.protocol import ResultsView
from simulator.results.rows import (
    MODES,
    STATUSES,
    AttemptRow,
    ChoiceRow,
    CriticalReply,
    ImportOutcome,
    ScenarioStats,
    TraineePicks,
    TraineeRow,
    TypedCount,
    add_to_summaries,
    critical_json,
    parse_critical,
    parse_summary,
    summaries,
)

__all__ = ["Cursor", "SqlStore", "Tx", "filter_clauses", "typed_order"]

_T = TypeVar("_T")
_PAGE: Final = 500


class Cursor(Protocol):
    """The part of a DB-API cursor the shared code uses."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Tx(Protocol):
    """One open transaction: ``execute`` with ``?`` placeholders."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...


def filter_clauses(filters: Filters, when: Callable[[datetime], Any]) -> tuple[str, list[Any]]:
    """A ``WHERE`` clause (or "") over aliases ``a`` (attempts) and ``t`` (trainees).

    *when* turns the ``since`` time into the backend's parameter value.
    """
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("t.cohort", filters.cohort),
        ("t.name", filters.trainee),
        ("a.scenario_id", filters.scenario),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if filters.cohorts:
        clauses.append(f"t.cohort IN ({', '.join('?' * len(filters.cohorts))})")
        params.extend(filters.cohorts)
    if filters.since is not None:
        clauses.append("a.started_at >= ?")
        params.append(when(filters.since))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def and_where(where: str, extra: str) -> str:
    """*where* (possibly "") with one more condition."""
    return f"{where} AND {extra}" if where else f" WHERE {extra}"


def picks_by_trainee(rows: Iterable[Sequence[Any]]) -> list[TraineePicks]:
    """`TraineePicks` from rows ``(name, cohort, choice, count, latest)``, in row order.

    ``latest`` is a text that sorts like the reply's most recent visit; the
    trainee's ``last`` is the reply whose ``latest`` is greatest.
    """
    picks: dict[tuple[str, str], dict[int | None, int]] = {}
    last: dict[tuple[str, str], tuple[str, int | None]] = {}
    for name, cohort, choice, count, latest in rows:
        key = (name, cohort)
        picks.setdefault(key, {})[choice] = count
        if key not in last or latest > last[key][0]:
            last[key] = (latest, choice)
    return [
        TraineePicks(name, cohort, p, last[(name, cohort)][1])
        for (name, cohort), p in picks.items()
    ]


def typed_order(counts: Iterable[TypedCount]) -> list[TypedCount]:
    """*counts* in the protocol's order: version, node, reply heard as (not matched last).

    Sorted here, not in SQL: the backends put NULLs at different ends.
    """
    return sorted(counts, key=lambda c: (c.scenario_id, c.content_hash, c.node,
                                         c.matched is None, c.matched or 0))  # fmt: skip


ATTEMPT_COLUMNS: Final = """
    a.uuid, a.trainee_id, t.name, t.cohort, t.email, a.scenario_id, a.scenario_title,
    a.content_hash, a.mode, a.timed_seconds, a.start_node, a.started_at, a.finished_at,
    a.status, a.ending, a.ending_node, a.empathy, a.assertiveness, a.speed, a.overall,
    a.passed, a.seconds, a.turns, a.app_version, a.updated_at, a.shuffle_seed, a.outcome,
    a.critical, a.sins, a.techniques, a.matcher, a.matcher_version"""
ATTEMPT_FROM: Final = "FROM attempts a JOIN trainees t ON t.id = a.trainee_id"
CHOICE_COLUMNS: Final = """
    attempt_uuid, seq, node, choice, say, empathy, assertiveness, tags, mood_before,
    mood_after, seconds, latency_ms, next_node, recorded_at, critical, shown, typed, matched,
    similarity"""
_INSERT_ATTEMPT: Final = (
    "INSERT INTO attempts (uuid, trainee_id, scenario_id, scenario_title, content_hash, mode,"
    " timed_seconds, start_node, started_at, finished_at, status, ending, ending_node, empathy,"
    " assertiveness, speed, overall, passed, seconds, turns, app_version, updated_at,"
    " shuffle_seed, outcome, critical_count, critical, sins, techniques, matcher,"
    " matcher_version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " ?, ?)"
)
_INSERT_CHOICE: Final = (
    f"INSERT INTO choices ({CHOICE_COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _now() -> datetime:
    return datetime.now(UTC)


class SqlStore(ABC):
    """`ResultsStore` over a SQL database; subclasses supply the engine (see module doc)."""

    where: str
    path: Path | None = None
    read_only: bool = False

    def __init__(self) -> None:
        self._lock = threading.RLock()  # one connection, shared by threads: one user at a time
        self._closed = False

    # ------------------------------------------------------------- engine hooks

    @abstractmethod
    def _write(self, work: Callable[[Tx], _T]) -> _T:
        """Run *work* in one write transaction, committed on return; map faults."""

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """All rows of one read-only statement; map faults."""

    @abstractmethod
    def _time(self, moment: datetime) -> Any:
        """*moment* as a query parameter."""

    @abstractmethod
    def _moment(self, value: Any) -> datetime:
        """A stored time as an aware UTC `datetime`."""

    @abstractmethod
    def _flag(self, value: bool) -> Any:
        """A boolean as a query parameter."""

    #: Appended to the SELECT that reads an attempt about to change (a row lock).
    _LOCK: str = ""

    @abstractmethod
    def _close_connection(self) -> None:
        """Close the engine's connection."""

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[ResultsView]:
        """Typed reads over one consistent snapshot."""

    # ------------------------------------------------------------- lifetime

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._close_connection()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.where!r})"

    # ------------------------------------------------------------- row shapes

    def _opt(self, value: Any) -> datetime | None:
        return None if value is None else self._moment(value)

    def _attempt(self, row: Sequence[Any]) -> AttemptRow:
        return AttemptRow(
            uuid=row[0],
            trainee_id=row[1],
            trainee=row[2],
            cohort=row[3],
            email=row[4],
            scenario_id=row[5],
            scenario_title=row[6],
            content_hash=row[7],
            mode=row[8],
            timed_seconds=row[9],
            start_node=row[10],
            started_at=self._moment(row[11]),
            finished_at=self._opt(row[12]),
            status=row[13],
            ending=row[14],
            ending_node=row[15],
            empathy=row[16],
            assertiveness=row[17],
            speed=row[18],
            overall=row[19],
            passed=None if row[20] is None else bool(row[20]),
            seconds=row[21],
            turns=row[22],
            app_version=row[23],
            updated_at=self._moment(row[24]),
            shuffle_seed=row[25],
            outcome=row[26],
            critical=parse_critical(row[27]),
            sins=tuple(parse_summary(row[28]).items()),
            techniques=tuple(parse_summary(row[29]).items()),
            matcher=row[30],
            matcher_version=row[31],
        )

    def _choice(self, row: Sequence[Any]) -> ChoiceRow:
        import json

        return ChoiceRow(
            attempt_uuid=row[0],
            seq=row[1],
            node=row[2],
            choice=row[3],
            say=row[4],
            empathy=row[5],
            assertiveness=row[6],
            tags=tuple(json.loads(row[7])),
            mood_before=row[8],
            mood_after=row[9],
            seconds=row[10],
            latency_ms=row[11],
            next_node=row[12],
            recorded_at=self._moment(row[13]),
            critical=row[14],
            shown=row[15],
            typed=row[16],
            matched=row[17],
            similarity=row[18],
        )

    # ------------------------------------------------------------- trainees

    def _trainee_in_tx(
        self, tx: Tx, name: str, cohort: str, email: str | None, now: datetime
    ) -> int:
        row = tx.execute(
            "SELECT id, email FROM trainees WHERE name = ? AND cohort = ?", (name, cohort)
        ).fetchone()
        if row is None:
            # Another writer may add the same trainee meanwhile: the unique key decides.
            tx.execute(
                "INSERT INTO trainees (name, cohort, email, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name, cohort) DO NOTHING",
                (name, cohort, email, self._time(now)),
            )
            row = tx.execute(
                "SELECT id, email FROM trainees WHERE name = ? AND cohort = ?", (name, cohort)
            ).fetchone()
        if email is not None and row[1] != email:
            tx.execute("UPDATE trainees SET email = ? WHERE id = ?", (email, row[0]))
        return int(row[0])

    def trainee_id(self, name: str, cohort: str, *, email: str | None = None) -> int:
        """The id of trainee (*name*, *cohort*), created if new.

        A given *email* is stored (replacing an older one); None leaves it as is.
        """
        check_name(name, "trainee name")
        check_name(cohort, "cohort")
        rows = self._read(
            "SELECT id, email FROM trainees WHERE name = ? AND cohort = ?", (name, cohort)
        )
        if rows and (email is None or rows[0][1] == email):
            return int(rows[0][0])
        now = _now()
        return self._write(lambda tx: self._trainee_in_tx(tx, name, cohort, email, now))

    def trainees(self, *, cohort: str | None = None) -> list[TraineeRow]:
        """All trainees (optionally of one cohort), by cohort then name."""
        sql = "SELECT id, name, cohort, email, created_at FROM trainees"
        params: list[Any] = []
        if cohort is not None:
            sql += " WHERE cohort = ?"
            params.append(cohort)
        rows = self._read(sql + " ORDER BY cohort, name, id", params)
        return [TraineeRow(r[0], r[1], r[2], r[3], self._moment(r[4])) for r in rows]

    # ------------------------------------------------------------- attempts

    def start_attempt(
        self,
        *,
        name: str,
        cohort: str,
        scenario_id: str,
        scenario_title: str,
        content_hash: str,
        mode: str,
        start_node: str,
        timed_seconds: int | None = None,
        email: str | None = None,
        started_at: datetime | None = None,
        uuid: str | None = None,
        app_version: str | None = None,
        shuffle_seed: int | None = None,
    ) -> str:
        """Record the start of an attempt (committed at once); return its uuid.

        The trainee is created if new. *uuid* defaults to a fresh uuid4 and is
        returned in canonical form; *app_version* defaults to this talkdown's.
        *shuffle_seed* is the seed the replies are shown shuffled with (None:
        authored order), kept so a resume or review shows the same order.
        """
        check_name(name, "trainee name")
        check_name(cohort, "cohort")
        check_choice(mode, MODES, "mode")
        if timed_seconds is not None and (
            isinstance(timed_seconds, bool)
            or not isinstance(timed_seconds, int)
            or timed_seconds <= 0
        ):
            raise ValueError(f"timed_seconds must be a positive integer; got {timed_seconds!r}")
        if shuffle_seed is not None and (
            isinstance(shuffle_seed, bool) or not isinstance(shuffle_seed, int)
        ):
            raise ValueError(f"shuffle_seed must be an integer or None; got {shuffle_seed!r}")
        key = str(uuid_mod.uuid4()) if uuid is None else normal_uuid(uuid)
        start = started_at or _now()
        version = app_version if app_version is not None else this_version()

        def work(tx: Tx) -> str:
            trainee = self._trainee_in_tx(tx, name, cohort, email, start)
            if tx.execute("SELECT 1 FROM attempts WHERE uuid = ?", (key,)).fetchone():
                raise StoreError(f"an attempt with uuid {key} already exists")
            tx.execute(
                "INSERT INTO attempts (uuid, trainee_id, scenario_id, scenario_title,"
                " content_hash, mode, timed_seconds, start_node, started_at, status,"
                " app_version, updated_at, shuffle_seed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'in_progress', ?, ?, ?)",
                (key, trainee, scenario_id, scenario_title, content_hash, mode, timed_seconds,
                 start_node, self._time(start), version, self._time(start), shuffle_seed),
            )  # fmt: skip
            return key

        return self._write(work)

    def _open_attempt(self, tx: Tx, uuid: str, columns: str = "") -> tuple[Any, ...]:
        """(status, turns, *columns) of an attempt that must exist and be in progress.

        The row is locked until the transaction ends where the backend locks rows.
        """
        extra = f", {columns}" if columns else ""
        row = tx.execute(
            f"SELECT status, turns{extra} FROM attempts WHERE uuid = ?{self._LOCK}", (uuid,)
        ).fetchone()
        if row is None:
            raise AttemptNotFoundError(f"no attempt with uuid {uuid}")
        if row[0] != "in_progress":
            raise AttemptClosedError(f"attempt {uuid} is {row[0]}; it can no longer change")
        return tuple(row)

    def record_choice(
        self,
        uuid: str,
        *,
        seq: int,
        node: str,
        choice: int | None,
        say: str,
        empathy: int,
        assertiveness: int,
        tags: Sequence[str],
        mood_before: int,
        mood_after: int,
        seconds: int,
        latency_ms: float | None,
        next_node: str | None,
        recorded_at: datetime | None = None,
        critical: str | None = None,
        shown: int | None = None,
        typed: str | None = None,
        matched: int | None = None,
        similarity: float | None = None,
        matcher: str | None = None,
        matcher_version: str | None = None,
    ) -> None:
        """Record one reply in its own committed transaction.

        *seq* must be the next number (1 for the first reply). Re-recording an
        already stored reply with identical content is a harmless no-op (safe to
        retry); anything else out of order is a `StoreError`. The attempt's
        ``turns``, ``seconds`` (simulated time), sins and techniques counts are
        updated with it, and a *critical* reply (its reason) is added to the
        attempt's critical list in the same transaction. *choice* is the
        authored reply number; *shown* the position it had on screen when the
        replies were shuffled.

        Say mode: *typed* is what the trainee typed, *matched* the reply it was
        heard as (None: not matched), *similarity* its score, and *matcher* /
        *matcher_version* the matcher that heard it, kept on the attempt (one
        matcher an attempt: another is a `StoreError`).
        """
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise ValueError(f"seq must be an integer >= 1; got {seq!r}")
        if choice is not None and (isinstance(choice, bool) or choice < 1):
            raise ValueError(f"choice must be a reply number >= 1 or None; got {choice!r}")
        if shown is not None and (isinstance(shown, bool) or shown < 1):
            raise ValueError(f"shown must be a position >= 1 or None; got {shown!r}")
        if critical is not None and (choice is None or not critical.strip()):
            raise ValueError("a critical reason needs a reply (not a silence) and some text")
        latency = check_score(latency_ms, "latency_ms")
        heard = check_typed(choice, typed, matched, similarity, matcher, matcher_version)
        stored_tags = tags_json(tags)
        stamp = recorded_at or _now()
        values = (node, choice, say, empathy, assertiveness, stored_tags, mood_before,
                  mood_after, seconds, latency, next_node, critical, shown, typed, matched,
                  heard)  # fmt: skip

        def work(tx: Tx) -> None:
            _, turns, stored_critical, sins, techniques, heard_by, heard_version = (
                self._open_attempt(tx, uuid, "critical, sins, techniques, matcher, matcher_version")
            )
            if seq <= turns:
                old = tx.execute(
                    "SELECT node, choice, say, empathy, assertiveness, tags, mood_before,"
                    " mood_after, seconds, latency_ms, next_node, critical, shown, typed,"
                    " matched, similarity FROM choices WHERE attempt_uuid = ? AND seq = ?",
                    (uuid, seq),
                ).fetchone()
                if old is not None and tuple(old) == values:
                    return
                raise StoreError(
                    f"attempt {uuid} already has reply {seq} (recorded: {turns}); "
                    f"the next reply is {turns + 1}"
                )
            if seq != turns + 1:
                raise StoreError(
                    f"attempt {uuid} has {turns} replies; the next one is {turns + 1}, not {seq}"
                )
            if (
                typed is not None
                and heard_by is not None
                and ((heard_by, heard_version) != (matcher, matcher_version))
            ):
                raise StoreError(
                    f"attempt {uuid}'s typed replies were heard by the {heard_by} matcher "
                    f"{heard_version}, not {matcher} {matcher_version}"
                )
            tx.execute(
                _INSERT_CHOICE,
                (uuid, seq, *values[:-5], self._time(stamp), *values[-5:]),
            )
            if typed is not None and heard_by is None:
                tx.execute(
                    "UPDATE attempts SET matcher = ?, matcher_version = ? WHERE uuid = ?",
                    (matcher, matcher_version, uuid),
                )
            sins, techniques = add_to_summaries(sins, techniques, tags)
            items = parse_critical(stored_critical)
            if critical is not None:
                assert choice is not None
                items = (*items, CriticalReply(node, choice, critical))
            tx.execute(
                "UPDATE attempts SET turns = turns + 1, seconds = seconds + ?, updated_at = ?,"
                " sins = ?, techniques = ?, critical = ?, critical_count = ? WHERE uuid = ?",
                (seconds, self._time(stamp), sins, techniques, critical_json(items), len(items),
                 uuid),
            )  # fmt: skip

        self._write(work)

    def finish_attempt(
        self,
        uuid: str,
        *,
        ending: str,
        ending_node: str | None,
        empathy: float | None,
        assertiveness: float | None,
        speed: float,
        overall: float,
        passed: bool,
        finished_at: datetime | None = None,
        outcome: str | None = None,
    ) -> None:
        """Mark an in-progress attempt completed with its ending, scores and outcome.

        Scores are 0–100 (None = dimension not assessed); *outcome* is the
        outcome text shown (the variant that matched). A completed or abandoned
        attempt raises `AttemptClosedError`. An attempt with a critical reply is
        never stored as passed, whatever *passed* says.
        """
        check_choice(ending, ENDINGS, "ending")
        scores = (
            check_score(empathy, "empathy"),
            check_score(assertiveness, "assertiveness"),
            check_score(speed, "speed", optional=False),
            check_score(overall, "overall", optional=False),
        )
        stamp = self._time(finished_at or _now())

        def work(tx: Tx) -> None:
            _, _, critical_count = self._open_attempt(tx, uuid, "critical_count")
            tx.execute(
                "UPDATE attempts SET status = 'completed', ending = ?, ending_node = ?,"
                " empathy = ?, assertiveness = ?, speed = ?, overall = ?, passed = ?,"
                " finished_at = ?, updated_at = ?, outcome = ? WHERE uuid = ?",
                (ending, ending_node, *scores, self._flag(bool(passed) and not critical_count),
                 stamp, stamp, outcome or None, uuid),
            )  # fmt: skip

        self._write(work)

    def abandon_attempt(self, uuid: str) -> None:
        """Mark an in-progress attempt abandoned; a finished one is left alone.

        Raises `AttemptNotFoundError` for an unknown uuid. ``finished_at`` stays
        empty; ``updated_at`` records when it was abandoned.
        """
        stamp = self._time(_now())

        def work(tx: Tx) -> None:
            row = tx.execute(
                f"SELECT status FROM attempts WHERE uuid = ?{self._LOCK}", (uuid,)
            ).fetchone()
            if row is None:
                raise AttemptNotFoundError(f"no attempt with uuid {uuid}")
            tx.execute(
                "UPDATE attempts SET status = 'abandoned', updated_at = ?"
                " WHERE uuid = ? AND status = 'in_progress'",
                (stamp, uuid),
            )

        self._write(work)

    # ------------------------------------------------------------- reading

    def get_attempt(self, uuid: str) -> AttemptRow | None:
        """The attempt with *uuid*, or None."""
        rows = self._read(f"SELECT {ATTEMPT_COLUMNS} {ATTEMPT_FROM} WHERE a.uuid = ?", (uuid,))
        return self._attempt(rows[0]) if rows else None

    def get_choices(self, uuid: str) -> list[ChoiceRow]:
        """The attempt's replies in order (empty for an unknown uuid)."""
        rows = self._read(
            f"SELECT {CHOICE_COLUMNS} FROM choices WHERE attempt_uuid = ? ORDER BY seq", (uuid,)
        )
        return [self._choice(r) for r in rows]

    def unfinished_attempts(self, name: str, cohort: str) -> list[AttemptRow]:
        """The trainee's in-progress attempts, newest first."""
        rows = self._read(
            f"SELECT {ATTEMPT_COLUMNS} {ATTEMPT_FROM}"
            " WHERE t.name = ? AND t.cohort = ? AND a.status = 'in_progress'"
            " ORDER BY a.started_at DESC, a.uuid DESC",
            (name, cohort),
        )
        return [self._attempt(r) for r in rows]

    def scenario_stats(
        self, name: str, cohort: str, *, mode: str | None = None
    ) -> dict[str, ScenarioStats]:
        """Per scenario id: the trainee's completed attempts, passes and best overall.

        Every mode counts unless *mode* picks one. Scenarios with no completed
        attempt are absent.
        """
        where = " WHERE t.name = ? AND t.cohort = ? AND a.status = 'completed'"
        params: list[Any] = [name, cohort]
        if mode is not None:
            check_choice(mode, MODES, "mode")
            where += " AND a.mode = ?"
            params.append(mode)
        rows = self._read(
            "SELECT a.scenario_id, count(*), count(CASE WHEN a.passed THEN 1 END),"
            f" max(a.overall), max(a.finished_at) {ATTEMPT_FROM}{where}"
            " GROUP BY a.scenario_id ORDER BY a.scenario_id",
            params,
        )
        return {
            r[0]: ScenarioStats(
                scenario_id=r[0],
                attempts=int(r[1]),
                passes=int(r[2]),
                best_overall=r[3],
                last_finished_at=self._opt(r[4]),
            )
            for r in rows
        }

    def iter_attempts(
        self,
        *,
        cohort: str | None = None,
        trainee: str | None = None,
        scenario: str | None = None,
        since: datetime | None = None,
        status: str | None = None,
        mode: str | None = None,
    ) -> Iterator[AttemptRow]:
        """Attempts matching every given filter, ordered by start time then uuid.

        *trainee* is a name, *scenario* a scenario id, *since* compares with the
        start time (inclusive; naive = UTC). Rows are fetched in pages, so memory
        stays flat and no read transaction is held open between rows.
        """
        if status is not None:
            check_choice(status, STATUSES, "status")
        if mode is not None:
            check_choice(mode, MODES, "mode")
        where, params = filter_clauses(
            Filters(cohort=cohort, trainee=trainee, scenario=scenario, since=since), self._time
        )
        for column, value in (("a.status", status), ("a.mode", mode)):
            if value is not None:
                where = and_where(where, f"{column} = ?")
                params.append(value)
        return self._pages(where, params)

    def _pages(self, where: str, params: list[Any]) -> Iterator[AttemptRow]:
        after: tuple[Any, str] | None = None
        while True:
            sql = f"SELECT {ATTEMPT_COLUMNS} {ATTEMPT_FROM}{where}"
            args = list(params)
            if after is not None:
                sql = f"SELECT {ATTEMPT_COLUMNS} {ATTEMPT_FROM}" + and_where(
                    where, "(a.started_at > ? OR (a.started_at = ? AND a.uuid > ?))"
                )
                args.extend((after[0], after[0], after[1]))
            rows = self._read(sql + f" ORDER BY a.started_at, a.uuid LIMIT {_PAGE}", args)
            for row in rows:
                yield self._attempt(row)
            if len(rows) < _PAGE:
                return
            after = (rows[-1][11], rows[-1][0])

    # ------------------------------------------------------------- import

    def import_attempt(self, attempt: AttemptRow, choices: Sequence[ChoiceRow]) -> ImportOutcome:
        """Merge an attempt exported elsewhere (JSON Lines import), idempotent by uuid.

        ``"inserted"`` if new; ``"identical"`` (skipped) if the same attempt is
        already here; ``"replaced"`` if the stored one is in progress and the
        incoming one completed or abandoned; otherwise ``"conflict"`` (skipped).
        The trainee is matched by (name, cohort); ``trainee_id`` is ignored, and
        the sins and techniques counts are worked out from the replies.
        """
        key = normal_uuid(attempt.uuid)
        check_choice(attempt.mode, MODES, "mode")
        check_choice(attempt.status, STATUSES, "status")
        if attempt.ending is not None:
            check_choice(attempt.ending, ENDINGS, "ending")
        ordered = sorted(choices, key=lambda c: c.seq)
        for item in ordered:
            if normal_uuid(item.attempt_uuid) != key:
                raise ValueError(f"choice {item.seq} belongs to {item.attempt_uuid}, not {key}")
        # The replies are the truth about critical errors; the attempt's list summarises them.
        critical = tuple(
            CriticalReply(c.node, c.choice, c.critical)
            for c in ordered
            if c.critical and c.choice is not None
        )
        if tuple(attempt.critical) != critical:
            raise ValueError("the attempt's critical list does not match its replies")
        if critical and attempt.passed:
            raise ValueError("an attempt with a critical reply cannot have passed")
        for c in ordered:
            check_typed(c.choice, c.typed, c.matched, c.similarity, attempt.matcher,
                        attempt.matcher_version)  # fmt: skip
        stripped = not any(c.typed is not None for c in ordered) and attempt.matcher is None
        sins, techniques = summaries(c.tags for c in ordered)
        t = self._time

        def work(tx: Tx) -> ImportOutcome:
            row = tx.execute(
                f"SELECT {ATTEMPT_COLUMNS} {ATTEMPT_FROM} WHERE a.uuid = ?{self._LOCK}", (key,)
            ).fetchone()
            if row is not None:
                existing = self._attempt(row)
                old_choices = [
                    self._choice(r)
                    for r in tx.execute(
                        f"SELECT {CHOICE_COLUMNS} FROM choices WHERE attempt_uuid = ? ORDER BY seq",
                        (key,),
                    )
                ]
                if stripped:  # exported without --include-typed: the rest must agree
                    existing, old_choices = without_typed(existing, old_choices)
                if same_attempt(existing, attempt) and old_choices == [
                    rekey(c, key) for c in ordered
                ]:
                    return "identical"
                if existing.status != "in_progress" or attempt.status == "in_progress":
                    return "conflict"
                tx.execute("DELETE FROM attempts WHERE uuid = ?", (key,))
            trainee = self._trainee_in_tx(
                tx, attempt.trainee, attempt.cohort, attempt.email, _now()
            )
            a = attempt
            tx.execute(_INSERT_ATTEMPT, (
                key, trainee, a.scenario_id, a.scenario_title, a.content_hash, a.mode,
                a.timed_seconds, a.start_node, t(a.started_at),
                None if a.finished_at is None else t(a.finished_at), a.status, a.ending,
                a.ending_node, a.empathy, a.assertiveness, a.speed, a.overall,
                None if a.passed is None else self._flag(a.passed), a.seconds, a.turns,
                a.app_version, t(a.updated_at), a.shuffle_seed, a.outcome, len(critical),
                critical_json(critical), sins, techniques, a.matcher, a.matcher_version,
            ))  # fmt: skip
            tx.executemany(_INSERT_CHOICE, [
                (key, c.seq, c.node, c.choice, c.say, c.empathy, c.assertiveness,
                 tags_json(c.tags), c.mood_before, c.mood_after, c.seconds, c.latency_ms,
                 c.next_node, t(c.recorded_at), c.critical, c.shown, c.typed, c.matched,
                 c.similarity)
                for c in ordered
            ])  # fmt: skip
            return "inserted" if row is None else "replaced"

        return self._write(work)
