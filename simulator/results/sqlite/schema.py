"""The SQLite results database schema — the one module that owns it.

The schema is a list of migrations; migration *n* (1-based) takes the database
from ``PRAGMA user_version`` n-1 to n. `migrate` applies the missing ones in a
single ``BEGIN IMMEDIATE`` transaction, so concurrent first opens of a fresh
file are safe (the loser waits on the busy timeout, then finds nothing to do).
Never edit a released migration: append a new one.

Version 1 tables (columns beyond the shared contract are marked *extra*):

``trainees``
    ``id``, ``name``, ``cohort``, ``email`` (optional), ``created_at``;
    a trainee is the pair (name, cohort), unique.
``attempts``
    ``uuid`` (uuid4 text), ``trainee_id``, ``scenario_id``, ``scenario_title``,
    ``content_hash`` (sha256 hex of the scenario file bytes), ``mode``
    (practice | assessment | batch), ``timed_seconds`` (pressure-mode timer or
    NULL), ``start_node``, ``started_at``, ``finished_at``, ``status``
    (in_progress | completed | abandoned), ``ending`` (resolved | escalated |
    lost, set exactly when completed), ``ending_node`` (NULL on walkout),
    ``empathy``/``assertiveness``/``speed``/``overall`` (0–100, NULL = not
    assessed), ``passed`` (0/1), ``seconds`` (simulated call time so far),
    ``turns`` (replies recorded so far), ``app_version``, and
    *extra* ``updated_at`` — time of the last change (start, reply, finish,
    abandon, import): when the attempt was last touched, for "resume?" prompts
    and abandoned attempts' durations.
``choices``
    one row per reply: ``attempt_uuid``, ``seq`` (1-based, contiguous),
    ``node``, ``choice`` (1-based reply number, NULL = silence in pressure
    mode), ``say``, ``empathy``, ``assertiveness`` (the reply's raw points),
    ``tags`` (JSON array of strings), ``mood_before``, ``mood_after``,
    ``seconds`` (simulated), ``latency_ms`` (wall clock, NULL in batch),
    ``next_node`` (NULL when the reply ended the conversation), ``recorded_at``.

Version 2 (format 1.1: critical errors, outcome variants, shuffled replies):

``attempts``
    ``shuffle_seed`` (the per-attempt seed the replies were shuffled with;
    NULL = authored order), ``outcome`` (the outcome text shown at the end;
    NULL while unfinished or on a walkout), ``critical_count`` and
    ``critical`` (a JSON array of ``{"node", "choice", "reason"}``, one per
    critical reply, kept on the attempt so exports need not scan replies).
``choices``
    ``critical`` (why this reply fails the call, NULL when it does not) and
    ``shown`` (the 1-based position the reply was shown at; NULL when the
    replies were in authored order or for a silence). ``choice`` stays the
    authored reply number.

Version 3 (the results-store boundary):

``attempts``
    ``sins`` and ``techniques``: how often the replies so far carried each sin
    of service and each technique, as a JSON object ``{"robotism":2}`` (names
    sorted, ``{}`` when none). Kept on the attempt, in the same transaction as
    each reply, so exporting attempts never scans replies. The migration
    counts them for attempts already stored.

Version 4 (say mode: typed replies):

``attempts``
    ``matcher`` and ``matcher_version``: the reply matcher that heard the
    attempt's typed replies (``ngram``, ``1``); NULL when nothing was typed.
``choices``
    ``typed`` (what the trainee typed; NULL when the reply was picked — typed
    text is personal data, exported only with ``--include-typed``),
    ``matched`` (the authored number of the reply it was heard as; NULL when
    it could not be matched) and ``similarity`` (that best score, 0–1 on the
    matcher's own scale). The reply made stays in ``choice``: the trainee
    confirmed what was heard when ``choice`` = ``matched``, and overrode it
    otherwise. A partial index finds the typed replies for the report.

All times are UTC text in one fixed-width ISO 8601 form,
``YYYY-MM-DDTHH:MM:SS.ffffffZ``, so text order is time order.

The file is tagged with ``PRAGMA application_id`` = `APPLICATION_ID` so that
other SQLite files are refused instead of being migrated.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence

from simulator.results.errors import ForeignDatabaseError, SchemaError, SchemaVersionError

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ForeignDatabaseError",
    "SchemaError",
    "SchemaVersionError",
    "check_version",
    "migrate",
    "split_statements",
    "user_version",
]

#: "TDWN" — marks a talkdown results database.
APPLICATION_ID = 0x5444574E

_V1 = """
CREATE TABLE trainees (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    cohort      TEXT NOT NULL,
    email       TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (name, cohort)
);

