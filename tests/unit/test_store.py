"""Unit tests for the SQLite results store (simulator.results.sqlite) and its schema."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from simulator.results import DbTarget, Filters, open_store
from simulator.results import sql as sql_mod
from simulator.results.sqlite import schema as schema_sql
from simulator.results.sqlite import store as store_mod
from simulator.store import (
    AttemptClosedError,
    AttemptNotFoundError,
    ForeignDatabaseError,
    ScenarioStats,
    SchemaVersionError,
    Store,
    StoreBusyError,
    StoreError,
    format_utc,
    parse_utc,
)

HASH_A = "a" * 64
UUID_A = "00000000-0000-4000-8000-00000000000a"
HASH_B = "b" * 64
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKDOWN_HOME", str(tmp_path / "home"))
    for name in ("TALKDOWN_DB", "TALKDOWN_TRAINEE", "TALKDOWN_COHORT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "results" / "talkdown.db"


@pytest.fixture
def sqlite_store(db_path: Path) -> Iterator[Store]:
    """The SQLite backend itself (tests of the file, its pragmas and its locking)."""
    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def store(store_target: DbTarget) -> Iterator[Store]:
    """A fresh store on each backend: the behaviour tests run on SQLite and PostgreSQL."""
    with open_store(store_target) as opened:
        yield opened  # type: ignore[misc]  # a ResultsStore; SQLite-only tests use Store()


def start(store: Store, **overrides: Any) -> str:
    args: dict[str, Any] = {
        "name": "Ann",
        "cohort": "c1",
        "scenario_id": "late-parcel",
        "scenario_title": "The late parcel",
        "content_hash": HASH_A,
        "mode": "practice",
        "start_node": "opening",
    }
    args.update(overrides)
    return store.start_attempt(**args)


def reply(store: Store, uuid: str, seq: int, **overrides: Any) -> None:
    args: dict[str, Any] = {
        "seq": seq,
        "node": f"n{seq}",
        "choice": 1,
        "say": "I'm sorry — let me look.",
        "empathy": 2,
        "assertiveness": 1,
        "tags": ["acknowledge", "apologise"],
        "mood_before": 70,
        "mood_after": 60,
        "seconds": 20,
        "latency_ms": 1234.5,
        "next_node": f"n{seq + 1}",
    }
    args.update(overrides)
    store.record_choice(uuid, **args)


def finish(store: Store, uuid: str, **overrides: Any) -> None:
    args: dict[str, Any] = {
        "ending": "resolved",
        "ending_node": "thanks",
        "empathy": 80.0,
        "assertiveness": 70.0,
        "speed": 90.0,
        "overall": 80.0,
        "passed": True,
    }
    args.update(overrides)
    store.finish_attempt(uuid, **args)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


# --------------------------------------------------------------------------- schema


def test_fresh_database_is_migrated_and_configured(sqlite_store: Store, db_path: Path) -> None:
    conn = sqlite_store._conn
    assert schema_sql.user_version(conn) == schema_sql.SCHEMA_VERSION == 4
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema_sql.APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"trainees", "attempts", "choices"} <= tables
    indexes = {
        tuple(c[2] for c in conn.execute(f"PRAGMA index_info({name!r})"))
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attempts'"
        )
    }
    assert {("trainee_id",), ("scenario_id", "content_hash"), ("started_at",), ("status",)} <= (
        indexes
    )
    assert db_path.is_file()


def test_contract_columns_exist(sqlite_store: Store) -> None:
    def columns(table: str) -> set[str]:
        return {r[1] for r in sqlite_store._conn.execute(f"PRAGMA table_info({table})")}

    assert columns("trainees") >= {"id", "name", "cohort", "email", "created_at"}
    assert columns("attempts") >= {
        "uuid",
        "trainee_id",
        "scenario_id",
        "scenario_title",
        "content_hash",
        "mode",
        "timed_seconds",
        "start_node",
        "started_at",
        "finished_at",
        "status",
        "ending",
        "ending_node",
        "empathy",
        "assertiveness",
        "speed",
        "overall",
        "passed",
        "seconds",
        "turns",
        "app_version",
    }
    assert columns("choices") >= {
        "attempt_uuid",
        "seq",
        "node",
        "choice",
        "say",
        "empathy",
        "assertiveness",
        "tags",
        "mood_before",
        "mood_after",
        "seconds",
        "latency_ms",
        "next_node",
        "recorded_at",
    }


def test_reopening_does_not_migrate_again(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(db_path) as first:
        uuid = start(first)
    # Were any migration run again it would fail: the scripts are no longer valid SQL.
    monkeypatch.setattr(schema_sql, "MIGRATIONS", ("THIS IS NOT SQL;",) * 4)
    with Store(db_path) as again:
        assert again.get_attempt(uuid) is not None
        assert schema_sql.migrate(again._conn) == 0
        assert schema_sql.user_version(again._conn) == 4


def test_new_migration_is_applied_once_on_open(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(db_path) as first:
        uuid = start(first)
    extra = "CREATE TABLE notes (attempt_uuid TEXT, note TEXT DEFAULT 'a;b');"
    monkeypatch.setattr(schema_sql, "MIGRATIONS", (*schema_sql.MIGRATIONS, extra))
    with Store(db_path) as upgraded:
        assert schema_sql.user_version(upgraded._conn) == 5
        assert upgraded._conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
        assert upgraded.get_attempt(uuid) is not None
    with Store(db_path) as again:
        assert schema_sql.migrate(again._conn) == 0


def test_failed_migration_leaves_database_untouched(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(db_path):
        pass
    broken = "CREATE TABLE half (x INTEGER); INSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(schema_sql, "MIGRATIONS", (*schema_sql.MIGRATIONS, broken))
    with pytest.raises(StoreError, match="no_such_table"):
        Store(db_path)
    conn = raw(db_path)
    assert schema_sql.user_version(conn) == 4
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half'").fetchone()[0] == 0
    conn.close()


def test_newer_database_gives_clear_error(db_path: Path) -> None:
    with Store(db_path):
        pass
    conn = raw(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(SchemaVersionError) as caught:
        Store(db_path)
    message = str(caught.value)
    assert str(db_path) in message
    assert "99" in message and "version 4" in message and "— upgrade talkdown" in message
    assert isinstance(caught.value, StoreError)
    assert (caught.value.found, caught.value.known) == (99, 4)


def test_a_version_1_database_gains_the_format_1_1_columns(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = raw(db_path)
    with monkeypatch.context() as m:
        m.setattr(schema_sql, "MIGRATIONS", schema_sql.MIGRATIONS[:1])
        schema_sql.migrate(conn)
    stamp = "2024-03-01T09:00:00.000000Z"
    conn.execute("INSERT INTO trainees VALUES (1, 'Ann', 'c1', NULL, ?)", (stamp,))
    conn.execute(
        "INSERT INTO attempts (uuid, trainee_id, scenario_id, scenario_title, content_hash,"
        " mode, start_node, started_at, updated_at, turns, seconds)"
        " VALUES (?, 1, 's', 'S', 'h', 'practice', 'a', ?, ?, 1, 20)",
        (UUID_A, stamp, stamp),
    )
    conn.execute(
        "INSERT INTO choices VALUES (?, 1, 'a', 2, 'Hi', 1, 0, '[]', 50, 40, 20, NULL, 'b', ?)",
        (UUID_A, stamp),
    )
    conn.close()
    with Store(db_path) as upgraded:
        assert schema_sql.user_version(upgraded._conn) == 4
        attempt = upgraded.get_attempt(UUID_A)
        assert attempt is not None and attempt.turns == 1
        assert (attempt.shuffle_seed, attempt.outcome, attempt.critical) == (None, None, ())
        (row,) = upgraded.get_choices(UUID_A)
        assert (row.choice, row.critical, row.shown) == (2, None, None)


def test_critical_replies_are_summarised_on_the_attempt_and_fail_it(store: Store) -> None:
    uuid = start(store, shuffle_seed=1234)
    reply(store, uuid, 1, shown=3)
    reply(store, uuid, 2, choice=2, shown=1, critical="skipped the identity check")
    reply(store, uuid, 3, choice=4, critical="promised money beyond authority")
    finish(store, uuid, passed=True, outcome="Card unblocked without a check.")
    attempt = store.get_attempt(uuid)
    assert attempt is not None
    assert attempt.shuffle_seed == 1234
    assert attempt.outcome == "Card unblocked without a check."
    assert [(c.node, c.choice, c.reason) for c in attempt.critical] == [
        ("n2", 2, "skipped the identity check"),
        ("n3", 4, "promised money beyond authority"),
    ]
    assert attempt.passed is False  # a critical reply fails the call, whatever was passed in
    rows = store.get_choices(uuid)
    assert [(r.choice, r.shown, r.critical) for r in rows] == [
        (1, 3, None),
        (2, 1, "skipped the identity check"),
        (4, None, "promised money beyond authority"),
    ]


def test_a_silence_cannot_be_critical(store: Store) -> None:
    uuid = start(store)
    with pytest.raises(ValueError, match="critical reason needs a reply"):
        reply(store, uuid, 1, choice=None, critical="said nothing")


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = raw(other)
    conn.execute("CREATE TABLE attempts (x INTEGER)")
    conn.close()
    with pytest.raises(ForeignDatabaseError, match="not a talkdown results database"):
        Store(other)
    assert raw(other).execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 1


def test_non_database_file_is_a_store_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all " * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        Store(junk)


def test_create_false_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no results database"):
        Store(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_split_statements_respects_quotes() -> None:
    script = "CREATE TABLE t (x TEXT DEFAULT ';');\n\nINSERT INTO t VALUES ('a;b');\n"
    assert list(schema_sql.split_statements(script)) == [
        "CREATE TABLE t (x TEXT DEFAULT ';');",
        "INSERT INTO t VALUES ('a;b');",
    ]
    with pytest.raises(ValueError, match="incomplete"):
        list(schema_sql.split_statements("SELECT 1; SELECT 'oops"))


def test_memory_database(monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(":memory:") as mem:
        uuid = start(mem)
        assert mem.path is None
        assert mem.get_attempt(uuid) is not None


def test_open_default_honours_db_env_then_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open_default() as default:
        assert default.path == tmp_path / "home" / "data" / "talkdown.db"
    monkeypatch.setenv("TALKDOWN_DB", str(tmp_path / "env.db"))
    with Store.open_default() as from_env:
        assert from_env.path == tmp_path / "env.db"
    with Store.open_default(tmp_path / "cli" / "x.db") as from_cli:
        assert from_cli.path == tmp_path / "cli" / "x.db"
    assert (tmp_path / "cli" / "x.db").is_file()


def test_close_is_idempotent(db_path: Path) -> None:
    opened = Store(db_path)
    opened.close()
    opened.close()  # a second close is harmless...
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened.trainee_id("Ana", "C1")  # ...and the store really is closed


# --------------------------------------------------------------------------- trainees


def test_trainee_get_or_create_is_idempotent(store: Store) -> None:
    first = store.trainee_id("Ann", "c1")
    assert store.trainee_id("Ann", "c1") == first
    assert store.trainee_id("Ann", "c2") != first
    assert store.trainee_id("Bob", "c1") not in (first,)
    assert store.trainee_id("Ann", "c1", email="ann@example.com") == first
    assert store.trainee_id("Ann", "c1") == first  # no e-mail given: the stored one stays
    rows = store.trainees(cohort="c1")
    assert [(r.name, r.cohort, r.email) for r in rows] == [
        ("Ann", "c1", "ann@example.com"),
        ("Bob", "c1", None),
    ]
    assert len(store.trainees()) == 3
    assert all(r.created_at.tzinfo is UTC for r in rows)


def test_trainee_names_are_exact(store: Store) -> None:
    odd = 'Zoë "Z" O\'Neil \\ 学生'
    ident = store.trainee_id(odd, "c1")
    assert store.trainee_id(odd, "c1") == ident
    assert store.trainees()[0].name == odd
    with pytest.raises(ValueError):
        store.trainee_id("  ", "c1")


# --------------------------------------------------------------------------- lifecycle


def test_attempt_lifecycle(store: Store) -> None:
    uuid = start(store, timed_seconds=15, email="ann@example.com", started_at=T0)
    row = store.get_attempt(uuid)
    assert row is not None
    assert (row.trainee, row.cohort, row.email) == ("Ann", "c1", "ann@example.com")
    assert (row.status, row.turns, row.seconds, row.timed_seconds) == ("in_progress", 0, 0, 15)
    assert (row.ending, row.finished_at, row.passed, row.overall) == (None, None, None, None)
    assert row.started_at == T0 and row.app_version
    assert row.duration is None

    reply(store, uuid, 1, recorded_at=T0 + timedelta(seconds=5))
    reply(
        store,
        uuid,
        2,
        choice=None,
        say="",
        empathy=0,
        assertiveness=0,
        tags=["apathy"],
        mood_before=60,
        mood_after=70,
        seconds=15,
        latency_ms=None,
        next_node="n2",
    )
    reply(store, uuid, 3, seconds=30, next_node=None)
    row = store.get_attempt(uuid)
    assert row is not None and (row.turns, row.seconds, row.status) == (3, 65, "in_progress")

    choices = store.get_choices(uuid)
    assert [c.seq for c in choices] == [1, 2, 3]
    assert choices[0].tags == ("acknowledge", "apologise")
    assert choices[0].recorded_at == T0 + timedelta(seconds=5)
    assert choices[0].latency_ms == 1234.5 and choices[0].choice == 1
    assert (choices[1].choice, choices[1].latency_ms, choices[1].tags) == (None, None, ("apathy",))
    assert choices[2].next_node is None
    assert store.unfinished_attempts("Ann", "c1") == [row]

    done = T0 + timedelta(minutes=3)
    finish(
        store, uuid, ending_node=None, ending="lost", empathy=None, passed=False, finished_at=done
    )
    row = store.get_attempt(uuid)
    assert row is not None
    assert (row.status, row.ending, row.ending_node, row.passed) == (
        "completed",
        "lost",
        None,
        False,
    )
    assert (row.empathy, row.assertiveness, row.speed, row.overall) == (None, 70.0, 90.0, 80.0)
    assert row.finished_at == done and row.duration == timedelta(minutes=3)
    assert store.unfinished_attempts("Ann", "c1") == []

    with pytest.raises(AttemptClosedError):
        reply(store, uuid, 4)
    with pytest.raises(AttemptClosedError):
        finish(store, uuid)
    store.abandon_attempt(uuid)  # a completed attempt stays completed
    assert store.get_attempt(uuid).status == "completed"  # type: ignore[union-attr]


def test_abandon(store: Store) -> None:
    uuid = start(store)
    reply(store, uuid, 1)
    store.abandon_attempt(uuid)
    row = store.get_attempt(uuid)
    assert row is not None
    assert (row.status, row.finished_at, row.ending, row.turns) == ("abandoned", None, None, 1)
    assert row.updated_at >= row.started_at
    assert store.unfinished_attempts("Ann", "c1") == []
    store.abandon_attempt(uuid)  # idempotent
    with pytest.raises(AttemptClosedError):
        reply(store, uuid, 2)
    with pytest.raises(AttemptNotFoundError):
        store.abandon_attempt("00000000-0000-4000-8000-000000000000")


def test_record_choice_sequence_rules(store: Store) -> None:
    uuid = start(store)
    with pytest.raises(StoreError, match="next one is 1, not 2"):
        reply(store, uuid, 2)
    reply(store, uuid, 1)
    reply(store, uuid, 1)  # identical retry: no-op
    with pytest.raises(StoreError, match="already has reply 1"):
        reply(store, uuid, 1, choice=2)
    assert store.get_attempt(uuid).turns == 1  # type: ignore[union-attr]
    assert len(store.get_choices(uuid)) == 1
    with pytest.raises(AttemptNotFoundError):
        reply(store, "00000000-0000-4000-8000-000000000000", 1)
    with pytest.raises(TypeError):
        reply(store, uuid, 2, tags="listen")
    with pytest.raises(ValueError):
        reply(store, uuid, 2, choice=0)
    with pytest.raises(ValueError):
        reply(store, uuid, 0)


def test_start_attempt_validation(store: Store) -> None:
    with pytest.raises(ValueError, match="mode"):
        start(store, mode="exam")
    with pytest.raises(ValueError, match="timed_seconds"):
        start(store, timed_seconds=0)
    with pytest.raises(ValueError, match="uuid"):
        start(store, uuid="not-a-uuid")
    fixed = start(store, uuid="12345678-1234-4234-8234-1234567890AB")
    assert fixed == "12345678-1234-4234-8234-1234567890ab"
    with pytest.raises(StoreError, match="already exists"):
        start(store, uuid=fixed)
    with pytest.raises(ValueError, match="ending"):
        finish(store, fixed, ending="happy")
    with pytest.raises(ValueError, match="overall"):
        finish(store, fixed, overall=float("nan"))
    assert store.get_attempt(fixed).status == "in_progress"  # type: ignore[union-attr]


def test_unfinished_attempts_newest_first_for_that_trainee(store: Store) -> None:
    old = start(store, started_at=T0)
    new = start(store, started_at=T0 + timedelta(hours=1))
    done = start(store, started_at=T0 + timedelta(hours=2))
    finish(store, done)
    start(store, name="Bob")
    start(store, cohort="c2")
    assert [a.uuid for a in store.unfinished_attempts("Ann", "c1")] == [new, old]
    assert store.unfinished_attempts("Nobody", "c1") == []


# --------------------------------------------------------------------------- stats


def test_scenario_stats_match_hand_computed_values(store: Store) -> None:
    def completed(overall: float, passed: bool, **kw: Any) -> None:
        uuid = start(store, **kw)
        reply(store, uuid, 1)
        finish(
            store, uuid, overall=overall, passed=passed, finished_at=T0 + timedelta(days=overall)
        )

    completed(60.0, False)
    completed(85.5, True, content_hash=HASH_B)  # another version of the same scenario
    completed(72.0, True, mode="assessment")
    start(store)  # in progress: not counted
    store.abandon_attempt(start(store))  # abandoned: not counted
    completed(40.0, False, scenario_id="refund")
    completed(99.0, True, name="Bob")  # another trainee
    completed(95.0, True, cohort="c2")  # same name, another cohort

    stats = store.scenario_stats("Ann", "c1")
    assert stats == {
        "late-parcel": ScenarioStats(
            "late-parcel",
            attempts=3,
            passes=2,
            best_overall=85.5,
            last_finished_at=T0 + timedelta(days=85.5),
        ),
        "refund": ScenarioStats(
            "refund",
            attempts=1,
            passes=0,
            best_overall=40.0,
            last_finished_at=T0 + timedelta(days=40),
        ),
    }
    assessed = store.scenario_stats("Ann", "c1", mode="assessment")
    assert assessed["late-parcel"].attempts == 1 and assessed["late-parcel"].passes == 1
    assert "refund" not in assessed
    assert store.scenario_stats("Nobody", "c1") == {}


# --------------------------------------------------------------------------- iter_attempts


@pytest.fixture
def populated(store: Store) -> dict[str, str]:
    """Six attempts over two cohorts, three trainees, two scenarios, three statuses."""
    ids = {
        "ann1": start(store, started_at=T0),
        "ann2": start(store, scenario_id="refund", started_at=T0 + timedelta(days=1)),
        "bob1": start(store, name="Bob", started_at=T0 + timedelta(days=2)),
        "cat1": start(store, name="Cat", cohort="c2", started_at=T0 + timedelta(days=3)),
        "cat2": start(
            store,
            name="Cat",
            cohort="c2",
            scenario_id="refund",
            mode="batch",
            started_at=T0 + timedelta(days=4),
        ),
        "ann3": start(store, cohort="c2", started_at=T0 + timedelta(days=5)),
    }
    finish(store, ids["ann1"])
    finish(store, ids["cat2"])
    store.abandon_attempt(ids["bob1"])
    return ids


def _keys(store: Store, ids: dict[str, str], **filters: Any) -> list[str]:
    names = {v: k for k, v in ids.items()}
    return [names[a.uuid] for a in store.iter_attempts(**filters)]


def test_iter_attempts_unfiltered_in_start_order(store: Store, populated: dict[str, str]) -> None:
    assert _keys(store, populated) == ["ann1", "ann2", "bob1", "cat1", "cat2", "ann3"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"cohort": "c1"}, ["ann1", "ann2", "bob1"]),
        ({"cohort": "c2"}, ["cat1", "cat2", "ann3"]),
        ({"trainee": "Ann"}, ["ann1", "ann2", "ann3"]),
        ({"trainee": "Ann", "cohort": "c1"}, ["ann1", "ann2"]),
        ({"scenario": "refund"}, ["ann2", "cat2"]),
        ({"status": "completed"}, ["ann1", "cat2"]),
        ({"status": "abandoned"}, ["bob1"]),
        ({"status": "in_progress"}, ["ann2", "cat1", "ann3"]),
        ({"mode": "batch"}, ["cat2"]),
        ({"since": T0 + timedelta(days=3)}, ["cat1", "cat2", "ann3"]),
        ({"since": datetime(2024, 3, 4, 9, 0)}, ["cat1", "cat2", "ann3"]),  # naive = UTC
        (
            {"since": datetime(2024, 3, 4, 11, 0, tzinfo=timezone(timedelta(hours=2)))},
            ["cat1", "cat2", "ann3"],
        ),
        ({"since": T0 + timedelta(days=3, microseconds=1)}, ["cat2", "ann3"]),
        ({"cohort": "c2", "scenario": "refund", "status": "completed"}, ["cat2"]),
        ({"trainee": "Nobody"}, []),
    ],
)
def test_iter_attempts_filters(
    store: Store, populated: dict[str, str], filters: dict[str, Any], expected: list[str]
) -> None:
    assert _keys(store, populated, **filters) == expected


def test_iter_attempts_validates_eagerly(store: Store) -> None:
    with pytest.raises(ValueError, match="status"):
        store.iter_attempts(status="done")


def test_iter_attempts_pages_with_ties(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_mod, "_PAGE", 3)
    uuids = [start(store, started_at=T0 + timedelta(hours=i // 4)) for i in range(11)]
    expected = sorted(uuids, key=lambda u: (store.get_attempt(u).started_at, u))  # type: ignore[union-attr]
    seen = list(store.iter_attempts())
    assert [a.uuid for a in seen] == expected
    # A write between pages does not upset the iteration.
    it = store.iter_attempts()
    first = next(it)
    finish(store, first.uuid)
    assert [first.uuid] + [a.uuid for a in it] == expected


# --------------------------------------------------------------------------- time


def test_datetimes_round_trip_as_utc(store: Store) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2024, 7, 1, 12, 0, 0, 123456, tzinfo=india)
    uuid = start(store, started_at=local)
    reply(store, uuid, 1, recorded_at=datetime(2024, 7, 1, 6, 31))  # naive = UTC
    finish(store, uuid, finished_at=datetime(2024, 7, 1, 6, 45, tzinfo=UTC))
    row = store.get_attempt(uuid)
    assert row is not None
    assert row.started_at == local and row.started_at.tzinfo is UTC
    assert row.started_at == datetime(2024, 7, 1, 6, 30, 0, 123456, tzinfo=UTC)
    assert store.get_choices(uuid)[0].recorded_at == datetime(2024, 7, 1, 6, 31, tzinfo=UTC)
    with store.snapshot() as view:  # as exported: the stored UTC text, on every backend
        (record,) = view.attempts(Filters())
    assert (record.started_at, record.finished_at) == (
        "2024-07-01T06:30:00.123456Z",
        "2024-07-01T06:45:00.000000Z",
    )
    # default times are "now", in UTC
    now_uuid = start(store)
    now_row = store.get_attempt(now_uuid)
    assert now_row is not None and now_row.started_at.tzinfo is UTC
    assert abs(now_row.started_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_format_and_parse_utc() -> None:
    moment = datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert format_utc(moment) == "0999-01-02T03:04:05.000000Z"
    assert parse_utc(format_utc(moment)) == moment
    assert parse_utc("2024-01-01T00:00:00+02:00") == datetime(2023, 12, 31, 22, tzinfo=UTC)
    assert parse_utc("2024-01-01").tzinfo is UTC


# --------------------------------------------------------------------------- threads, import


def test_one_store_shared_by_threads(store: Store) -> None:
    errors: list[BaseException] = []

    def play(i: int) -> None:
        try:
            uuid = start(store, name=f"t{i}")
            for seq in range(1, 21):
                reply(store, uuid, seq)
            finish(store, uuid)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = list(store.iter_attempts(status="completed"))
    assert len(rows) == 4 and all(r.turns == 20 for r in rows)


def test_import_attempt_merges_by_uuid(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as here, Store(tmp_path / "b.db") as there:
        uuid = start(there, email="ann@example.com", started_at=T0)
        reply(there, uuid, 1)
        partial = there.get_attempt(uuid)
        partial_choices = there.get_choices(uuid)
        assert partial is not None
        here.trainee_id("Someone", "else")  # so local trainee ids differ

        assert here.import_attempt(partial, partial_choices) == "inserted"
        assert here.import_attempt(partial, partial_choices) == "identical"
        mine = here.get_attempt(uuid)
        assert mine is not None and mine.trainee_id != partial.trainee_id
        assert here.get_choices(uuid) == partial_choices

        reply(there, uuid, 2, tags=[])
        finish(there, uuid)
        done = there.get_attempt(uuid)
        assert done is not None
        assert here.import_attempt(done, there.get_choices(uuid)) == "replaced"
        assert here.get_attempt(uuid) == done.__class__(
            **{**_fields(done), "trainee_id": mine.trainee_id}
        )
        assert here.get_choices(uuid) == there.get_choices(uuid)
        assert here.import_attempt(done, there.get_choices(uuid)) == "identical"
        # the older, in-progress copy never overwrites the finished one
        assert here.import_attempt(partial, partial_choices) == "conflict"
        assert here.get_attempt(uuid).status == "completed"  # type: ignore[union-attr]


def _fields(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


# --------------------------------------------------------------------------- locking


def test_writer_waits_for_another_writer(sqlite_store: Store, db_path: Path) -> None:
    uuid = start(sqlite_store)
    other = raw(db_path)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock ...
    timer = threading.Timer(0.5, lambda: other.execute("COMMIT"))  # ... for half a second
    timer.start()
    began = datetime.now(UTC)
    reply(sqlite_store, uuid, 1)  # queues on the busy timeout instead of failing
    waited = datetime.now(UTC) - began
    timer.join()
    other.close()
    assert waited >= timedelta(seconds=0.4)
    assert sqlite_store.get_attempt(uuid).turns == 1  # type: ignore[union-attr]


def test_lock_held_too_long_is_a_clear_error(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.05)
    monkeypatch.setattr(store_mod, "LOCK_RETRIES", 2)
    monkeypatch.setattr(time, "sleep", lambda _s: None)
    with Store(db_path) as impatient:
        uuid = start(impatient)
        other = raw(db_path)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreBusyError, match=r"is locked.* — close it or wait"):
                reply(impatient, uuid, 1)
        finally:
            other.execute("ROLLBACK")
            other.close()
        reply(impatient, uuid, 1)  # nothing half-written; the store is usable again
        assert impatient.get_attempt(uuid).turns == 1  # type: ignore[union-attr]


def test_locked_errors_are_retried_with_backoff(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    calls = iter([sqlite3.OperationalError("database is locked")] * 3)

    def flaky() -> str:
        for exc in calls:
            raise exc
        return "done"

    assert sqlite_store._retry(flaky) == "done"
    assert len(sleeps) == 3 and sleeps[0] < sleeps[2]

    def broken() -> None:
        raise sqlite3.OperationalError("no such table: nope")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        sqlite_store._retry(broken)
    assert len(sleeps) == 3  # other errors are not retried


def test_a_version_2_database_gains_the_tag_summaries(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema v3 keeps sins and techniques counts on the attempt; the migration backfills them.

    Worked by hand from the replies inserted below: reply 1 carries robotism and
    acknowledge, reply 2 robotism and runaround, reply 3 no tag at all — so
    robotism 2, runaround 1; acknowledge 1. The second attempt has no reply: {}.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = raw(db_path)
    with monkeypatch.context() as m:
        m.setattr(schema_sql, "MIGRATIONS", schema_sql.MIGRATIONS[:2])
        schema_sql.migrate(conn)
    assert schema_sql.user_version(conn) == 2
    stamp = "2024-03-01T09:00:00.000000Z"
    conn.execute("INSERT INTO trainees VALUES (1, 'Ann', 'c1', NULL, ?)", (stamp,))
    for uuid, turns in ((UUID_A, 3), ("00000000-0000-4000-8000-00000000000b", 0)):
        conn.execute(
            "INSERT INTO attempts (uuid, trainee_id, scenario_id, scenario_title, content_hash,"
            " mode, start_node, started_at, updated_at, turns, seconds)"
            " VALUES (?, 1, 's', 'S', 'h', 'practice', 'a', ?, ?, ?, 0)",
            (uuid, stamp, stamp, turns),
        )
    for seq, tags in enumerate(
        ('["robotism", "acknowledge"]', '["robotism", "runaround"]', "[]"), start=1
    ):
        conn.execute(
            "INSERT INTO choices (attempt_uuid, seq, node, choice, say, empathy, assertiveness,"
            " tags, mood_before, mood_after, seconds, recorded_at)"
            " VALUES (?, ?, 'a', 1, 'Hi', 0, 0, ?, 50, 50, 10, ?)",
            (UUID_A, seq, tags, stamp),
        )
    conn.close()
    with Store(db_path) as upgraded:
        assert schema_sql.user_version(upgraded._conn) == 4
        attempt = upgraded.get_attempt(UUID_A)
        assert attempt is not None
        assert attempt.sins == (("robotism", 2), ("runaround", 1))
        assert attempt.techniques == (("acknowledge", 1),)
        empty = upgraded.get_attempt("00000000-0000-4000-8000-00000000000b")
        assert empty is not None and (empty.sins, empty.techniques) == ((), ())
        # The backfill wrote the very text a live reply writes (compact, sorted).
        stored = upgraded._conn.execute(
            "SELECT sins, techniques FROM attempts WHERE uuid = ?", (UUID_A,)
        ).fetchone()
        assert stored == ('{"robotism":2,"runaround":1}', '{"acknowledge":1}')
