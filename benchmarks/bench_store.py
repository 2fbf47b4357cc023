"""Benchmark: the results store on SQLite and PostgreSQL — writes, and exports against bare dumps.

A script that prints figures, not a test::

    .venv/bin/python benchmarks/bench_store.py                      # SQLite only
    TALKDOWN_BENCH_PG=postgresql://… .venv/bin/python benchmarks/bench_store.py
    .venv/bin/python benchmarks/bench_store.py --attempts 20000 --replies 5 --rounds 3

PostgreSQL is measured when ``TALKDOWN_BENCH_PG`` names a database it may
create schemas in (a durable server is the fair comparison: ``.ci/pg-cluster``
turns fsync off for tests unless ``PG_DURABLE=1``).

What it measures, all in one run, whole processes, interleaved rounds (the
median is printed):

* **Writes**: 1, 10 and 50 writer processes at once, each playing attempts
  through the store (start, one committed reply at a time, finish), as
  ``talkdown run --record`` and the TUI do. Replies recorded per second (all
  writers together) and the 95th-percentile latency of one ``record_choice``.
* **CSV export** of the attempts (``talkdown export --format csv``) against
  the backend's own bare dump of the same SELECT: the ``sqlite3`` command-line
  tool in CSV mode; ``COPY (…) TO STDOUT WITH CSV`` through ``psql``.
  Target: ≤ 1.5×.
* **JSON Lines export** (``--format jsonl``, attempts with their replies,
  re-importable) against the backend's own JSON dump of the same two SELECTs
  (the attempts, and the replies' stored fields: what the export reads):
  ``sqlite3 -json``; ``COPY (SELECT row_to_json(…))`` through ``psql``.
  Target: ≤ 1.5×.

The data (*attempts* attempts of *replies* replies, 500 trainees) is generated
into SQLite in one transaction, then copied into PostgreSQL with ``COPY``
(after talkdown has created its schema there), so both hold the same rows.
Generating it is fixture-making, not talkdown, so it writes the tables directly.
"""

from __future__ import annotations

import argparse
import compileall
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator.results import Filters, open_store  # noqa: E402
from simulator.results.rows import summaries  # noqa: E402

T0 = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
SCENARIOS = ("late-birthday-parcel", "refund-outside-policy", "broadband-repeat-fault",
             "airline-public-complaint", "bank-wrong-and-rude", "software-manager-demand",
             "abusive-utility-caller")  # fmt: skip
REPLY_TAGS = (("acknowledge", "apologise"), ("robotism",), ("rule-book", "coldness"),
              ("take-ownership",), ())  # fmt: skip
TALKDOWN = [sys.executable, "-m", "simulator"]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# --------------------------------------------------------------------------- data


def build_sqlite(path: Path, attempts: int, replies: int, *, seed: int = 1) -> None:
    """*attempts* attempts of *replies* replies each, straight into a v3 database."""
    open_store(path).close()  # the real schema, migrated by talkdown
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    created = _stamp(T0)
    trainees = [(i + 1, f"Trainee {i:04d}", f"cohort-{i % 10}", None, created) for i in range(500)]
    hashes = {s: (f"{k:x}" * 64)[:64] for k, s in enumerate(SCENARIOS, 1)}

    def rows() -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        for n in range(attempts):
            key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            scenario = SCENARIOS[n % len(SCENARIOS)]
            start = T0 + timedelta(seconds=37 * n)
            status = "completed" if n % 20 else ("abandoned" if n % 40 else "in_progress")
            picks = [rng.randrange(1, 4) for _ in range(replies)]
            choices, mood, tag_lists = [], 70, []
            for seq, pick in enumerate(picks, 1):
                after = max(0, min(99, mood + rng.choice((-15, -5, 5, 10))))
                tags = REPLY_TAGS[pick % len(REPLY_TAGS)]
                tag_lists.append(tags)
                choices.append((
                    key, seq, f"n{seq - 1}", pick,
                    f"Reply {pick} at step {seq}: I hear you, let me sort this out.",
                    rng.randint(-2, 3), rng.randint(-2, 2), str(list(tags)).replace("'", '"'),
                    mood, after, 20, round(rng.uniform(500, 9000), 1),
                    f"n{seq}" if seq < replies else None,
                    _stamp(start + timedelta(seconds=seq * 3)), None, None,
                    None, None, None,  # picked, not typed (schema v4's typed columns)
                ))  # fmt: skip
                mood = after
            done = status == "completed"
            scores = [round(rng.uniform(0, 100), 2) for _ in range(4)]
            finish = _stamp(start + timedelta(seconds=replies * 3 + 1)) if done else None
            sins, techniques = summaries(tag_lists)
            yield (
                key, 1 + n % len(trainees), scenario, f"Title of {scenario}",
                hashes[scenario] if n % 3 else hashes[scenario][::-1],
                ("practice", "assessment", "batch")[n % 3], None, "n0", _stamp(start), finish,
                status, rng.choice(("resolved", "escalated", "lost")) if done else None,
                "end" if done else None, *(scores if done else (None,) * 4),
                (1 if scores[3] >= 70 else 0) if done else None, 20 * replies, replies, "0.1.0",
                finish or _stamp(start), None, None, 0, "[]", sins, techniques, None, None,
            ), choices  # fmt: skip

    conn.execute("BEGIN")
    conn.executemany("INSERT INTO trainees VALUES (?, ?, ?, ?, ?)", trainees)
    for attempt, choices in rows():
        conn.execute(f"INSERT INTO attempts VALUES ({', '.join('?' * len(attempt))})", attempt)
        conn.executemany(f"INSERT INTO choices VALUES ({', '.join('?' * 19)})", choices)
    conn.execute("COMMIT")
    conn.close()