CREATE TABLE attempts (
    uuid            TEXT PRIMARY KEY,
    trainee_id      INTEGER NOT NULL REFERENCES trainees (id),
    scenario_id     TEXT NOT NULL,
    scenario_title  TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    mode            TEXT NOT NULL CHECK (mode IN ('practice', 'assessment', 'batch')),
    timed_seconds   INTEGER CHECK (timed_seconds IS NULL OR timed_seconds > 0),
    start_node      TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL DEFAULT 'in_progress'
                    CHECK (status IN ('in_progress', 'completed', 'abandoned')),
    ending          TEXT CHECK (ending IS NULL OR ending IN ('resolved', 'escalated', 'lost')),
    ending_node     TEXT,
    empathy         REAL,
    assertiveness   REAL,
    speed           REAL,
    overall         REAL,
    passed          INTEGER CHECK (passed IS NULL OR passed IN (0, 1)),
    seconds         INTEGER NOT NULL DEFAULT 0,
    turns           INTEGER NOT NULL DEFAULT 0,
    app_version     TEXT,
    updated_at      TEXT NOT NULL,
    CHECK ((status = 'completed') = (ending IS NOT NULL))
);

CREATE INDEX attempts_trainee ON attempts (trainee_id);
CREATE INDEX attempts_scenario ON attempts (scenario_id, content_hash);
CREATE INDEX attempts_started ON attempts (started_at);
CREATE INDEX attempts_status ON attempts (status);

CREATE TABLE choices (
    attempt_uuid    TEXT NOT NULL REFERENCES attempts (uuid) ON DELETE CASCADE,
    seq             INTEGER NOT NULL CHECK (seq >= 1),
    node            TEXT NOT NULL,
    choice          INTEGER CHECK (choice IS NULL OR choice >= 1),
    say             TEXT NOT NULL,
    empathy         INTEGER NOT NULL,
    assertiveness   INTEGER NOT NULL,
    tags            TEXT NOT NULL DEFAULT '[]',
    mood_before     INTEGER NOT NULL,
    mood_after      INTEGER NOT NULL,
    seconds         INTEGER NOT NULL,
    latency_ms      REAL,
    next_node       TEXT,
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (attempt_uuid, seq)
);
"""

_V2 = """
ALTER TABLE attempts ADD COLUMN shuffle_seed INTEGER;
ALTER TABLE attempts ADD COLUMN outcome TEXT;
ALTER TABLE attempts ADD COLUMN critical_count INTEGER NOT NULL DEFAULT 0
    CHECK (critical_count >= 0);
