"""A huge name costs the text report no more than a short one; JSON and CSV keep it whole."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from simulator.cli import cli
from simulator.export.query import Filters
from simulator.export.report import NAME_SHOWN, build_report, render_text
from simulator.store import Store

HUGE = "N" * 2_000_000  # a 2 MB name (the 10 MB took 2.5 min before clipping)


def build(db: Path, name: str, attempts: int = 30) -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    with Store(db) as store:
        for i in range(attempts):
            who = name if i == 0 else f"Trainee {i}"
            key = store.start_attempt(
                name=who, cohort="c1", scenario_id="late-parcel", scenario_title=name,
                content_hash="a" * 64, mode="practice", start_node="opening",
                started_at=start + timedelta(minutes=i),
            )  # fmt: skip
            store.record_choice(
                key, seq=1, node="opening", choice=1, say=name, empathy=1, assertiveness=0,
                tags=["acknowledge"], mood_before=50, mood_after=40, seconds=10,
                latency_ms=None, next_node=None,
                recorded_at=start + timedelta(minutes=i, seconds=5),
            )  # fmt: skip
            store.finish_attempt(
                key, ending="resolved", ending_node="end", empathy=50.0, assertiveness=50.0,
                speed=50.0, overall=50.0, passed=False,
                finished_at=start + timedelta(minutes=i, seconds=9),
            )  # fmt: skip


def render_seconds(db: Path) -> float:
    with Store(db) as store, store.snapshot() as snap:
        report = build_report(snap, Filters())
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        render_text(report, Console(file=io.StringIO(), width=120))
        best = min(best, time.perf_counter() - started)
    return best


def test_the_text_report_clips_names_titles_and_replies(tmp_path: Path) -> None:
    db = tmp_path / "huge.db"
    build(db, HUGE, attempts=2)
    result = CliRunner().invoke(cli, ["report", "--db", str(db)])
    assert result.exit_code == 0, result.output
    # The name once as a trainee (60 characters), once in the progress table (60), once
    # as the title (60) and once as the reply (240), each cut with "…": a few hundred N,
    # not millions.
    shown = result.stdout.count("N") - result.stdout.count("NAME")
    assert 3 * (NAME_SHOWN - 1) <= shown <= 3 * NAME_SHOWN + 240
    assert result.stdout.count("…") >= 3


def test_json_and_csv_keep_the_whole_name(tmp_path: Path) -> None:
    db = tmp_path / "huge.db"
    build(db, HUGE, attempts=2)
    report = CliRunner().invoke(cli, ["report", "--db", str(db), "--format", "json"])
    names = {t["name"] for t in json.loads(report.stdout)["trainees"]}
    assert HUGE in names
    export = CliRunner().invoke(cli, ["export", "--db", str(db)])
    limit = csv.field_size_limit(10 * len(HUGE))
    try:
        rows = list(csv.DictReader(io.StringIO(export.stdout, newline="")))
    finally:
        csv.field_size_limit(limit)
    assert rows[0]["trainee"] == HUGE and rows[0]["scenario_title"] == HUGE


def test_render_time_follows_attempts_not_name_length(tmp_path: Path) -> None:
    short, huge = tmp_path / "short.db", tmp_path / "huge.db"
    build(short, "Ann Lee")
    build(huge, HUGE)
    ratio = render_seconds(huge) / render_seconds(short)
    assert ratio < 3, f"a 2 MB name made the text report {ratio:.1f}x slower"
