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
import json
import os
import random
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
    conn.executemany("INSERT INTO choices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", choices)
    attempts.clear()
    choices.clear()
