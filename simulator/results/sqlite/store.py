"""The SQLite backend: the embedded default, one file in the user data folder.

Durability and concurrency are the point:

* The database runs in WAL mode with a long busy timeout (`BUSY_TIMEOUT_S`),
  foreign keys on and ``synchronous=NORMAL`` (durable against a killed process;
  only a power cut can lose the last commits).
* Every write is one ``BEGIN IMMEDIATE`` transaction: the write lock is taken
  up front, so concurrent writers (many terminals, many ``talkdown run
  --record``) queue on the busy timeout instead of failing on a lock upgrade.
  As a last resort a write that still meets "database is locked" is retried a
  few times with backoff (`LOCK_RETRIES`).
* `SqliteStore.record_choice` commits each reply on its own, so a killed
  terminal loses at most the reply in flight; its attempt stays
  ``in_progress`` with the replies made so far (``unfinished_attempts``), to
  be resumed or marked abandoned (``abandon_attempt``).

Times are stored as fixed-width ISO 8601 UTC text (`format_utc`), so text
order is time order. One store may be shared between threads (a lock
serialises its use of the connection); processes each open their own. SQLite
must not sit on a network share (it corrupts on NFS; WAL needs every process
on one host): several sites share a PostgreSQL server instead
(docs/deploy.md). The schema lives in `simulator.results.sqlite.schema`.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from simulator import locations
from simulator.results.errors import (
    ReadOnlyError,
    SchemaError,
    StoreBusyError,
    StoreError,
    StoreFault,
)
from simulator.results.rows import format_utc, parse_utc
from simulator.results.sql import SqlStore, Tx
from simulator.results.sqlite import schema
from simulator.results.sqlite.view import SqliteView

__all__ = ["BUSY_TIMEOUT_S", "LOCK_RETRIES", "SqliteStore"]

#: How long a writer waits for another process's write lock, in seconds.
BUSY_TIMEOUT_S: Final = 30.0
#: Extra attempts, with backoff, when a write still reports "database is locked".
LOCK_RETRIES: Final = 6

_T = TypeVar("_T")

# ``passed`` reads back as a Python bool in exports (`AttemptRecord`), as it
# does from PostgreSQL: columns selected as ``"name [talkdown_bool]"`` use this.
sqlite3.register_converter("talkdown_bool", lambda raw: raw == b"1")


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


class SqliteStore(SqlStore):
    """A results database in one SQLite file (or ``:memory:``)."""

    def __init__(self, path: str | Path, *, create: bool = True, read_only: bool = False) -> None:
        """Open (creating it and its folder if *create*) and migrate the database.

        ``":memory:"`` opens a private in-memory database. With ``create=False`` a
        missing file is a `StoreError` instead of a new empty database. With
        *read_only*, the file is opened for reading only (nothing is created,
        migrated or written; see `open_for_reading`).
        """
        super().__init__()
        self._memory = str(path) == ":memory:"
        self.path: Path | None = None if self._memory else Path(path).expanduser().absolute()
        self.read_only = read_only and not self._memory
        target = ":memory:" if self.path is None else str(self.path)
        self.where = target
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
                uri=uri, detect_types=sqlite3.PARSE_COLNAMES,
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
            found = schema.check_version(conn, target)
            if self.read_only:
                if found != schema.SCHEMA_VERSION:
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
            self._retry(lambda: schema.migrate(conn, target))
        except SchemaError:
            raise
        except sqlite3.Error as exc:
            raise _fault(exc, target) from None

    @classmethod
    def open_default(cls, db: str | Path | None = None, *, create: bool = True) -> SqliteStore:
        """Open ``--db`` *db*, else ``TALKDOWN_DB``, else the default database file."""
        return cls(locations.resolve_db_path(db), create=create)

    @classmethod
    def open_for_reading(cls, db: str | Path | None = None) -> SqliteStore:
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

    def _close_connection(self) -> None:
        self._conn.close()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path) if self.path else ':memory:'!r})"

    # ----------------------------------------------------------------- engine hooks

    def _time(self, moment: datetime) -> str:
        return format_utc(moment)

    def _moment(self, value: Any) -> datetime:
        return parse_utc(value)

    def _flag(self, value: bool) -> int:
        return int(value)

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

    def _write(self, work: Callable[[Tx], _T]) -> _T:
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
            if self._closed:
                raise StoreError("the results database is closed")
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

    # ----------------------------------------------------------------- snapshot

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[SqliteView]:
        """Typed reads over one consistent snapshot of the database.

        Everything read through the yielded view sees the same data (one read
        transaction), so an export's attempts and replies agree even while
        others record; in WAL mode this never blocks writers. ``query_only`` is
        on meanwhile, so a mistaken write fails instead of landing. The store's
        lock is held throughout: other threads sharing this store wait.
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
                yield SqliteView(conn, lambda exc: _fault(exc, self.path))
            finally:
                # Nothing was written; just end the read (quietly if the file went bad:
                # the error that matters is already on its way).
                with contextlib.suppress(sqlite3.Error):
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA query_only = OFF")
