"""The results store's errors: each message says what went wrong and what to do.

Every backend raises these and nothing else for a problem of the database
(a raw driver error never reaches a command); the CLI prints them as
``talkdown: error: … — …``.
"""

from __future__ import annotations

__all__ = [
    "AttemptClosedError",
    "AttemptNotFoundError",
    "ForeignDatabaseError",
    "ReadOnlyError",
    "SchemaError",
    "SchemaVersionError",
    "StoreBusyError",
    "StoreError",
    "StoreFault",
]


class StoreError(Exception):
    """A results-store problem with a message fit to show the user."""


class AttemptNotFoundError(StoreError, LookupError):
    """No attempt has the given uuid."""


class AttemptClosedError(StoreError):
    """The attempt is completed or abandoned and can no longer change."""


class StoreFault(StoreError):
    """The database itself failed (locked, read-only, full disk, damaged file, I/O
    error, a server that cannot be reached or refuses us).

    Unlike a refused record, retrying other work against it will not help.
    """


class StoreBusyError(StoreFault):
    """Another program held the database's write lock for longer than the busy timeout."""


class ReadOnlyError(StoreFault):
    """The database cannot be written here: it can still be opened read-only."""


class SchemaError(StoreError):
    """The database cannot be used with this version of talkdown."""


class SchemaVersionError(SchemaError):
    """The database was written by a newer talkdown (a higher schema version)."""

    def __init__(self, where: str, found: int, known: int) -> None:
        self.path = where
        self.found = found
        self.known = known
        super().__init__(
            f"{where}: the results database has schema version {found}, but this talkdown "
            f"only knows up to version {known} — upgrade talkdown to use it, or pass "
            "--db / TALKDOWN_DB to use another database"
        )


class ForeignDatabaseError(SchemaError):
    """The database exists, but is not a talkdown one."""

    def __init__(self, where: str, why: str) -> None:
        self.path = where
        self.why = why
        super().__init__(
            f"{where}: not a talkdown results database ({why}) — "
            "pass --db / TALKDOWN_DB to choose another database"
        )
