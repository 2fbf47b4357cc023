"""The PostgreSQL backend: one results database for a training organisation.

``--db postgresql://…`` (or ``TALKDOWN_DB``); needs ``pip install
'talkdown[postgres]'`` (psycopg 3). The same protocol, rules and schema
versions as SQLite (`simulator.results.sql` holds the shared write rules), with
PostgreSQL's own way to keep concurrent writers apart:

* Every write is one transaction (READ COMMITTED) that first locks the
  attempt's row (``SELECT … FOR UPDATE``) — where SQLite takes the whole
  file's write lock with ``BEGIN IMMEDIATE``. Two writers to one attempt
  queue; writers to different attempts never wait for each other. A new
  trainee is ``INSERT … ON CONFLICT DO NOTHING``, so concurrent first
  attempts of one trainee make one row.
* A transaction the server aborts for a deadlock or a serialisation failure,
  or a concurrent insert of the same key, is retried (`RETRIES`); a lock
  held by someone else for longer than `BUSY_TIMEOUT_S` is a clear
  `StoreBusyError`.
* One reply, one commit (`record_choice`), so a killed terminal loses at most
  the reply in flight; unfinished attempts are resumed or abandoned as on
  SQLite.
* Exports and reports read one REPEATABLE READ, READ ONLY snapshot through a
  server-side cursor: constant memory, never blocking writers.

Errors never show the password: messages name the server by
`PostgresUrl.shown` and every driver or server message is scrubbed of the
secret and made safe to print (`simulator.terminal.visible`).
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from simulator.results.errors import (
    ReadOnlyError,
    SchemaError,
    StoreBusyError,
    StoreError,
    StoreFault,
)
from simulator.results.postgres import schema
from simulator.results.postgres.url import PostgresUrl
from simulator.results.rows import as_utc
from simulator.results.sql import Cursor, SqlStore, Tx
from simulator.terminal import visible

if TYPE_CHECKING:
    import psycopg

    from simulator.results.postgres.view import PostgresView

__all__ = ["BUSY_TIMEOUT_S", "RETRIES", "PostgresStore"]

#: How long a writer waits for a row another writer has locked, in seconds.
BUSY_TIMEOUT_S: Final = 30.0
#: Extra tries of a transaction the server aborted (deadlock, serialisation, duplicate key).
RETRIES: Final = 5
#: How long to wait for the server to answer a connection, in seconds (unless the URL says).
CONNECT_TIMEOUT_S: Final = 10

_T = TypeVar("_T")
_PLACEHOLDERS: dict[str, str] = {}


def _pg(sql: str) -> str:
    """*sql* with the shared code's ``?`` placeholders as psycopg's ``%s``."""
    found = _PLACEHOLDERS.get(sql)
    if found is None:
        if len(_PLACEHOLDERS) > 1024:  # the shared SQL is a few dozen statements
            _PLACEHOLDERS.clear()
        found = _PLACEHOLDERS[sql] = sql.replace("?", "%s")
    return found


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "PostgreSQL support is not installed — pip install 'talkdown[postgres]' "
            "(psycopg 3), or pass --db with a file to use SQLite"
        ) from None
    return psycopg


class _PgTx:
    """`Tx` over a psycopg connection: ``?`` placeholders, like the shared SQL."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._conn.execute(_pg(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        with self._conn.cursor() as cursor:
            cursor.executemany(_pg(sql), rows)


