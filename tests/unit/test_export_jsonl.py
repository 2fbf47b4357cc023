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


def test_replies_group_under_their_attempt_by_seq(store_target: DbTarget) -> None:
    """Two attempts started at one moment (and one reply-less): each gets its own replies, by seq.

    `ResultsView.stored_replies` may hand an attempt's replies over in any order
    (SQLite reads them by start time alone when no two attempts share it); the
    grouping is checked against `ResultsView.replies`, which orders them by seq.
    """
    moment = datetime(2024, 3, 1, tzinfo=UTC)
    with open_store(store_target) as store:
        keys = []
        for n, (start, replies) in enumerate([(moment, 3), (moment, 2), (moment, 0),
                                              (moment + timedelta(hours=1), 4)]):  # fmt: skip
            key = store.start_attempt(
                name=f"T{n}", cohort="c", scenario_id="s", scenario_title="t",
                content_hash="f" * 64, mode="practice", start_node="n0", started_at=start,
                uuid=f"00000000-0000-4000-8000-{9 - n:012d}",
            )  # fmt: skip
            keys.append(key)
            for seq in range(1, replies + 1):
                store.record_choice(
                    key, seq=seq, node=f"n{seq}", choice=1, say=f"{n}.{seq}", empathy=0,
                    assertiveness=0, tags=[], mood_before=50, mood_after=50, seconds=1,
                    latency_ms=None, next_node=None, recorded_at=start + timedelta(seconds=seq),
                )  # fmt: skip
    with open_store(store_target) as store, store.snapshot() as view:
        grouped = [(row.uuid, [(r[0], r[1]) for r in rs])
                   for row, rs in _grouped(view, Filters())]  # fmt: skip
        ordered = [(r.attempt_uuid, r.seq) for r in view.replies(Filters())]
        uuids = [row.uuid for row in view.attempts(Filters())]
    assert [uuid for uuid, _ in grouped] == uuids
    assert [reply for _, replies in grouped for reply in replies] == ordered
    assert [len(replies) for _, replies in grouped] == [0, 2, 3, 4]  # by start, then uuid
