"""Benchmark: CSV export and the cohort report against a bare sqlite3 + csv dump.

A script that prints figures, not a test::

    .venv/bin/python benchmarks/bench_export.py            # 100,000 attempts x 10 replies
    .venv/bin/python benchmarks/bench_export.py 20000 5    # attempts, replies per attempt
    .venv/bin/python benchmarks/bench_export.py 100000 10 --memory 10000,100000

What it measures, all in one run on the same database:

* **CSV export** (``talkdown export --format csv`` minus the CLI) against a bare
  dump of the *same rows*: the very same SELECT (including the per-attempt
  sins summary, done in SQL) written straight with ``csv.writer`` — so the ratio
  is the cost of our per-cell work (formula neutralising, durations, numbers).
  A second baseline, the attempt columns alone without sins, is printed too.
* **Choices CSV** (``--choices``) against the bare dump of its SELECT.
* **Report** (`build_report`, aggregation in SQL) against the bare dump.
* **Peak memory** of a CSV and a JSON Lines export in a fresh subprocess
  (``ru_maxrss``) at each ``--memory`` size: it should stay flat as data grows.

The database is generated straight through SQL with the real schema
(`simulator.schema_sql`), in one transaction with ``executemany``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator import schema_sql  # noqa: E402

T0 = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
SCENARIOS = (
    "late-birthday-parcel",
    "refund-outside-policy",
    "broadband-repeat-fault",
    "airline-public-complaint",
    "bank-wrong-and-rude",
    "software-manager-demand",
    "abusive-utility-caller",
)
# Reply number -> tags, so sins and techniques both occur at realistic rates.
REPLY_TAGS = (
    '["acknowledge","apologise"]',
    '["robotism"]',
    '["rule-book","coldness"]',
    '["take-ownership"]',
    "[]",
)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def build_database(path: Path, attempts: int, replies: int, *, seed: int = 1) -> None:
    """A results database with *attempts* attempts of *replies* replies each."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    # A throwaway file: no journal, no fsync, a big page cache (random uuid keys
    # touch index pages all over the file) — generation speed over durability.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    schema_sql.migrate(conn, str(path))
    created = _stamp(T0)
    trainees = [(i + 1, f"Trainee {i:04d}", f"cohort-{i % 10}", None, created) for i in range(500)]
    hashes = {s: (f"{k:x}" * 64)[:64] for k, s in enumerate(SCENARIOS, 1)}

    def attempt_and_choices() -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        for n in range(attempts):
            key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            scenario = SCENARIOS[n % len(SCENARIOS)]
            start = T0 + timedelta(seconds=37 * n)
            status = "completed" if n % 20 else ("abandoned" if n % 40 else "in_progress")
            picks = [rng.randrange(1, 4) for _ in range(replies)]
            rows = []
            mood = 70
            for seq, pick in enumerate(picks, 1):
                after = max(0, min(99, mood + rng.choice((-15, -5, 5, 10))))
                rows.append((
                    key, seq, f"n{seq - 1}", pick,
                    f"Reply {pick} at step {seq}: I hear you, let me sort this out.",
                    rng.randint(-2, 3), rng.randint(-2, 2), REPLY_TAGS[pick % len(REPLY_TAGS)],
                    mood, after, 20, round(rng.uniform(500, 9000), 1),
                    f"n{seq}" if seq < replies else None,
                    _stamp(start + timedelta(seconds=seq * 3)),
                ))  # fmt: skip
                mood = after
            done = status == "completed"
            scores = [round(rng.uniform(0, 100), 2) for _ in range(4)]
            finish = _stamp(start + timedelta(seconds=replies * 3 + 1)) if done else None
            attempt = (
                key, 1 + n % len(trainees), scenario, f"Title of {scenario}",
                hashes[scenario] if n % 3 else hashes[scenario][::-1],
                ("practice", "assessment", "batch")[n % 3], None, "n0", _stamp(start), finish,
                status, rng.choice(("resolved", "escalated", "lost")) if done else None,
                "end" if done else None, *(scores if done else (None,) * 4),
                (1 if scores[3] >= 70 else 0) if done else None, 20 * replies, replies, "0.1.0",
                finish or _stamp(start),
            )  # fmt: skip
            yield attempt, rows

    conn.execute("BEGIN")
    conn.executemany("INSERT INTO trainees VALUES (?, ?, ?, ?, ?)", trainees)
    batch_a: list[tuple[Any, ...]] = []
    batch_c: list[tuple[Any, ...]] = []
    for attempt, rows in attempt_and_choices():
        batch_a.append(attempt)
        batch_c.extend(rows)
        if len(batch_a) >= 5000:
            _flush(conn, batch_a, batch_c)
    _flush(conn, batch_a, batch_c)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")  # as the real store runs it
    conn.close()


def _flush(conn: sqlite3.Connection, attempts: list[Any], choices: list[Any]) -> None:
    conn.executemany(
        "INSERT INTO attempts (uuid, trainee_id, scenario_id, scenario_title, content_hash, mode,"
        " timed_seconds, start_node, started_at, finished_at, status, ending, ending_node,"
        " empathy, assertiveness, speed, overall, passed, seconds, turns, app_version,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        attempts,
    )
    # The first 14 columns (schema v1); critical and shown (v2) stay NULL.
    conn.executemany(
        "INSERT INTO choices (attempt_uuid, seq, node, choice, say, empathy, assertiveness, tags,"
        " mood_before, mood_after, seconds, latency_ms, next_node, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        choices,
    )
    attempts.clear()
    choices.clear()