class PostgresStore(SqlStore):
    """A results store in a PostgreSQL database (see the module docstring)."""

    _LOCK = " FOR UPDATE"

    def __init__(self, url: PostgresUrl | str, *, for_reading: bool = False) -> None:
        """Connect, check the schema and create or upgrade it as needed.

        *for_reading* (reports, exports, the trainer screen): a schema that is
        current is used as it is, and every transaction is read-only.
        """
        super().__init__()
        self.url = url if isinstance(url, PostgresUrl) else PostgresUrl.parse(url)
        self.where = self.url.shown
        self.read_only = for_reading
        driver = _driver()
        self._errors = driver.errors
        try:
            params: dict[str, Any] = {"autocommit": True, "application_name": "talkdown"}
            if "connect_timeout" not in self.url.url:
                params["connect_timeout"] = CONNECT_TIMEOUT_S
            self._conn: psycopg.Connection[Any] = driver.Connection.connect(self.url.url, **params)
        except driver.Error as exc:
            raise self._fault(exc) from None
        try:
            self._setup(driver)
        except BaseException:
            self._conn.close()
            raise

    def _setup(self, driver: Any) -> None:
        from psycopg.types.string import TextLoader

        conn = self._conn
        # uuid and json columns read back as the text they are (the rows' types).
        for name in ("uuid", "json"):
            conn.adapters.register_loader(name, TextLoader)
        try:
            conn.execute("SET TIME ZONE 'UTC'")
            conn.execute(f"SET lock_timeout = '{int(BUSY_TIMEOUT_S * 1000)}ms'")
            found = schema.check_version(conn, self.where)
            if found != schema.SCHEMA_VERSION:
                try:
                    schema.migrate(conn, self.where)
                except self._errors.InsufficientPrivilege:
                    what = "is from an older talkdown" if found else "has no talkdown tables yet"
                    raise StoreError(
                        f"the results database {self.where} {what}, and this role may not "
                        "create or change tables — run talkdown once as the database's owner "
                        "(docs/deploy.md: roles)"
                    ) from None
            if self.read_only:
                conn.execute("SET default_transaction_read_only = on")
        except SchemaError:
            raise
        except driver.Error as exc:
            raise self._fault(exc) from None

    def _close_connection(self) -> None:
        self._conn.close()

    # ----------------------------------------------------------------- engine hooks

    def _time(self, moment: datetime) -> datetime:
        return as_utc(moment)

    def _moment(self, value: Any) -> datetime:
        return as_utc(value)

    def _flag(self, value: bool) -> bool:
        return bool(value)

    # ----------------------------------------------------------------- faults

    def _message(self, exc: BaseException) -> str:
        """The driver's or server's words, without secrets, safe to print."""
        text = " ".join(str(exc).split())
        return visible(self.url.scrub(text))

    def _fault(self, exc: BaseException) -> Exception:
        """A psycopg error as a `StoreError` saying what went wrong and what to do."""
        errors = self._errors
        where = f"the results database {self.where}"
        said = self._message(exc)
        if isinstance(exc, errors.LockNotAvailable | errors.QueryCanceled):
            return StoreBusyError(
                f"{where} is busy: another program kept an attempt locked for over "
                f"{BUSY_TIMEOUT_S:g} s — wait, then try again"
            )
        if isinstance(exc, errors.InsufficientPrivilege | errors.ReadOnlySqlTransaction):
            return ReadOnlyError(
                f"cannot write {where}: this role may only read ({said}) — connect as a "
                "role that may record results (docs/deploy.md: roles)"
            )
        if isinstance(exc, errors.DiskFull):
            return StoreFault(
                f"cannot write {where}: the server's disk is full — ask its administrator "
                "to free some space, then try again"
            )
        if isinstance(exc, errors.IntegrityError):
            return StoreError(f"{where}: {said}")
        if self._conn_closed():
            return StoreFault(
                f"lost the connection to {where} ({said}) — check that the server is "
                "running and reachable, then try again"
            )
        if isinstance(exc, errors.OperationalError):
            return StoreFault(
                f"cannot reach {where} ({said}) — check the URL, that the server is running "
                "and that you may connect (password in ~/.pgpass or PGPASSWORD), or pass --db "
                "to use another database"
            )
        return StoreFault(f"{where} failed ({said}) — check the server, or pass --db")

    def _conn_closed(self) -> bool:
        conn = getattr(self, "_conn", None)
        return conn is not None and bool(conn.closed) and not self._closed

    def _retryable(self, exc: BaseException) -> bool:
        errors = self._errors
        return isinstance(
            exc, errors.SerializationFailure | errors.DeadlockDetected | errors.UniqueViolation
        )

    # ----------------------------------------------------------------- plumbing

    def _write(self, work: Callable[[Tx], _T]) -> _T:
        """Run *work* in one transaction, retried if the server aborted it; map faults."""
        psycopg = _driver()
        with self._lock:
            if self._closed:
                raise StoreError("the results database is closed")
            delay = 0.02
            for attempt in range(RETRIES + 1):
                try:
                    with self._conn.transaction():
                        return work(_PgTx(self._conn))
                except psycopg.Error as exc:
                    if attempt < RETRIES and self._retryable(exc):
                        time.sleep(delay * (1 + random.random()))
                        delay = min(delay * 2, 1.0)
                        continue
                    raise self._fault(exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        psycopg = _driver()
        with self._lock:
            if self._closed:
                raise StoreError("the results database is closed")
            try:
                rows: list[Any] = self._conn.execute(_pg(sql), params).fetchall()
                return rows
            except psycopg.Error as exc:
                raise self._fault(exc) from None

    # ----------------------------------------------------------------- snapshot

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[PostgresView]:
        """Typed reads over one REPEATABLE READ, READ ONLY transaction.

        Everything read through the view sees the same data, so an export's
        attempts and replies agree even while others record; writers never
        wait for it. The store's lock is held throughout.
        """
        from simulator.results.postgres.view import PostgresView

        psycopg = _driver()
        with self._lock:
            if self._closed:
                raise StoreError("the results database is closed")
            conn = self._conn
            try:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            except psycopg.Error as exc:
                raise self._fault(exc) from None
            try:
                yield PostgresView(conn, self._fault)
            finally:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
