"""The PostgreSQL backend's own guarantees: row locks, clean errors, no password shown.

The behaviour both backends share (records, resume, abandon, import, exports,
reports) is tested on both through the `results_backend` fixture; these are
what only a server has. Skipped without ``TALKDOWN_TEST_PG`` (tests/conftest.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.results import (
    DbTarget,
    SchemaVersionError,
    StoreBusyError,
    StoreFault,
    open_store,
)
from simulator.results.postgres import PostgresUrl
from simulator.results.postgres import store as pg_store
from tests.conftest import PG_SKIP, pg_server

pytestmark = pytest.mark.postgresql

HASH = "a" * 64


@pytest.fixture
def target(new_store_target: Any, results_backend: str) -> DbTarget:
    if results_backend != "postgresql":
        pytest.skip("PostgreSQL only")
    target: DbTarget = new_store_target()
    return target


@pytest.fixture(params=["postgresql"])
def results_backend(request: pytest.FixtureRequest) -> str:
    if pg_server() is None:
        pytest.skip(PG_SKIP)
    return str(request.param)


@pytest.fixture
def raw(target: DbTarget) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(str(target), autocommit=True) as conn:
        yield conn


def start(store: Any) -> str:
    return str(store.start_attempt(
        name="Ann", cohort="c1", scenario_id="late-parcel", scenario_title="T",
        content_hash=HASH, mode="practice", start_node="opening",
    ))  # fmt: skip


def reply(store: Any, uuid: str, seq: int) -> None:
    store.record_choice(
        uuid, seq=seq, node=f"n{seq}", choice=1, say="Hi", empathy=1, assertiveness=0,
        tags=["acknowledge"], mood_before=50, mood_after=40, seconds=10, latency_ms=None,
        next_node=None,
    )  # fmt: skip


def test_a_reply_waits_for_the_row_lock_on_its_attempt(target: DbTarget, raw: Any) -> None:
    """Where SQLite queues writers on BEGIN IMMEDIATE, PostgreSQL queues on the attempt's row."""
    with open_store(target) as store:
        uuid = start(store)
        raw.execute("BEGIN")
        raw.execute("SELECT 1 FROM attempts WHERE uuid = %s FOR UPDATE", (uuid,))
        timer = threading.Timer(0.5, lambda: raw.execute("COMMIT"))
        timer.start()
        began = time.monotonic()
        reply(store, uuid, 1)
        waited = time.monotonic() - began
        timer.join()
        assert waited >= 0.4
        attempt = store.get_attempt(uuid)
        assert attempt is not None and attempt.turns == 1


def test_another_attempt_is_not_held_up_by_that_lock(target: DbTarget, raw: Any) -> None:
    with open_store(target) as store:
        locked, free = start(store), start(store)
        raw.execute("BEGIN")
        raw.execute("SELECT 1 FROM attempts WHERE uuid = %s FOR UPDATE", (locked,))
        try:
            began = time.monotonic()
            reply(store, free, 1)  # a different row: no wait
            assert time.monotonic() - began < 5
        finally:
            raw.execute("ROLLBACK")


def test_a_lock_held_too_long_is_a_clean_busy_error(
    target: DbTarget, raw: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_store, "BUSY_TIMEOUT_S", 0.3)
    with open_store(target) as store:
        uuid = start(store)
        raw.execute("BEGIN")
        raw.execute("SELECT 1 FROM attempts WHERE uuid = %s FOR UPDATE", (uuid,))
        try:
            with pytest.raises(StoreBusyError, match="is busy: another program kept an attempt"):
                reply(store, uuid, 1)
        finally:
            raw.execute("ROLLBACK")
        reply(store, uuid, 1)  # nothing was half-written: reply 1 is still the next
        assert [c.seq for c in store.get_choices(uuid)] == [1]


def test_a_newer_schema_is_refused(target: DbTarget, raw: Any) -> None:
    open_store(target).close()
    raw.execute("UPDATE talkdown_schema SET version = 99")
    with pytest.raises(SchemaVersionError, match="only knows up to version 4 — upgrade talkdown"):
        open_store(target)


def test_another_applications_tables_are_refused(target: DbTarget, raw: Any) -> None:
    raw.execute("CREATE TABLE attempts (id integer)")
    result = CliRunner().invoke(cli, ["report", "--db", str(target)])
    assert result.exit_code == 1
    assert "not a talkdown results database (it already holds other tables" in result.stderr
    assert "Traceback" not in result.output


def test_the_password_is_never_shown() -> None:
    """A wrong password, an unreachable server: the message names the server, not the secret."""
    url = "postgresql://trainer:s3cr%21t-Pa55@127.0.0.1:1/results?password=also-s3cret"
    parsed = PostgresUrl.parse(url)
    assert parsed.shown == "postgresql://trainer@127.0.0.1:1/results"
    assert parsed.scrub(f"failed for {url}: s3cr!t-Pa55, also-s3cret") == (
        f"failed for {parsed.shown}: ***, ***"
    )
    with pytest.raises(StoreFault) as caught:
        open_store(url)
    message = str(caught.value)
    assert "cannot reach the results database postgresql://trainer@127.0.0.1:1/results" in message
    for secret in ("s3cr", "Pa55", "also-s3cret"):
        assert secret not in message
    result = CliRunner().invoke(cli, ["export", "--db", url])
    assert result.exit_code == 1 and result.stderr.startswith("talkdown: error: cannot reach")
    assert "s3cr" not in result.output and "Pa55" not in result.output


def test_a_file_path_never_reaches_the_postgres_backend(tmp_path: Any) -> None:
    # A path that merely contains "postgresql" is a file; the URL keeps its "//".
    path = tmp_path / "postgresql" / "r.db"
    with open_store(path) as store:
        assert store.path == path
    result = CliRunner().invoke(cli, ["export", "--db", "postgresql:///nowhere?host=/nowhere"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "talkdown: error: cannot reach the results database postgresql:///nowhere?host=/nowhere ("
    )
