"""JSON Lines written straight from stored text equals json.dumps of the decoded record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator.export.jsonl import _grouped, attempt_record, choice_record, dumps, line
from simulator.results import DbTarget, Filters, open_store

# Quotes, backslashes, non-ASCII, a C1 control, U+2028, a critical reason with ", " in it.
ODD = 'He said "no", then \\ left — café\u0085 next\u2028line'


def test_fast_lines_equal_the_decoded_records(sample_db: DbTarget, store_target: DbTarget) -> None:
    with open_store(store_target) as store:
        key = store.start_attempt(
            name="Zoë \"Z\" O'Neil", cohort="c, 1", scenario_id="s", scenario_title=ODD,
            content_hash="f" * 64, mode="practice", start_node="n0",
            started_at=datetime(2024, 3, 1, tzinfo=UTC), shuffle_seed=2**31 - 1,
        )  # fmt: skip
        store.record_choice(
            key, seq=1, node="n0", choice=2, say=ODD, empathy=-2, assertiveness=3,
            tags=["robotism", "acknowledge"], mood_before=50, mood_after=61, seconds=7,
            latency_ms=1234.5678901234567, next_node=None, critical=ODD, shown=3,
            recorded_at=datetime(2024, 3, 1, 0, 0, 1, 5, tzinfo=UTC),
        )  # fmt: skip
        store.finish_attempt(
            key, ending="lost", ending_node=None, empathy=None, assertiveness=1 / 3,
            speed=0.0, overall=100 / 7, passed=True, outcome=ODD,
            finished_at=datetime(2024, 3, 1, tzinfo=UTC) + timedelta(seconds=2),
        )  # fmt: skip
    for target in (sample_db, store_target):
        with open_store(target) as store, store.snapshot() as view:
            groups = list(_grouped(view, Filters()))
        assert groups
        for row, replies in groups:
            expected = dumps(attempt_record(row, [choice_record(r) for r in replies]))
            assert line(row, replies) == expected
    assert "\\u0085" in expected and "\\u2028" in expected  # escaped, as dumps_json does
