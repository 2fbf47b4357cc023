"""The results store across real processes: many writers at once, and killed writers."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulator.results import DbTarget, open_store

REPO = Path(__file__).resolve().parents[2]

# Shared by the child scripts: a full attempt is start + N replies (+ finish).
PRELUDE = """
import sys, time
from pathlib import Path
from simulator.results import open_store

def play(store, name, replies, *, finish=True, index=0):
    uuid = store.start_attempt(
        name=name, cohort="load", scenario_id=f"scenario-{index % 3}",
        scenario_title="Load test", content_hash="c" * 64, mode="batch",
        start_node="opening",
    )
    for seq in range(1, replies + 1):
        store.record_choice(
            uuid, seq=seq, node=f"node{seq}", choice=1 + seq % 3, say=f"reply {seq}",
            empathy=1, assertiveness=0, tags=["listen", "acknowledge"],
            mood_before=70 - seq, mood_after=69 - seq, seconds=10, latency_ms=None,
            next_node=f"node{seq + 1}",
        )
    if finish:
        store.finish_attempt(
            uuid, ending="resolved", ending_node="done", empathy=75.0,
            assertiveness=50.0, speed=80.0, overall=68.3, passed=False,
        )
    return uuid
"""

WRITER = (
    PRELUDE
    + """
db, index, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
print("waiting", flush=True)
deadline = time.monotonic() + 60
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.002)
with open_store(db) as store:     # fresh database: every process races to migrate it
    uuid = play(store, f"trainee-{index % 5}", 10, index=index)
print(uuid, flush=True)
"""
)

KILLED_BETWEEN_REPLIES = (
    PRELUDE
    + """
store = open_store(sys.argv[1])
uuid = play(store, "Kim", 3, finish=False)
print(uuid, "ready", flush=True)
time.sleep(600)
"""
)

KILLED_MID_REPLY = (
    PRELUDE
    + """
store = open_store(sys.argv[1])
uuid = play(store, "Kim", 3, finish=False)
conn = store._conn                   # simulate being killed inside reply 4's transaction
mark = "?" if type(store).__name__ == "SqliteStore" else "%s"
conn.execute("BEGIN IMMEDIATE" if mark == "?" else "BEGIN")
conn.execute(
    "INSERT INTO choices (attempt_uuid, seq, node, choice, say, empathy, assertiveness,"
    " tags, mood_before, mood_after, seconds, recorded_at)"
    f" VALUES ({mark}, 4, 'node4', 1, 'lost', 0, 0, '[]', 50, 50, 10, '2024-01-01T00:00:00Z')",
    (uuid,),
)
conn.execute(f"UPDATE attempts SET turns = 4 WHERE uuid = {mark}", (uuid,))
print(uuid, "ready", flush=True)
time.sleep(600)
"""
)


def child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["TALKDOWN_HOME"] = str(tmp_path / "home")
    env.pop("TALKDOWN_DB", None)
    return env


def spawn(script: str, *args: str, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env=child_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_line(proc: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The child's next stdout line, failing (not hanging) if it never comes."""
    stdout = proc.stdout
    assert stdout is not None
    box: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: box.put(stdout.readline()), daemon=True).start()
    try:
        line = box.get(timeout=timeout)
    except queue.Empty:
        proc.kill()
        pytest.fail(f"child printed nothing in {timeout} s")
    if not line:
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"child exited early ({proc.returncode}):\n{err}")
    return line.strip()


def test_twenty_processes_write_at_once(
    store_target: DbTarget, results_backend: str, tmp_path: Path
) -> None:
    db = store_target
    go = tmp_path / "go"
    procs = [spawn(WRITER, str(db), str(i), str(go), tmp_path=tmp_path) for i in range(20)]
    try:
        for proc in procs:  # every child is started and waiting ...
            assert read_line(proc) == "waiting"
        go.touch()  # ... then all open, migrate and write at once
        results = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower(), err
        assert "Traceback" not in err, err
        assert out.strip(), "child printed no uuid"
    uuids = {out.strip() for out, _ in results}
    assert len(uuids) == 20

    with open_store(db) as store:
        attempts = list(store.iter_attempts(cohort="load"))
        assert {a.uuid for a in attempts} == uuids
        assert all(a.status == "completed" for a in attempts)
        assert all((a.turns, a.seconds) == (10, 100) for a in attempts)
        assert sum(len(store.get_choices(a.uuid)) for a in attempts) == 200
        assert all(
            [c.seq for c in store.get_choices(a.uuid)] == list(range(1, 11)) for a in attempts
        )
        trainees = store.trainees(cohort="load")
        assert sorted(t.name for t in trainees) == [f"trainee-{i}" for i in range(5)]
        stats = store.scenario_stats("trainee-0", "load")
        assert sum(s.attempts for s in stats.values()) == 4
    if results_backend == "sqlite":
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT count(*) FROM choices").fetchone()[0] == 200
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_process_keeps_replies_already_made(store_target: DbTarget, tmp_path: Path) -> None:
    db = store_target
    proc = spawn(KILLED_BETWEEN_REPLIES, str(db), tmp_path=tmp_path)
    try:
        uuid, word = read_line(proc).split()
        assert word == "ready"
    finally:
        kill(proc)

    with open_store(db) as store:
        row = store.get_attempt(uuid)
        assert row is not None
        assert (row.status, row.turns, row.seconds) == ("in_progress", 3, 30)
        assert [c.seq for c in store.get_choices(uuid)] == [1, 2, 3]
        assert [a.uuid for a in store.unfinished_attempts("Kim", "load")] == [uuid]
        store.abandon_attempt(uuid)
        abandoned = store.get_attempt(uuid)
        assert abandoned is not None and abandoned.status == "abandoned"
        assert len(store.get_choices(uuid)) == 3
        assert store.unfinished_attempts("Kim", "load") == []


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_inside_a_reply_loses_only_that_reply(
    store_target: DbTarget, tmp_path: Path
) -> None:
    db = store_target
    proc = spawn(KILLED_MID_REPLY, str(db), tmp_path=tmp_path)
    try:
        uuid, word = read_line(proc).split()
        assert word == "ready"
    finally:
        kill(proc)

    began = time.monotonic()
    with open_store(db) as store:
        row = store.get_attempt(uuid)
        assert row is not None and (row.status, row.turns) == ("in_progress", 3)
        assert [c.seq for c in store.get_choices(uuid)] == [1, 2, 3]
        # The dead writer's lock is gone: resuming the attempt works at once.
        store.record_choice(
            uuid,
            seq=4,
            node="node4",
            choice=2,
            say="resumed",
            empathy=1,
            assertiveness=1,
            tags=[],
            mood_before=66,
            mood_after=60,
            seconds=10,
            latency_ms=900.0,
            next_node=None,
        )
        store.finish_attempt(
            uuid,
            ending="escalated",
            ending_node="manager",
            empathy=50.0,
            assertiveness=50.0,
            speed=0.0,
            overall=33.3,
            passed=False,
        )
        done = store.get_attempt(uuid)
        assert done is not None and (done.status, done.turns, done.seconds) == (
            "completed",
            4,
            40,
        )
    assert time.monotonic() - began < 5
