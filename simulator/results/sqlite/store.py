"""The results store: trainees, attempts and every reply, in SQLite.

Durability and concurrency are the point:

* The database runs in WAL mode with a long busy timeout (`BUSY_TIMEOUT_S`),
  foreign keys on and ``synchronous=NORMAL`` (durable against a killed process;
  only a power cut can lose the last commits).
* Every write is one ``BEGIN IMMEDIATE`` transaction: the write lock is taken
  up front, so concurrent writers (many terminals, many ``talkdown run
  --record``) queue on the busy timeout instead of failing on a lock upgrade.
  As a last resort a write that still meets "database is locked" is retried a
  few times with backoff (`LOCK_RETRIES`).
* `Store.record_choice` commits each reply on its own, so a killed terminal
  loses at most the reply in flight; its attempt stays ``in_progress`` with
  the replies made so far (`Store.unfinished_attempts`), to be resumed or
  marked abandoned (`Store.abandon_attempt`).

Times are aware UTC `datetime` objects in Python and fixed-width ISO 8601
text ending in ``Z`` in the database (`format_utc` / `parse_utc`). A naive
`datetime` handed to the store is taken to be UTC.

One `Store` may be shared between threads (an internal lock serialises its
use of the connection); processes each open their own.

The schema itself lives in `simulator.schema_sql`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import random
import shutil
import sqlite3
import threading
import time
import uuid as uuid_mod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, TypeVar

from scoring.vocabulary import ENDINGS
from simulator import locations, schema_sql
from simulator.terminal import control_problem

__all__ = [
    "BUSY_TIMEOUT_S",
    "ENDINGS",
    "MODES",
    "STATUSES",
    "AttemptClosedError",
    "AttemptNotFoundError",
    "AttemptRow",
    "ChoiceRow",
    "CriticalReply",
    "ForeignDatabaseError",
    "ImportOutcome",
    "ReadOnlyError",
    "ScenarioStats",
    "SchemaVersionError",
    "Snapshot",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoreFault",
    "TraineeRow",
    "format_utc",
    "parse_utc",
]

MODES: Final = ("practice", "assessment", "batch")
STATUSES: Final = ("in_progress", "completed", "abandoned")

#: How long a writer waits for another process's write lock, in seconds.
BUSY_TIMEOUT_S: Final = 30.0
#: Extra attempts, with backoff, when a write still reports "database is locked".
LOCK_RETRIES: Final = 6
_PAGE: Final = 500

ImportOutcome = Literal["inserted", "replaced", "identical", "conflict"]
_T = TypeVar("_T")


# --------------------------------------------------------------------------- errors


class StoreError(Exception):
    """A results-store problem with a message fit to show the user."""


class AttemptNotFoundError(StoreError, LookupError):
    """No attempt has the given uuid."""


class AttemptClosedError(StoreError):
    """The attempt is completed or abandoned and can no longer change."""


class StoreFault(StoreError):
    """The database itself failed (locked, read-only, full disk, damaged file, I/O error).

    Unlike a refused record, retrying other work against it will not help.
    """


class StoreBusyError(StoreFault):
    """Another program held the database's write lock for longer than `BUSY_TIMEOUT_S`."""


class ReadOnlyError(StoreFault):
    """The database (or its folder) cannot be written: it can still be opened read-only."""


class SchemaVersionError(StoreError, schema_sql.SchemaVersionError):
    """The database was written by a newer talkdown."""


class ForeignDatabaseError(StoreError, schema_sql.ForeignDatabaseError):
    """The file is not a talkdown results database."""


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


def _parse_opt(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)


def _now() -> datetime:
    return datetime.now(UTC)


@cache
def _app_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("talkdown")
    except metadata.PackageNotFoundError:
        pass
    try:
        import simulator

        return str(getattr(simulator, "__version__", "unknown"))
    except ImportError:  # pragma: no cover - simulator is always importable here
        return "unknown"


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class TraineeRow:
    """A trainee: the pair (name, cohort), with an optional e-mail."""

    id: int
    name: str
    cohort: str
    email: str | None
    created_at: datetime


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