ALTER TABLE attempts ADD COLUMN critical TEXT NOT NULL DEFAULT '[]';
ALTER TABLE choices ADD COLUMN critical TEXT;
ALTER TABLE choices ADD COLUMN shown INTEGER CHECK (shown IS NULL OR shown >= 1);
"""

# Version 3: per-attempt tag summaries, so exporting attempts never reads replies.
# The backfill counts each stored reply's tags; the vocabulary is spelled out
# (a released migration never changes, whatever tags.py becomes). It writes
# the form `simulator.results.rows.summary_json` writes: compact, names sorted.
_SINS_V3 = (
    "'apathy', 'brush-off', 'coldness', 'condescension', 'robotism', 'rule-book', 'runaround'"
)
_TECHNIQUES_V3 = (
    "'listen', 'acknowledge', 'apologise', 'take-ownership', 'mutual-ground',"
    " 'explain-decision', 'offer-options', 'set-timeline', 'ask-ideal-outcome',"
    " 'hold-boundary', 'follow-up', 'log-recurring'"
)


def _v3_summary(vocabulary: str) -> str:
    return (
        "(SELECT coalesce(json_group_object(tag, n), '{}') FROM ("
        " SELECT j.value AS tag, count(*) AS n FROM choices c, json_each(c.tags) j"
        f" WHERE c.attempt_uuid = attempts.uuid AND j.value IN ({vocabulary})"
        " GROUP BY j.value ORDER BY j.value))"
    )


_V3 = f"""
ALTER TABLE attempts ADD COLUMN sins TEXT NOT NULL DEFAULT '{{}}';
ALTER TABLE attempts ADD COLUMN techniques TEXT NOT NULL DEFAULT '{{}}';
UPDATE attempts SET sins = {_v3_summary(_SINS_V3)}, techniques = {_v3_summary(_TECHNIQUES_V3)}
WHERE turns > 0;
"""

_V4 = """
ALTER TABLE attempts ADD COLUMN matcher TEXT;
ALTER TABLE attempts ADD COLUMN matcher_version TEXT;
ALTER TABLE choices ADD COLUMN typed TEXT;
ALTER TABLE choices ADD COLUMN matched INTEGER CHECK (matched IS NULL OR matched >= 1);
ALTER TABLE choices ADD COLUMN similarity REAL
    CHECK (similarity IS NULL OR (similarity >= 0 AND similarity <= 1));
CREATE INDEX choices_typed ON choices (attempt_uuid) WHERE typed IS NOT NULL;
"""

#: Migration scripts; index i takes user_version i to i + 1. Append only.
MIGRATIONS: Sequence[str] = (_V1, _V2, _V3, _V4)

#: The schema version this code writes (and the newest it can read).
SCHEMA_VERSION = len(MIGRATIONS)


def split_statements(script: str) -> Iterator[str]:
    """Yield the complete SQL statements in *script* (semicolons in strings are safe)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement at end of script: {pending.strip()[:60]!r}")


def user_version(conn: sqlite3.Connection) -> int:
    """The database's ``PRAGMA user_version``."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _db_name(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row and row[2] else ":memory:"


def check_version(conn: sqlite3.Connection, path: str | None = None) -> int:
    """Raise if the database is foreign or newer than this code; return its version."""
    name = path or _db_name(conn)
    # One statement = one snapshot: another process may be migrating right now.
    found, app_id, tables = conn.execute(
        "SELECT (SELECT user_version FROM pragma_user_version),"
        " (SELECT application_id FROM pragma_application_id),"
        " (SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%')"
    ).fetchone()
    if app_id not in (0, APPLICATION_ID):
        raise ForeignDatabaseError(name, f"application_id {app_id:#x}")
    if found > len(MIGRATIONS):
        raise SchemaVersionError(name, found, len(MIGRATIONS))
    if found == 0 and tables:
        raise ForeignDatabaseError(name, "it already holds other tables")
    return int(found)


def migrate(conn: sqlite3.Connection, path: str | None = None) -> int:
    """Bring the database up to `SCHEMA_VERSION`; return how many migrations ran.

    *conn* must be in autocommit mode (``isolation_level=None``) and not inside a
    transaction. Everything happens in one ``BEGIN IMMEDIATE`` transaction: the
    version is re-read after the write lock is held, so a concurrent migrator's
    work is never repeated. Raises `SchemaVersionError` / `ForeignDatabaseError`.
    """
    known = len(MIGRATIONS)
    if check_version(conn, path) == known:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = check_version(conn, path)
        for version in range(current + 1, known + 1):
            for statement in split_statements(MIGRATIONS[version - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    return known - current