def copy_to_postgres(sqlite_path: Path, url: str) -> None:
    """The same rows into PostgreSQL (talkdown creates the schema; COPY fills it)."""
    open_store(url).close()
    for table in ("trainees", "attempts", "choices"):
        dump = subprocess.run(["sqlite3", "-csv", str(sqlite_path), f"SELECT * FROM {table}"],
                              check=True, capture_output=True)  # fmt: skip
        copy = f"COPY {table} FROM STDIN WITH CSV"
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", copy],
                       input=dump.stdout, check=True)  # fmt: skip
    subprocess.run(["psql", "-q", url, "-c", "SELECT setval(pg_get_serial_sequence("
                    "'trainees', 'id'), (SELECT max(id) FROM trainees)); ANALYZE"],
                   check=True, capture_output=True)  # fmt: skip


# --------------------------------------------------------------------------- writes


def _writer(target: str, index: int, attempts: int, replies: int, barrier: Any, out: Any) -> None:
    with open_store(target) as store:
        barrier.wait()
        latencies = []
        for _ in range(attempts):
            key = store.start_attempt(
                name=f"writer {index}", cohort="bench", scenario_id="late-birthday-parcel",
                scenario_title="Bench", content_hash="c" * 64, mode="batch", start_node="n0",
            )  # fmt: skip
            for seq in range(1, replies + 1):
                began = time.perf_counter()
                store.record_choice(
                    key, seq=seq, node=f"n{seq}", choice=1, say="I hear you.", empathy=1,
                    assertiveness=0, tags=["acknowledge"], mood_before=60, mood_after=55,
                    seconds=10, latency_ms=None, next_node=None,
                )  # fmt: skip
                latencies.append(time.perf_counter() - began)
            store.finish_attempt(
                key, ending="resolved", ending_node="end", empathy=80.0, assertiveness=70.0,
                speed=90.0, overall=80.0, passed=True,
            )  # fmt: skip
    out.put(latencies)


