"""The results store: where attempts and replies live, behind one protocol.

`open_store` picks the backend from ``--db`` / ``TALKDOWN_DB``:

* a file path (the default: ``talkdown.db`` in the user data folder) — SQLite,
  embedded, for one trainee or one trainer's laptop (`simulator.results.sqlite`);
* ``postgresql://…`` — a PostgreSQL server shared by a training organisation
  with several sites (`simulator.results.postgres`; ``pip install
  'talkdown[postgres]'``).

Everything else in talkdown talks to the `ResultsStore` protocol
(`simulator.results.protocol`) and its typed rows (`simulator.results.rows`);
no SQL lives outside the backends.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from simulator import locations
from simulator.results.errors import (
    AttemptClosedError,
    AttemptNotFoundError,
    ForeignDatabaseError,
    ReadOnlyError,
    SchemaError,
    SchemaVersionError,
    StoreBusyError,
    StoreError,
    StoreFault,
)
from simulator.results.filters import Filters, parse_since
from simulator.results.protocol import ResultsStore, ResultsView
from simulator.results.rows import (
    ENDINGS,
    MODES,
    STATUSES,
    AttemptRecord,
    AttemptRow,
    ChoiceRow,
    CriticalReply,
    CsvLines,
    ImportOutcome,
    ReplyRecord,
    ScenarioStats,
    StoredReply,
    TraineeRow,
    format_utc,
    parse_utc,
)

if TYPE_CHECKING:
    from simulator.results.postgres.url import PostgresUrl

__all__ = [
    "ENDINGS",
    "MODES",
    "STATUSES",
    "AttemptClosedError",
    "AttemptNotFoundError",
    "AttemptRecord",
    "AttemptRow",
    "ChoiceRow",
    "CriticalReply",
    "CsvLines",
    "DbTarget",
    "Filters",
    "ForeignDatabaseError",
    "ImportOutcome",
    "ReadOnlyError",
    "ReplyRecord",
    "ResultsStore",
    "ResultsView",
    "ScenarioStats",
    "SchemaError",
    "SchemaVersionError",
    "StoreBusyError",
    "StoreError",
    "StoreFault",
    "StoredReply",
    "TraineeRow",
    "describe_target",
    "format_utc",
    "is_url",
    "open_for_reading",
    "open_store",
    "parse_since",
    "parse_utc",
    "resolve_target",
]

#: ``--db`` as given: a file path, or a ``postgresql://`` URL (kept as text: a
#: `Path` would fold its ``//``).
DbTarget = str | Path

_SCHEMES = ("postgresql://", "postgres://")


def is_url(target: DbTarget | None) -> bool:
    """True when *target* names a PostgreSQL server rather than a file."""
    return isinstance(target, str) and target.strip().lower().startswith(_SCHEMES)


def resolve_target(db: DbTarget | None = None) -> DbTarget:
    """The database to use: ``--db`` *db*, else ``TALKDOWN_DB``, else the default file.

    A URL comes back as text, a path as an absolute `Path` (``~`` expanded).
    """
    if db is not None and str(db).strip():
        return str(db).strip() if is_url(str(db)) else locations.resolve_db_path(db)
    env = os.environ.get(locations.ENV_DB, "").strip()
    if is_url(env):
        return env
    return locations.resolve_db_path(None)


def describe_target(db: DbTarget | None = None) -> str:
    """The resolved database, fit to show: a path, or a URL without its password."""
    target = resolve_target(db)
    if isinstance(target, str):
        return _postgres_url(target).shown
    return str(target)


def _postgres_url(url: str) -> PostgresUrl:
    from simulator.results.postgres.url import PostgresUrl

    return PostgresUrl.parse(url)


def open_store(db: DbTarget | None = None, *, create: bool = True) -> ResultsStore:
    """Open the results store ``--db`` / ``TALKDOWN_DB`` names (default: the local file).

    The database (an SQLite file, or the talkdown tables in a PostgreSQL
    database) is created and migrated to the current schema as needed; with
    ``create=False`` a missing SQLite file is a `StoreError` instead.
    Raises `StoreError` (with a message fit for the user) when it cannot.
    """
    target = resolve_target(db)
    if isinstance(target, str):
        from simulator.results.postgres import PostgresStore

        return PostgresStore(_postgres_url(target))
    from simulator.results.sqlite import SqliteStore

    return SqliteStore(target, create=create)


def open_for_reading(db: DbTarget | None = None) -> ResultsStore:
    """Open an existing results store to read it (reports, exports, the trainer screen).

    It is upgraded when it may be written; otherwise it is opened read-only
    (an SQLite file on a read-only share, a PostgreSQL role that may only
    read), as long as its schema is current.
    """
    target = resolve_target(db)
    if isinstance(target, str):
        from simulator.results.postgres import PostgresStore

        return PostgresStore(_postgres_url(target), for_reading=True)
    from simulator.results.sqlite import SqliteStore

    return SqliteStore.open_for_reading(target)