@dataclass(frozen=True, slots=True)
class ScenarioStats:
    """A trainee's completed attempts at one scenario (any version, any mode)."""

    scenario_id: str
    attempts: int
    passes: int
    best_overall: float | None
    last_finished_at: datetime | None


_ATTEMPT_COLUMNS = """
    a.uuid, a.trainee_id, t.name, t.cohort, t.email, a.scenario_id, a.scenario_title,
    a.content_hash, a.mode, a.timed_seconds, a.start_node, a.started_at, a.finished_at,
    a.status, a.ending, a.ending_node, a.empathy, a.assertiveness, a.speed, a.overall,
    a.passed, a.seconds, a.turns, a.app_version, a.updated_at, a.shuffle_seed, a.outcome,
    a.critical
"""
_ATTEMPT_FROM = "FROM attempts a JOIN trainees t ON t.id = a.trainee_id"
_CHOICE_COLUMNS = """
    attempt_uuid, seq, node, choice, say, empathy, assertiveness, tags, mood_before,
    mood_after, seconds, latency_ms, next_node, recorded_at, critical, shown
"""


def _attempt(row: Sequence[Any]) -> AttemptRow:
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
        started_at=parse_utc(row[11]),
        finished_at=_parse_opt(row[12]),
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
        updated_at=parse_utc(row[24]),
        shuffle_seed=row[25],
        outcome=row[26],
        critical=parse_critical(row[27]),
    )


def _choice(row: Sequence[Any]) -> ChoiceRow:
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
        recorded_at=parse_utc(row[13]),
        critical=row[14],
        shown=row[15],
    )


# --------------------------------------------------------------------------- checks


def _check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}; got {value!r}")


def _check_score(value: float | None, what: str, *, optional: bool = True) -> float | None:
    if value is None:
        if optional:
            return None
        raise ValueError(f"{what} is required")
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number; got {value!r}")
    return float(value)