# --------------------------------------------------------------------------- measuring

_PLAIN_SQL = (
    "SELECT a.uuid, t.name, t.cohort, a.scenario_id, a.scenario_title, a.mode,"
    " a.timed_seconds, a.started_at, a.finished_at, a.seconds, a.status, a.ending, a.empathy,"
    " a.assertiveness, a.speed, a.overall, a.passed, a.turns"
    " FROM attempts a JOIN trainees t ON t.id = a.trainee_id ORDER BY a.started_at, a.uuid"
)


def _clock(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best (wall, CPU) seconds of *repeat* runs: CPU time resists other load on the box."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def _bare_dump(path: Path, sql: str, params: list[object] | tuple[()] = ()) -> Callable[[], None]:
    """The baseline: run *sql* with plain sqlite3 and write the rows with csv.writer."""

    def work() -> None:
        conn = sqlite3.connect(path)
        with open(os.devnull, "w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(conn.execute(sql, params))
        conn.close()

    return work


def _ours(path: Path, what: str) -> Callable[[], None]:
    from simulator.export import csv_export, jsonl
    from simulator.export.query import Filters
    from simulator.export.report import build_report
    from simulator.store import Store

    def work() -> None:
        with Store(path) as store, store.snapshot() as snap:
            if what == "report":
                build_report(snap, Filters())
                return
            with open(os.devnull, "w", encoding="utf-8", newline="") as out:
                if what == "csv":
                    csv_export.write_attempts_csv(snap, Filters(), out)
                elif what == "choices":
                    csv_export.write_choices_csv(snap, Filters(), out)
                else:
                    jsonl.write_jsonl(snap, Filters(), out)

    return work


def _peak_rss_kib() -> int:
    """This process's peak resident memory in KiB.

    Linux's VmHWM belongs to the current program image; ru_maxrss is not used
    there because it carries the parent's peak across fork + exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _memory_child(path: str, what: str) -> None:
    """In a fresh process: run one export (or nothing) and print peak RSS in KiB."""
    work = _ours(Path(path), "csv" if what == "idle" else what)  # same imports either way
    if what != "idle":
        work()
    print(_peak_rss_kib())


def _peak_kib(path: Path, what: str) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(path), what],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return int(out.stdout.strip().splitlines()[-1])


def _row(label: str, figures: tuple[float, float], base: tuple[float, float] | None) -> str:
    wall, cpu = figures
    text = f"  {label:<44} wall {wall:7.3f} s   cpu {cpu:7.3f} s"
    if base is not None:
        text += f"   ratio cpu {cpu / base[1]:4.2f}x  wall {wall / base[0]:4.2f}x"
    return text


def main(argv: list[str] | None = None) -> None:
    """Build the database, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("attempts", nargs="?", type=int, default=100_000)
    parser.add_argument("replies", nargs="?", type=int, default=10)
    parser.add_argument(
        "--memory", default="10000,100000", metavar="N,N",
        help="attempt counts for the peak-memory comparison ('' to skip)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure (best is kept)")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="talkdown-bench-export-"))
    try:
        path = folder / f"bench-{args.attempts}.db"
        wall = time.perf_counter()
        build_database(path, args.attempts, args.replies)
        size_mb = path.stat().st_size / 1e6
        print(
            f"database: {args.attempts:,} attempts x {args.replies} replies "
            f"({size_mb:.0f} MB) built in {time.perf_counter() - wall:.1f} s"
        )
        from simulator.export.csv_export import attempt_sql, choice_sql
        from simulator.export.query import Filters

        _bare_dump(path, _PLAIN_SQL)()  # warm the page cache before timing anything
        same_sql, same_params = attempt_sql(Filters())
        choices_sql, choices_params = choice_sql(Filters())
        r = args.repeat
        plain = _clock(_bare_dump(path, _PLAIN_SQL), r)
        same = _clock(_bare_dump(path, same_sql, same_params), r)
        ours = _clock(_ours(path, "csv"), r)
        print("attempts CSV (best of", r, "runs):")
        print(_row("bare dump, attempt columns only", plain, None))
        print(_row("bare dump, same SELECT (with sins)", same, None))
        print(_row("talkdown export --format csv", ours, same))
        print(_row("  … against the attempt-columns-only dump", ours, plain))
        bare_c = _clock(_bare_dump(path, choices_sql, choices_params), r)
        ours_c = _clock(_ours(path, "choices"), r)
        print("choices CSV:")
        print(_row("bare dump, same SELECT", bare_c, None))
        print(_row("talkdown export --format csv --choices", ours_c, bare_c))
        report = _clock(_ours(path, "report"), r)
        print("report (aggregation in SQL):")
        print(_row("build_report", report, same))
        print(_row("  … against the attempt-columns-only dump", report, plain))

        sizes = [int(n) for n in args.memory.split(",") if n.strip()]
        if sizes:
            print("peak memory (VmHWM of a fresh process; 'idle' = the same imports, no export):")
        for n in sizes:
            db = path if n == args.attempts else folder / f"bench-{n}.db"
            if not db.exists():
                build_database(db, n, args.replies)
            idle = _peak_kib(db, "idle")
            figures = {what: _peak_kib(db, what) for what in ("csv", "jsonl", "choices")}
            shown = ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in figures.items())
            print(f"  {n:>9,} attempts: idle {idle / 1024:.1f} MiB; {shown}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--memory-child":
        _memory_child(sys.argv[2], sys.argv[3])
    else:
        main()