def measure_writes(target: str, writers: int, replies_each: int) -> tuple[float, float]:
    """(replies per second, p95 reply latency in ms) with *writers* processes at once."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(writers + 1), ctx.Queue()
    attempts = max(1, replies_each // 10)
    procs = [ctx.Process(target=_writer, args=(target, i, attempts, 10, barrier, out))
             for i in range(writers)]  # fmt: skip
    for proc in procs:
        proc.start()
    barrier.wait()
    began = time.perf_counter()
    latencies = [x for _ in procs for x in out.get(timeout=600)]
    took = time.perf_counter() - began
    for proc in procs:
        proc.join()
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    return len(latencies) / took, p95


# --------------------------------------------------------------------------- exports


def _timed(command: list[str], out: Path) -> float:
    # Bytecode caching on, as in an installed copy (some shells set
    # PYTHONDONTWRITEBYTECODE, which would compile talkdown's modules every run).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    began = time.perf_counter()
    with out.open("wb") as sink:
        subprocess.run(command, stdout=sink, check=True, env={**env, "NO_COLOR": "1"})
    return time.perf_counter() - began


def export_commands(target: str, work: Path) -> dict[str, list[list[str]]]:
    """Per measure: [talkdown's command, the bare dump's command(s)]."""
    is_pg = target.startswith("postgresql")
    if is_pg:
        from simulator.results.postgres.view import export_sql, stored_replies_sql
    else:
        from simulator.results.sqlite.view import export_sql, stored_replies_sql
    attempts_sql, _ = export_sql(Filters())
    # JSON Lines reads the replies' stored fields only (not their trainee again).
    replies_sql_text, _ = stored_replies_sql(Filters())
    flat = " ".join(attempts_sql.split())
    flat_replies = " ".join(replies_sql_text.split())
    if is_pg:
        csv_dump = [["psql", "-q", target, "-c", f"COPY ({flat}) TO STDOUT WITH CSV"]]
        as_json = "COPY (SELECT row_to_json(q) FROM ({}) q) TO STDOUT"
        json_dump = [["psql", "-q", target, "-c", as_json.format(flat),
                      "-c", as_json.format(flat_replies)]]  # fmt: skip
    else:
        csv_dump = [["sqlite3", "-csv", target, flat]]
        json_dump = [["sqlite3", "-json", target, f"{flat}; {flat_replies}"]]
    db = ["--db", target]
    return {
        "csv": [[*TALKDOWN, "export", "--format", "csv", *db], *csv_dump],
        "jsonl": [[*TALKDOWN, "export", "--format", "jsonl", *db], *json_dump],
    }


def measure_exports(target: str, work: Path, rounds: int) -> dict[str, tuple[float, float]]:
    """Per format: (talkdown's median seconds, the bare dump's median seconds), interleaved."""
    out: dict[str, tuple[float, float]] = {}
    for fmt, (ours, bare) in export_commands(target, work).items():
        mine, theirs = [], []
        for _ in range(rounds):
            mine.append(_timed(ours, work / f"ours.{fmt}"))
            theirs.append(_timed(bare, work / f"bare.{fmt}"))
        out[fmt] = (statistics.median(mine), statistics.median(theirs))
    return out


# --------------------------------------------------------------------------- main


def _pg_schema(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
    joiner = "&" if "?" in url else "?"
    return url + joiner + urlencode({"options": f"-csearch_path={name}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--replies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", default="1,10,50")
    parser.add_argument("--replies-per-writer", type=int, default=200)
    args = parser.parse_args()
    # Our package's bytecode, as pip writes it at install (site-packages has its own).
    for package in ("simulator", "scoring"):
        compileall.compile_dir(ROOT / package, quiet=1)
    for tool in ("sqlite3",) + (("psql",) if os.environ.get("TALKDOWN_BENCH_PG") else ()):
        if shutil.which(tool) is None:
            sys.exit(f"bench_store: needs the {tool} command-line tool (apt-get install {tool})")
    pg = os.environ.get("TALKDOWN_BENCH_PG", "").strip()
    with tempfile.TemporaryDirectory(prefix="talkdown-bench-") as tmp:
        work = Path(tmp)
        os.environ["TALKDOWN_HOME"] = str(work / "home")
        backends: list[tuple[str, Any]] = [("sqlite", lambda name: str(work / f"{name}.db"))]
        if pg:
            backends.append(("postgresql", lambda name: _pg_schema(pg, f"bench_{name}")))
        else:
            print("(PostgreSQL skipped: set TALKDOWN_BENCH_PG=postgresql://… to measure it)")
        print(f"\nWrites: replies recorded per second (all writers) and p95 latency of one reply;"
              f" {args.replies_per_writer} replies per writer")  # fmt: skip
        for name, target in backends:
            for count in (int(n) for n in args.writers.split(",")):
                rate, p95 = measure_writes(target(f"w{count}"), count, args.replies_per_writer)
                print(f"  {name:<10} {count:>3} writers: {rate:8.0f} replies/s, p95 {p95:7.1f} ms")
        print(f"\nExports of {args.attempts:,} attempts x {args.replies} replies"
              f" (whole processes, median of {args.rounds} interleaved rounds):")  # fmt: skip
        began = time.perf_counter()
        sqlite_path = work / "export.db"
        build_sqlite(sqlite_path, args.attempts, args.replies)
        targets = [("sqlite", str(sqlite_path))]
        if pg:
            url = _pg_schema(pg, "bench_export")
            copy_to_postgres(sqlite_path, url)
            targets.append(("postgresql", url))
        print(f"  (data generated in {time.perf_counter() - began:.0f} s)")
        for name, target_text in targets:
            for fmt, (ours, bare) in measure_exports(target_text, work, args.rounds).items():
                dump = "CSV dump" if fmt == "csv" else "JSON dump"
                print(f"  {name:<10} {fmt:<5} talkdown {ours:6.2f} s, bare {dump} {bare:6.2f} s:"
                      f" {ours / bare:4.2f}x (target <= 1.5x)")  # fmt: skip


if __name__ == "__main__":
    main()