def _check_name(value: str, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string; got {value!r}")
    problem = control_problem(value)
    if problem is not None:  # every way in checks first; this is the last line
        raise ValueError(f"{what} cannot be stored: {problem}")


def _normal_uuid(value: str) -> str:
    try:
        return str(uuid_mod.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"not a uuid: {value!r}") from None


def _tags_json(tags: Sequence[str]) -> str:
    if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
        raise TypeError(f"tags must be a sequence of strings; got {tags!r}")
    return json.dumps(list(tags), ensure_ascii=False)


#: Primary SQLite result codes that mean "you may not write here".
_READ_ONLY_CODES: Final = frozenset(
    {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH}
)


def _fault(exc: sqlite3.Error, path: Path | str | None) -> Exception:
    """A raw SQLite error as a `StoreError` saying what went wrong and what to do.

    Misuse (a closed connection, a bad parameter) is a bug, not a fault of the
    file: it comes back unchanged, to be raised as it is.
    """
    if isinstance(exc, sqlite3.ProgrammingError | sqlite3.InterfaceError):
        return exc
    where = "the in-memory results database" if path is None else f"the results database {path}"
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if _is_locked(exc):
        return StoreBusyError(
            f"{where} is locked: another program (a trainer screen, an import, another "
            f"talkdown) kept it busy for over {BUSY_TIMEOUT_S:g} s — close it or wait, then "
            "try again"
        )
    if primary == sqlite3.SQLITE_FULL:
        return StoreFault(
            f"cannot write {where}: the disk is full — free some space, then try again"
        )
    if primary == sqlite3.SQLITE_CANTOPEN:
        return ReadOnlyError(
            f"cannot open {where} ({exc}) — check the path, that its folder exists and that "
            "you may write there, or pass --db to use another database"
        )
    if primary in _READ_ONLY_CODES:
        return ReadOnlyError(
            f"cannot write {where}: it or its folder is read-only ({exc}) — check the "
            "permissions of both, or pass --db to use another database"
        )
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in str(exc):
        return StoreFault(
            f"{where} is damaged or is not a database ({exc}) — restore it from a backup, or "
            "pass --db to use another file"
        )
    if primary == sqlite3.SQLITE_IOERR:
        if path is not None and _disk_full(Path(path)):  # SQLite says only "I/O error"
            return StoreFault(
                f"cannot write {where}: the disk is full ({exc}) — free some space, then try again"
            )
        return StoreFault(f"cannot read or write {where} ({exc}) — check the disk, then try again")
    return StoreFault(f"{where} failed ({exc}) — check the file, or pass --db to use another")


def _disk_full(path: Path) -> bool:
    """True when the disk holding *path* has (next to) no room left."""
    try:
        return shutil.disk_usage(path.parent).free < 1024 * 1024
    except OSError:
        return False


def _writable(path: Path) -> bool:
    """May this process write *path* and create files beside it (the WAL's -wal, -shm)?"""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _is_locked(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "locked" in text or "busy" in text


# --------------------------------------------------------------------------- store


class Store:
    """The results database. Open with ``Store(path)`` or `Store.open_default`."""

    def __init__(self, path: str | Path, *, create: bool = True, read_only: bool = False) -> None:
        """Open (creating it and its folder if *create*) and migrate the database.

        ``":memory:"`` opens a private in-memory database. With ``create=False`` a
        missing file is a `StoreError` instead of a new empty database. With
        *read_only*, the file is opened for reading only (nothing is created,
        migrated or written; see `open_for_reading`).
        """
        self._memory = str(path) == ":memory:"
        self.path: Path | None = None if self._memory else Path(path).expanduser().absolute()
        self.read_only = read_only and not self._memory
        self._lock = threading.RLock()
        self._closed = False
        target = ":memory:" if self.path is None else str(self.path)
        if self.path is not None:
            if (not create or self.read_only) and not self.path.exists():
                raise StoreError(
                    f"no results database at {self.path} — pass --db or set TALKDOWN_DB"
                )
            if self.path.exists() and not self.path.is_file():
                what = "a folder" if self.path.is_dir() else "not a regular file"
                raise StoreError(f"{self.path} is {what} — pass --db with a database file")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder for {self.path} ({exc.strerror or exc}) — "
                    "create it, or pass --db to use another database"
                ) from None
        self._conn = self._connect(target)
        try:
            self._setup(target)
        except BaseException:
            self._conn.close()
            raise

    def _connect(self, target: str) -> sqlite3.Connection:
        def connect(where: str, uri: bool = False) -> sqlite3.Connection:
            return sqlite3.connect(
                where, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False,
                uri=uri,
            )  # fmt: skip

        try:
            if not self.read_only:
                return connect(target)
            # A WAL database in a folder we cannot write cannot create its -shm
            # file; immutable=1 reads it anyway (nobody can be writing there).
            uri = Path(target).as_uri()
            try:
                conn = connect(f"{uri}?mode=ro", uri=True)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.OperationalError:
                return connect(f"{uri}?mode=ro&immutable=1", uri=True)
        except sqlite3.Error as exc:
            raise _fault(exc, target) from None

    def _setup(self, target: str) -> None:
        conn = self._conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            found = schema_sql.check_version(conn, target)
            if self.read_only:
                if found != schema_sql.SCHEMA_VERSION:
                    raise StoreError(
                        f"the results database {target} is from an older talkdown and must "
                        "be upgraded, which needs write access — open it once where you may "
                        "write to it and its folder"
                    )
                return
            if not self._memory:
                mode = self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
                durable = "NORMAL" if str(mode[0]).lower() == "wal" else "FULL"
                conn.execute(f"PRAGMA synchronous = {durable}")
            self._retry(lambda: schema_sql.migrate(conn, target))
        except schema_sql.SchemaVersionError as exc:
            raise SchemaVersionError(exc.path, exc.found, exc.known) from None
        except schema_sql.ForeignDatabaseError as exc:
            raise ForeignDatabaseError(exc.path, exc.why) from None
        except sqlite3.Error as exc:
            raise _fault(exc, target) from None

    @classmethod
    def open_default(cls, db: str | Path | None = None, *, create: bool = True) -> Store:
        """Open ``--db`` *db*, else ``TALKDOWN_DB``, else the default database."""
        return cls(locations.resolve_db_path(db), create=create)

    @classmethod
    def open_for_reading(cls, db: str | Path | None = None) -> Store:
        """Open an existing database to read it (reports, exports, the trainer screen).

        Opened as usual when it may be written (so an older file is migrated);
        read-only when the file or its folder cannot be written, so a database
        on a read-only share or someone else's can still be reported on.
        """
        path = locations.resolve_db_path(db)
        if str(path) != ":memory:" and path.is_file() and not _writable(path):
            return cls(path, create=False, read_only=True)
        try:
            return cls(path, create=False)
        except ReadOnlyError:
            return cls(path, create=False, read_only=True)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path) if self.path else ':memory:'!r})"

    # ----------------------------------------------------------------- plumbing

    def _retry(self, work: Callable[[], _T]) -> _T:
        """Run *work*, retrying with backoff while SQLite says the database is locked.

        SQLite's busy handler already waits up to `BUSY_TIMEOUT_S` for a lock;
        this only covers the cases it returns early from. Retries stop after
        `LOCK_RETRIES` or once `BUSY_TIMEOUT_S` has passed in all.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        delay = 0.05
        for attempt in range(LOCK_RETRIES + 1):
            try:
                return work()
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc):
                    raise
                if attempt == LOCK_RETRIES or time.monotonic() >= deadline:
                    raise _fault(exc, self.path) from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run *work* in one ``BEGIN IMMEDIATE`` transaction (retried if locked)."""

        def once() -> _T:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
            return result

        with self._lock:
            try:
                return self._retry(once)
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"results database {self.path}: {exc}") from None
            except sqlite3.Error as exc:  # full disk, read-only, damaged file, …
                raise _fault(exc, self.path) from None

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _fault(exc, self.path) from None

    # ----------------------------------------------------------------- trainees

    @staticmethod
    def _trainee_in_tx(
        conn: sqlite3.Connection, name: str, cohort: str, email: str | None, now: str
    ) -> int:
        conn.execute(
            "INSERT OR IGNORE INTO trainees (name, cohort, email, created_at) VALUES (?, ?, ?, ?)",
            (name, cohort, email, now),
        )
        if email is not None:
            conn.execute(
                "UPDATE trainees SET email = ? WHERE name = ? AND cohort = ? AND email IS NOT ?",
                (email, name, cohort, email),
            )
        row = conn.execute(
            "SELECT id FROM trainees WHERE name = ? AND cohort = ?", (name, cohort)
        ).fetchone()
        return int(row[0])

    def trainee_id(self, name: str, cohort: str, *, email: str | None = None) -> int:
        """The id of trainee (*name*, *cohort*), created if new.

        A given *email* is stored (replacing an older one); None leaves it as is.
        """
        _check_name(name, "trainee name")
        _check_name(cohort, "cohort")
        rows = self._read(
            "SELECT id, email FROM trainees WHERE name = ? AND cohort = ?", (name, cohort)
        )
        if rows and (email is None or rows[0][1] == email):
            return int(rows[0][0])
        now = format_utc(_now())
        return self._write(lambda conn: self._trainee_in_tx(conn, name, cohort, email, now))

    def trainees(self, *, cohort: str | None = None) -> list[TraineeRow]:
        """All trainees (optionally of one cohort), by cohort then name."""
        sql = "SELECT id, name, cohort, email, created_at FROM trainees"
        params: list[Any] = []
        if cohort is not None:
            sql += " WHERE cohort = ?"
            params.append(cohort)
        rows = self._read(sql + " ORDER BY cohort, name, id", params)
        return [TraineeRow(r[0], r[1], r[2], r[3], parse_utc(r[4])) for r in rows]

    # ----------------------------------------------------------------- attempts

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
        _check_name(name, "trainee name")
        _check_name(cohort, "cohort")
        _check_choice(mode, MODES, "mode")
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
        key = str(uuid_mod.uuid4()) if uuid is None else _normal_uuid(uuid)
        start = format_utc(started_at or _now())
        version = app_version if app_version is not None else _app_version()

        def work(conn: sqlite3.Connection) -> str:
            trainee = self._trainee_in_tx(conn, name, cohort, email, start)
            if conn.execute("SELECT 1 FROM attempts WHERE uuid = ?", (key,)).fetchone():
                raise StoreError(f"an attempt with uuid {key} already exists")
            conn.execute(
                "INSERT INTO attempts (uuid, trainee_id, scenario_id, scenario_title,"
                " content_hash, mode, timed_seconds, start_node, started_at, status,"
                " app_version, updated_at, shuffle_seed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'in_progress', ?, ?, ?)",
                (
                    key,
                    trainee,
                    scenario_id,
                    scenario_title,
                    content_hash,
                    mode,
                    timed_seconds,
                    start_node,
                    start,
                    version,
                    start,
                    shuffle_seed,
                ),
            )
            return key

        return self._write(work)

    @staticmethod
    def _open_attempt(conn: sqlite3.Connection, uuid: str) -> tuple[str, int]:
        """(status, turns) of an attempt that must exist and be in progress."""
        row = conn.execute("SELECT status, turns FROM attempts WHERE uuid = ?", (uuid,)).fetchone()
        if row is None:
            raise AttemptNotFoundError(f"no attempt with uuid {uuid}")
        if row[0] != "in_progress":
            raise AttemptClosedError(f"attempt {uuid} is {row[0]}; it can no longer change")
        return str(row[0]), int(row[1])

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
    ) -> None:
        """Record one reply in its own committed transaction.

        *seq* must be the next number (1 for the first reply). Re-recording an
        already stored reply with identical content is a harmless no-op (safe to
        retry); anything else out of order is a `StoreError`. The attempt's
        ``turns`` and ``seconds`` (simulated time) are updated with it, and a
        *critical* reply (its reason) is added to the attempt's critical list in
        the same transaction. *choice* is the authored reply number; *shown*
        the position it had on screen when the replies were shuffled.
        """
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise ValueError(f"seq must be an integer >= 1; got {seq!r}")
        if choice is not None and (isinstance(choice, bool) or choice < 1):
            raise ValueError(f"choice must be a reply number >= 1 or None; got {choice!r}")
        if shown is not None and (isinstance(shown, bool) or shown < 1):
            raise ValueError(f"shown must be a position >= 1 or None; got {shown!r}")
        if critical is not None and (choice is None or not critical.strip()):
            raise ValueError("a critical reason needs a reply (not a silence) and some text")
        latency = _check_score(latency_ms, "latency_ms")
        tags_json = _tags_json(tags)
        stamp = format_utc(recorded_at or _now())
        values = (
            node,
            choice,
            say,
            empathy,
            assertiveness,
            tags_json,
            mood_before,
            mood_after,
            seconds,
            latency,
            next_node,
            critical,
            shown,
        )

        def work(conn: sqlite3.Connection) -> None:
            _, turns = self._open_attempt(conn, uuid)
            if seq <= turns:
                old = conn.execute(
                    "SELECT node, choice, say, empathy, assertiveness, tags, mood_before,"
                    " mood_after, seconds, latency_ms, next_node, critical, shown FROM choices"
                    " WHERE attempt_uuid = ? AND seq = ?",
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
            conn.execute(
                f"INSERT INTO choices ({_CHOICE_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (uuid, seq, *values[:-2], stamp, *values[-2:]),
            )
            conn.execute(
                "UPDATE attempts SET turns = turns + 1, seconds = seconds + ?, updated_at = ?"
                " WHERE uuid = ?",
                (seconds, stamp, uuid),
            )
            if critical is not None:
                assert choice is not None
                (stored,) = conn.execute(
                    "SELECT critical FROM attempts WHERE uuid = ?", (uuid,)
                ).fetchone()
                items = (*parse_critical(stored), CriticalReply(node, choice, critical))
                conn.execute(
                    "UPDATE attempts SET critical = ?, critical_count = ? WHERE uuid = ?",
                    (critical_json(items), len(items), uuid),
                )

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
        _check_choice(ending, ENDINGS, "ending")
        scores = (
            _check_score(empathy, "empathy"),
            _check_score(assertiveness, "assertiveness"),
            _check_score(speed, "speed", optional=False),
            _check_score(overall, "overall", optional=False),
        )
        stamp = format_utc(finished_at or _now())

        def work(conn: sqlite3.Connection) -> None:
            self._open_attempt(conn, uuid)
            conn.execute(
                "UPDATE attempts SET status = 'completed', ending = ?, ending_node = ?,"
                " empathy = ?, assertiveness = ?, speed = ?, overall = ?,"
                " passed = CASE WHEN critical_count > 0 THEN 0 ELSE ? END,"
                " finished_at = ?, updated_at = ?, outcome = ? WHERE uuid = ?",
                (ending, ending_node, *scores, int(bool(passed)), stamp, stamp, outcome or None,
                 uuid),
            )  # fmt: skip

        self._write(work)

    def abandon_attempt(self, uuid: str) -> None:
        """Mark an in-progress attempt abandoned; a finished one is left alone.

        Raises `AttemptNotFoundError` for an unknown uuid. ``finished_at`` stays
        empty; ``updated_at`` records when it was abandoned.
        """
        stamp = format_utc(_now())

        def work(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT status FROM attempts WHERE uuid = ?", (uuid,)).fetchone()
            if row is None:
                raise AttemptNotFoundError(f"no attempt with uuid {uuid}")
            conn.execute(
                "UPDATE attempts SET status = 'abandoned', updated_at = ?"
                " WHERE uuid = ? AND status = 'in_progress'",
                (stamp, uuid),
            )

        self._write(work)

    # ----------------------------------------------------------------- reading

    def get_attempt(self, uuid: str) -> AttemptRow | None:
        """The attempt with *uuid*, or None."""
        rows = self._read(f"SELECT {_ATTEMPT_COLUMNS} {_ATTEMPT_FROM} WHERE a.uuid = ?", (uuid,))
        return _attempt(rows[0]) if rows else None

    def get_choices(self, uuid: str) -> list[ChoiceRow]:
        """The attempt's replies in order (empty for an unknown uuid)."""
        rows = self._read(
            f"SELECT {_CHOICE_COLUMNS} FROM choices WHERE attempt_uuid = ? ORDER BY seq", (uuid,)
        )
        return [_choice(r) for r in rows]

    def unfinished_attempts(self, name: str, cohort: str) -> list[AttemptRow]:
        """The trainee's in-progress attempts, newest first."""
        rows = self._read(
            f"SELECT {_ATTEMPT_COLUMNS} {_ATTEMPT_FROM}"
            " WHERE t.name = ? AND t.cohort = ? AND a.status = 'in_progress'"
            " ORDER BY a.started_at DESC, a.uuid DESC",
            (name, cohort),
        )
        return [_attempt(r) for r in rows]

    def scenario_stats(
        self, name: str, cohort: str, *, mode: str | None = None
    ) -> dict[str, ScenarioStats]:
        """Per scenario id: the trainee's completed attempts, passes and best overall.

        Every mode counts unless *mode* picks one. Scenarios with no completed
        attempt are absent.
        """
        if mode is not None:
            _check_choice(mode, MODES, "mode")
        rows = self._read(
            "SELECT a.scenario_id, count(*), coalesce(sum(a.passed), 0), max(a.overall),"
            f" max(a.finished_at) {_ATTEMPT_FROM}"
            " WHERE t.name = ? AND t.cohort = ? AND a.status = 'completed'"
            " AND (? IS NULL OR a.mode = ?) GROUP BY a.scenario_id ORDER BY a.scenario_id",
            (name, cohort, mode, mode),
        )
        return {
            r[0]: ScenarioStats(
                scenario_id=r[0],
                attempts=int(r[1]),
                passes=int(r[2]),
                best_overall=r[3],
                last_finished_at=_parse_opt(r[4]),
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
            _check_choice(status, STATUSES, "status")
        if mode is not None:
            _check_choice(mode, MODES, "mode")
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("t.cohort", cohort),
            ("t.name", trainee),
            ("a.scenario_id", scenario),
            ("a.status", status),
            ("a.mode", mode),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            where.append("a.started_at >= ?")
            params.append(format_utc(since))
        return self._pages(where, params)

    def _pages(self, where: list[str], params: list[Any]) -> Iterator[AttemptRow]:
        after: tuple[str, str] | None = None
        while True:
            clauses = list(where)
            args = list(params)
            if after is not None:
                clauses.append("(a.started_at > ? OR (a.started_at = ? AND a.uuid > ?))")
                args.extend((after[0], after[0], after[1]))
            sql = f"SELECT {_ATTEMPT_COLUMNS} {_ATTEMPT_FROM}"
            if clauses:
                sql += " WHERE " + " AND ".join(clauses)
            rows = self._read(sql + f" ORDER BY a.started_at, a.uuid LIMIT {_PAGE}", args)
            for row in rows:
                yield _attempt(row)
            if len(rows) < _PAGE:
                return
            after = (rows[-1][11], rows[-1][0])

    # ----------------------------------------------------------------- import

    def import_attempt(self, attempt: AttemptRow, choices: Sequence[ChoiceRow]) -> ImportOutcome:
        """Merge an attempt exported elsewhere (JSON Lines import), idempotent by uuid.

        ``"inserted"`` if new; ``"identical"`` (skipped) if the same attempt is
        already here; ``"replaced"`` if the stored one is in progress and the
        incoming one completed or abandoned; otherwise ``"conflict"`` (skipped).
        The trainee is matched by (name, cohort); ``trainee_id`` is ignored.
        """
        key = _normal_uuid(attempt.uuid)
        _check_choice(attempt.mode, MODES, "mode")
        _check_choice(attempt.status, STATUSES, "status")
        if attempt.ending is not None:
            _check_choice(attempt.ending, ENDINGS, "ending")
        ordered = sorted(choices, key=lambda c: c.seq)
        for item in ordered:
            if _normal_uuid(item.attempt_uuid) != key:
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

        def work(conn: sqlite3.Connection) -> ImportOutcome:
            row = conn.execute(
                f"SELECT {_ATTEMPT_COLUMNS} {_ATTEMPT_FROM} WHERE a.uuid = ?", (key,)
            ).fetchone()
            if row is not None:
                existing = _attempt(row)
                old_choices = [
                    _choice(r)
                    for r in conn.execute(
                        f"SELECT {_CHOICE_COLUMNS} FROM choices WHERE attempt_uuid = ?"
                        " ORDER BY seq",
                        (key,),
                    )
                ]
                if _same_attempt(existing, attempt) and old_choices == [
                    _rekey(c, key) for c in ordered
                ]:
                    return "identical"
                if existing.status != "in_progress" or attempt.status == "in_progress":
                    return "conflict"
                conn.execute("DELETE FROM attempts WHERE uuid = ?", (key,))
            trainee = self._trainee_in_tx(
                conn, attempt.trainee, attempt.cohort, attempt.email, format_utc(_now())
            )
            conn.execute(
                "INSERT INTO attempts (uuid, trainee_id, scenario_id, scenario_title,"
                " content_hash, mode, timed_seconds, start_node, started_at, finished_at,"
                " status, ending, ending_node, empathy, assertiveness, speed, overall, passed,"
                " seconds, turns, app_version, updated_at, shuffle_seed, outcome,"
                " critical_count, critical)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?)",
                (
                    key,
                    trainee,
                    attempt.scenario_id,
                    attempt.scenario_title,
                    attempt.content_hash,
                    attempt.mode,
                    attempt.timed_seconds,
                    attempt.start_node,
                    format_utc(attempt.started_at),
                    None if attempt.finished_at is None else format_utc(attempt.finished_at),
                    attempt.status,
                    attempt.ending,
                    attempt.ending_node,
                    attempt.empathy,
                    attempt.assertiveness,
                    attempt.speed,
                    attempt.overall,
                    None if attempt.passed is None else int(attempt.passed),
                    attempt.seconds,
                    attempt.turns,
                    attempt.app_version,
                    format_utc(attempt.updated_at),
                    attempt.shuffle_seed,
                    attempt.outcome,
                    len(critical),
                    critical_json(critical),
                ),
            )
            conn.executemany(
                f"INSERT INTO choices ({_CHOICE_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        key,
                        c.seq,
                        c.node,
                        c.choice,
                        c.say,
                        c.empathy,
                        c.assertiveness,
                        _tags_json(c.tags),
                        c.mood_before,
                        c.mood_after,
                        c.seconds,
                        c.latency_ms,
                        c.next_node,
                        format_utc(c.recorded_at),
                        c.critical,
                        c.shown,
                    )
                    for c in ordered
                ],
            )
            return "inserted" if row is None else "replaced"

        return self._write(work)

    # ============================================================ results: export / report
    # Added for simulator.export (export, import, report, trainer screen). Raw,
    # read-only SQL over one consistent snapshot, streamed from the cursor so an
    # export of any size runs in constant memory. Existing methods are unchanged.

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """Read-only raw SQL over one consistent snapshot of the database.

        Everything read through the yielded `Snapshot` sees the same data (one
        read transaction), so an export's attempts and replies agree even while
        others record; in WAL mode this never blocks writers. ``query_only`` is
        on meanwhile, so a mistaken write fails instead of landing. The store's
        lock is held throughout: other threads sharing this `Store` wait.
        """
        with self._lock:
            if self._closed:
                raise StoreError("the results database is closed")
            conn = self._conn
            try:
                conn.execute("PRAGMA query_only = ON")
                conn.execute("BEGIN")
            except sqlite3.Error as exc:
                raise _fault(exc, self.path) from None
            try:
                yield Snapshot(conn, self.path)
            finally:
                # Nothing was written; just end the read (quietly if the file went bad:
                # the error that matters is already on its way).
                with contextlib.suppress(sqlite3.Error):
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA query_only = OFF")


_IGNORED_ON_COMPARE = frozenset({"trainee_id", "email", "updated_at"})


def _same_attempt(left: AttemptRow, right: AttemptRow) -> bool:
    """Equal in every field that describes the attempt (not local ids or bookkeeping)."""
    return all(
        getattr(left, f.name) == getattr(right, f.name)
        for f in fields(AttemptRow)
        if f.name not in _IGNORED_ON_COMPARE
    )


def _rekey(choice: ChoiceRow, key: str) -> ChoiceRow:
    """*choice* as it reads back once stored under attempt *key*."""
    return dataclasses.replace(
        choice,
        attempt_uuid=key,
        tags=tuple(choice.tags),
        recorded_at=parse_utc(format_utc(choice.recorded_at)),
    )


# --------------------------------------------------------------------------- snapshot
# (results export / report: see `Store.snapshot`)


class Snapshot:
    """Raw read-only SQL over one snapshot; valid only inside ``Store.snapshot()``."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self._conn = conn
        self._path = path

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of *sql*, streamed from the cursor (never all in memory at once).

        A damaged page met halfway through is a `StoreError` too, not a raw
        SQLite error.
        """
        try:
            cursor = self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise _fault(exc, self._path) from None
        return self._stream(cursor)

    def _stream(self, cursor: sqlite3.Cursor) -> Iterator[tuple[Any, ...]]:
        try:
            yield from cursor
        except sqlite3.Error as exc:
            raise _fault(exc, self._path) from None

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of *sql*, or None."""
        rows = self.rows(sql, params)
        return next(rows, None)
