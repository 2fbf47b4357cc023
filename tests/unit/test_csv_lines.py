"""The attempts CSV a backend builds itself is byte for byte the reference writer's.

`csv_export.write_attempts_csv` takes runs of lines from the backend
(`ResultsView.attempt_csv`; SQLite: simulator/results/sqlite/csv_lines.py) and
formats only the attempts the backend hands back as records. The reference
is the Python path: `csv_export.attempt_row` and the csv module over
`ResultsView.attempts`. These tests write attempts straight into the tables —
talkdown's own shapes, hostile text, scores at and near written ties, odd
types and malformed JSON or times a tampered file could hold — and compare
the two exports' bytes (or, where the reference fails, its error).
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import sqlite3
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scoring.vocabulary import ENDINGS
from simulator.export.csv_export import (
    ATTEMPT_COLUMNS,
    attempt_row,
    cells_text,
    duration_cell,
    rounded_seconds,
    sheet_score,
    write_attempts_csv,
)
from simulator.results import (
    AttemptRecord,
    CsvLines,
    DbTarget,
    Filters,
    StoreError,
    format_utc,
    open_store,
)
from simulator.results.rows import summary_json
from simulator.results.sql import filter_clauses
from simulator.results.sqlite import csv_lines
from simulator.results.sqlite.csv_lines import tie_free
from tests.conftest import PG_SKIP, pg_server, with_search_path

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- generated attempts

#: Characters that change a CSV cell: separators, quotes, line ends, formula starts, NUL.
HOSTILE = [*",\"\r\n=+-@\t\0'", "é", "名", "×", "\u2028", "\x85", " "]
hostile_text = st.text(alphabet=st.sampled_from([*HOSTILE, *"abyz019"]), max_size=10)
text = st.one_of(
    hostile_text,
    st.sampled_from(["Ann", "O'Brien, Pat", '"Quoted" Q', "=SUM(A1)", "-2", "+1", "@x", "Zoë"]),
)
#: Written ties (x.xx5) and their float neighbours, where rounding rules part.
TIES = [16.665, 3.125, 0.125, 2.675, 99.995, 0.005, 1.005, 50.125, 33.335, 66.665]
tie_scores = st.integers(0, 9999).map(lambda c: (c + 0.5) / 100)


def tie_free_score(x: float) -> bool:
    scaled = x * 100
    return abs(scaled - int(scaled) - 0.5) > 1e-5


clean_scores = st.one_of(
    st.none(),
    st.floats(0, 100).filter(tie_free_score),
    st.integers(0, 10000).map(lambda c: c / 100),
    st.sampled_from([0.0, 100.0, 66.66666666666667, 33.333333333333336, 12.5, 87.5]),
)
scores = st.one_of(
    clean_scores,
    tie_scores,
    st.sampled_from(TIES),
    st.floats(-1e9, 1e9, allow_nan=False),
    st.integers(-9999, -1).map(lambda c: (c - 0.5) / 100),  # negative written ties
    st.sampled_from([-0.0, -5.5, -16.665, -0.005, 1e7, 999999.995, 5e-324, "abc", b"\x01"]),
)
T0 = datetime(2000, 1, 1, tzinfo=UTC)
moments = st.integers(0, 3_000_000_000_000_000).map(lambda us: T0 + timedelta(microseconds=us))
#: Stored times talkdown never writes (the reference slices some, fails on others).
ODD_TIMES = [
    "2024-03-01 09:00:00", "2024-02-30T10:00:00.000000Z", "2024-01-01T24:00:00.000000Z",
    "0000-01-01T00:00:00.000000Z", "garbage", "", "2024-03-01T09:00:00,5Z",
    '20240101"080000', "2024-03-01T09:00:00.000000+01:00", "2024-03-01\n09:00:00", "2024,03",
]  # fmt: skip
SINS = ["apathy", "brush-off", "coldness", "robotism", "rule-book", "runaround"]
summaries = st.lists(st.sampled_from(SINS), max_size=6).map(
    lambda tags: summary_json(Counter(tags))
)
ODD_SUMMARIES = [
    '{"robotism":1,"zeta":2,"alpha":3}', '{"a,b":2,"q\\"x":1}', "{}", "[]", "not json",
    '{"x":1.5}', '{"=x":1}', '{"é":3,"e":1}',
]  # fmt: skip


@st.composite
def critical_lists(draw: st.DrawFn) -> tuple[object, object]:
    """(critical_count, critical) as stored: none, or reasons with hostile text."""
    reasons = draw(st.lists(text, max_size=3))
    if not reasons:
        return 0, "[]"
    items = [{"node": "n", "choice": 1, "reason": reason} for reason in reasons]
    return len(items), json.dumps(items, ensure_ascii=False)


ODD_CRITICAL = [(1, "not json"), (2, "[1, 2]"), (1, '[{"reason": 5}]'), ("x", "[]"), (1.5, "[]")]


#: Values only a tampered file holds, per column (an odd row gets one or two of them).
STRANGE: dict[str, st.SearchStrategy[Any]] = {
    "uuid": text,
    "mode": text,
    "timed_seconds": st.sampled_from([30.5, "45", "x", "=1", "a,b", -3, 1e20, 0.1 + 0.2]),
    "started_at": st.one_of(
        st.sampled_from(ODD_TIMES),
        moments.map(lambda t: format_utc(t.replace(microsecond=999_700))),
    ),
    "finished_at": st.sampled_from(ODD_TIMES),
    "status": text,
    "ending": text,
    "empathy": scores,
    "assertiveness": scores,
    "speed": scores,
    "overall": scores,
    "passed": st.sampled_from([2, 1.5, "1", "x"]),
    "seconds": st.sampled_from([-7, 2.5, "abc", "-1x", 1e20]),
    "turns": st.sampled_from([-3, 1.25, "t", "a,b", 0.1 + 0.2]),
    "critical": st.sampled_from(ODD_CRITICAL),
    "sins": st.sampled_from(ODD_SUMMARIES),
}


@st.composite
def attempt(draw: st.DrawFn, odd: bool) -> dict[str, Any]:
    """One attempts row as talkdown writes it (hostile text included); *odd*: a few oddities."""
    started = draw(moments)
    finished = draw(st.one_of(st.none(), st.integers(0, 10**11).map(
        lambda us: started + timedelta(microseconds=us)
    )))  # fmt: skip
    count, critical = draw(critical_lists())
    row = {
        "uuid": draw(st.uuids(version=4).map(str)),
        "scenario_id": draw(text),
        "scenario_title": draw(text),
        "mode": draw(st.sampled_from(["practice", "assessment", "batch"])),
        "timed_seconds": draw(st.one_of(st.none(), st.integers(1, 600))),
        "started_at": format_utc(started),
        "finished_at": None if finished is None else format_utc(finished),
        "status": draw(st.sampled_from(["in_progress", "completed", "abandoned"])),
        "ending": draw(st.sampled_from([None, "resolved", "escalated", "lost"])),
        "empathy": draw(clean_scores),
        "assertiveness": draw(clean_scores),
        "speed": draw(clean_scores),
        "overall": draw(clean_scores),
        "passed": draw(st.sampled_from([None, 0, 1])),
        "seconds": draw(st.integers(0, 10**6)),
        "turns": draw(st.integers(0, 50)),
        "outcome": draw(st.one_of(st.none(), text)),
        "critical_count": count,
        "critical": critical,
        "sins": draw(summaries),
    }  # fmt: skip
    if odd:
        for column in draw(st.lists(st.sampled_from(sorted(STRANGE)), max_size=2)):
            value = draw(STRANGE[column])
            if column == "critical":
                row["critical_count"], row["critical"] = value
            else:
                row[column] = value
    return row


def batches(odd: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(attempt(odd), min_size=1, max_size=12)


# --------------------------------------------------------------------------- databases


def write_attempts(path: Path, rows: list[dict[str, Any]], trainees: list[tuple[str, str]]) -> None:
    """*rows* straight into a fresh talkdown database (CHECKs off, like a tampered file)."""
    open_store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.executemany(
        "INSERT INTO trainees (id, name, cohort, created_at) VALUES (?, ?, ?, ?)",
        [(i + 1, name, cohort, "2024-01-01T00:00:00.000000Z") for i, (name, cohort)
         in enumerate(trainees)],
    )  # fmt: skip
    seen: set[object] = set()
    for n, row in enumerate(rows):
        key = row["uuid"]
        if key in seen:  # the uuid is the primary key
            key = f"{key}-{n}"
        seen.add(key)
        values = {**row, "uuid": key, "trainee_id": 1 + n % len(trainees)}
        values.update(content_hash="c" * 64, start_node="n0", ending_node=None, app_version=None,
                      updated_at=row["started_at"], shuffle_seed=None, techniques="{}")  # fmt: skip
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        conn.execute(f"INSERT INTO attempts ({columns}) VALUES ({marks})", list(values.values()))
    conn.close()


ALL = Filters()


def reference(path: DbTarget, filters: Filters = ALL) -> str:
    """The Python writer's attempts CSV: `attempt_row` for every record."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(ATTEMPT_COLUMNS)
    sins: dict[str, str] = {}
    with open_store(path) as store, store.snapshot() as view:
        for record in view.attempts(filters):
            writer.writerow(attempt_row(record, sins))
    return out.getvalue()


def fast(path: DbTarget, filters: Filters = ALL) -> str:
    out = io.StringIO(newline="")
    with open_store(path) as store, store.snapshot() as view:
        write_attempts_csv(view, filters, out)
    return out.getvalue()


def outcome(export: Any, path: DbTarget) -> tuple[str, str]:
    """("ok", text) or ("error", the exception's type name)."""
    try:
        return "ok", export(path)
    except Exception as exc:  # the reference's own failure on malformed data
        return "error", type(exc).__name__


def items(path: DbTarget, filters: Filters = ALL) -> list[CsvLines | AttemptRecord]:
    with open_store(path) as store, store.snapshot() as view:
        return list(view.attempt_csv(filters))


@pytest.fixture
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


TRAINEES = [("Ann", "c1"), ("O'Brien, Pat", "night, shift"), ("=cmd", "-x"), ("名前", '"q"')]


# --------------------------------------------------------------------------- the tests


@SETTINGS
@given(rows=batches(odd=False), trainees=st.lists(st.tuples(text, text), min_size=1, max_size=3))
def test_talkdown_shaped_attempts_come_as_lines_equal_to_the_reference(
    rows: list[dict[str, Any]], trainees: list[tuple[str, str]]
) -> None:
    """Values talkdown writes (hostile text included, no score at a tie): all built fast, exact."""
    trainees = list(dict.fromkeys(trainees))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.db"
        write_attempts(path, rows, trainees)
        assert fast(path) == reference(path)
        uuids_plain = all("," not in r["uuid"] for r in rows)  # generated uuids always are
        if uuids_plain:
            assert all(isinstance(item, CsvLines) for item in items(path))


@SETTINGS
@given(rows=batches(odd=True))
@example(rows=[{"uuid": "x,y", "scenario_id": "s", "scenario_title": "t", "mode": "practice",
                "timed_seconds": None, "started_at": "2024-03-01T09:00:00.000000Z",
                "finished_at": "2024-03-01T09:00:31.500000Z", "status": "completed",
                "ending": "lost", "empathy": 16.665, "assertiveness": 3.125, "speed": None,
                "overall": -5.5, "passed": 0, "seconds": 3, "turns": 1, "outcome": "=x",
                "critical_count": 1, "critical": '[{"reason": "a, \\"b\\""}]',
                "sins": '{"robotism":1,"apathy":2}'}])  # fmt: skip
def test_any_stored_attempts_export_exactly_as_the_reference(rows: list[dict[str, Any]]) -> None:
    """Ties, odd types, malformed JSON and times: the same bytes, or the reference's error."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.db"
        write_attempts(path, rows, TRAINEES)
        assert outcome(fast, path) == outcome(reference, path)


CLEAN: dict[str, Any] = {
    "scenario_id": "s", "scenario_title": "Stranded, in public", "mode": "practice",
    "timed_seconds": 30, "started_at": "2024-03-01T09:00:00.250000Z",
    "finished_at": "2024-03-01T09:01:31.750500Z", "status": "completed", "ending": "lost",
    "empathy": 51.87, "assertiveness": None, "speed": 100.0, "overall": 5.61, "passed": 0,
    "seconds": 200, "turns": 4, "outcome": "Sent, by \"express\"", "critical_count": 1,
    "critical": '[{"node": "n", "choice": 2, "reason": "=promised, twice"}]',
    "sins": '{"coldness":2,"robotism":1}',
}  # fmt: skip
#: One value a tampered file may hold in an otherwise talkdown-written attempt.
ONE_ODD = [
    *(("uuid", key) for key in ("-abc", "=x", "+1", "@a", "\tz", "\rz", "a,b", 'q"', "a\nb")),
    *(("started_at", t) for t in ("2024,03", '20240101"080000', "2024-03-01\n09:00", "garbage")),
    ("finished_at", "2024-03-01T09:00:00,5Z"),
    ("finished_at", "2024-02-30T10:00:00.000000Z"),
    ("finished_at", "2024-01-01T24:00:00.000000Z"),
    ("finished_at", "2024-03-01T09:00:59.999700Z"),  # SQLite would round its second up
    *(("timed_seconds", v) for v in (1e20, 0.1 + 0.2, 30.5, "=1", "a,b", -3)),
    *(("seconds", v) for v in (1e20, "a,b", -7)),
    ("turns", 0.1 + 0.2),
    *(("empathy", v) for v in (16.665, 3.125, -16.665, -0.005, -5.5, 1e7, "abc", 0.0, 100.0)),
    *(("mode", v) for v in ("a,b", "=x", "prac\0tice", "batch ")),
    *(("status", v) for v in ("done", "in_progress\0")),
    ("ending", "=lost"),
    *(("passed", v) for v in (2, "x", 0.5)),
    *(("critical_count", v) for v in (1.5, "x", 0)),
    ("critical", "not json"),
    ("sins", '{"b":1,"a":2}'),
    ("sins", "[]"),
]


@pytest.mark.parametrize(("column", "value"), ONE_ODD, ids=repr)
@pytest.mark.parametrize("where", ["first", "between"])
def test_one_odd_value_among_talkdown_attempts(
    scratch: Path, column: str, value: object, where: str
) -> None:
    """The odd attempt goes the reference way (or fails as the reference does), wherever it is."""
    rows = [
        {
            **CLEAN,
            "uuid": f"u{n}",
            "started_at": f"2024-03-0{n + 1}T09:00:00.250000Z",
            "finished_at": f"2024-03-0{n + 1}T09:01:31.750500Z",
        }
        for n in range(3)
    ]
    odd = rows[0 if where == "first" else 1]
    odd[column] = value
    if column == "started_at":  # a start the reference only slices
        odd["finished_at"] = None
    write_attempts(scratch / "t.db", rows, TRAINEES)
    assert outcome(fast, scratch / "t.db") == outcome(reference, scratch / "t.db")


@pytest.mark.parametrize("quoted", ["started_at", "finished_at"])
def test_a_time_python_reads_whose_slices_need_quotes(scratch: Path, quoted: str) -> None:
    """Both times without a zone (so Python subtracts them), one with a quote in its slices."""
    times = {"started_at": "20240101T070000", "finished_at": "20240101T080000"}
    times[quoted] = times[quoted].replace("T", '"')
    write_attempts(scratch / "t.db", [{**CLEAN, "uuid": "u", **times}], TRAINEES)
    text = fast(scratch / "t.db")
    assert '"20240101""0 ' in text
    assert text == reference(scratch / "t.db")


def test_scores_not_declared_real_go_the_reference_way(scratch: Path) -> None:
    """A file whose scores could come back as integers (Python writes 75, not 75.0)."""
    path = scratch / "t.db"
    write_attempts(path, [{**CLEAN, "uuid": "u"}], TRAINEES)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'empathy         REAL',"
        " 'empathy         NUMERIC') WHERE name = 'attempts'"
    )
    conn.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE attempts SET empathy = 75")
    assert conn.execute("SELECT typeof(empathy) FROM attempts").fetchone() == ("integer",)
    conn.close()
    assert ",75,," in reference(path)
    assert fast(path) == reference(path)
    assert not any(isinstance(item, CsvLines) for item in items(path))


def test_the_fast_path_leaves_only_what_it_cannot_prove_to_python(scratch: Path) -> None:
    """A tie, a text call time and a quoted uuid come as records; the rest as lines, in order."""
    base = {"scenario_id": "s", "scenario_title": "Stranded, in public", "mode": "practice",
            "timed_seconds": None, "finished_at": None, "status": "in_progress", "ending": None,
            "empathy": None, "assertiveness": None, "speed": None, "overall": None,
            "passed": None, "seconds": 20, "turns": 1, "outcome": None, "critical_count": 0,
            "critical": "[]", "sins": "{}"}  # fmt: skip
    rows = [
        {**base, "uuid": f"u{n}", "started_at": format_utc(T0 + timedelta(minutes=n))}
        for n in range(6)
    ]
    rows[1]["empathy"] = 16.665  # a written tie: the reference rounds it half up
    rows[3]["seconds"] = "abc"  # a type talkdown never writes
    rows[4]["uuid"] = "u,4"  # needs quotes
    write_attempts(scratch / "t.db", rows, TRAINEES)
    got = items(scratch / "t.db")
    shape = [item.attempts if isinstance(item, CsvLines) else item.uuid for item in got]
    assert shape == [1, "u1", 1, "u3", "u,4", 1]
    assert fast(scratch / "t.db") == reference(scratch / "t.db")


def test_same_start_times_keep_uuid_order(scratch: Path) -> None:
    """Two attempts started at one moment: by uuid, as the reference orders them."""
    base = {"scenario_id": "s", "scenario_title": "t", "mode": "batch", "timed_seconds": None,
            "finished_at": None, "status": "abandoned", "ending": None, "empathy": None,
            "assertiveness": None, "speed": None, "overall": None, "passed": None,
            "seconds": 0, "turns": 0, "outcome": None, "critical_count": 0, "critical": "[]",
            "sins": "{}", "started_at": format_utc(T0)}  # fmt: skip
    rows = [{**base, "uuid": key} for key in ("c", "a", "b")]
    write_attempts(scratch / "t.db", rows, TRAINEES)
    text = fast(scratch / "t.db")
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["a", "b", "c"]
    assert text == reference(scratch / "t.db")


def test_filters_select_the_same_attempts(scratch: Path) -> None:
    rng = random.Random(7)
    rows = [
        {"uuid": f"{n:04d}", "scenario_id": rng.choice(["a", "b,c"]), "scenario_title": "t",
         "mode": rng.choice(["practice", "batch"]), "timed_seconds": None,
         "started_at": format_utc(T0 + timedelta(hours=n)),
         "finished_at": format_utc(T0 + timedelta(hours=n, seconds=rng.randrange(1, 99))),
         "status": "completed", "ending": "lost", "empathy": rng.randrange(10000) / 100,
         "assertiveness": None, "speed": 50.0, "overall": 12.25, "passed": 0, "seconds": 5,
         "turns": 2, "outcome": "o, k", "critical_count": 0, "critical": "[]", "sins": "{}"}
        for n in range(30)
    ]  # fmt: skip
    write_attempts(scratch / "t.db", rows, TRAINEES)
    since = datetime.fromisoformat(rows[15]["started_at"])
    for filters in (
        Filters(cohort="night, shift"),
        Filters(trainee="=cmd"),
        Filters(cohorts=("c1", '"q"')),
        Filters(since=since),
        Filters(scenario="b,c", since=since),
    ):
        assert fast(scratch / "t.db", filters) == reference(scratch / "t.db", filters)


# --------------------------------------------------------------------------- SQLite in chunks
#
# Without filters (or with --since only) and without two attempts started at one
# moment, a worker thread reads the attempts in chunks of `_CHUNK`, each one query
# step concatenating its rows' fields with a unit separator. These tests shrink
# the chunks so every boundary, and the values that could break the encoding,
# meet the reference.


@contextmanager
def chunks_of(size: int) -> Iterator[list[object]]:
    """Chunks of *size* attempts; yields the list of chunk readers started meanwhile."""
    started: list[object] = []

    class Counted(csv_lines._Reader):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            started.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_lines, "_CHUNK", size)
        patch.setattr(csv_lines, "_Reader", Counted)
        patch.setattr(csv_lines, "_cores", lambda: 2)  # as on any machine with two CPUs
        yield started


def starts(n: int) -> list[str]:
    return [format_utc(T0 + timedelta(minutes=i, microseconds=7 * i)) for i in range(n)]


def clean_rows(n: int) -> list[dict[str, Any]]:
    """*n* talkdown-shaped attempts, a minute apart, each finished 91.5 s after its start."""
    return [
        {**CLEAN, "uuid": f"u{i}", "started_at": at,
         "finished_at": format_utc(datetime.fromisoformat(at) + timedelta(seconds=91.5))}
        for i, at in enumerate(starts(n))
    ]  # fmt: skip


@SETTINGS
@given(rows=batches(odd=True), size=st.sampled_from([1, 2, 3, 5]))
def test_chunks_of_any_size_export_exactly_as_the_reference(
    rows: list[dict[str, Any]], size: int
) -> None:
    """Odd values anywhere, chunk boundaries anywhere: the reference's bytes (or its error)."""
    with tempfile.TemporaryDirectory() as folder, chunks_of(size) as readers:
        path = Path(folder) / "t.db"
        write_attempts(path, rows, TRAINEES)
        assert outcome(fast, path) == outcome(reference, path)
        distinct = len({row["started_at"] for row in rows}) == len(rows)
        if distinct and all(isinstance(row["started_at"], str) for row in rows):
            assert readers, "start times all differ: the chunked path should have run"


#: Values a tampered file may hold that the chunk's text encoding must not misread:
#: BLOBs in text columns, NULL where talkdown never writes one, the separator itself,
#: a NUL inside a text, and '' standing where the chunk writes '' for NULL.
ENCODING_ODD = [
    *(("uuid", v) for v in (None, b"u-blob", b"\xff\xfe", "a\x1fb", "nul\0in")),
    ("scenario_id", b"s"), ("scenario_title", b"\x80title"), ("scenario_title", "t\x1f\x1ft"),
    ("scenario_title", "before\0after"), ("started_at", b"2024-03-02T09:00:00.250000Z"),
    ("finished_at", b"2024-03-02T09:01:31.750500Z"), ("finished_at", ""),
    ("sins", b"{}"), ("sins", b"\xff"), ("sins", '{"a\\u001fb":2}'), ("critical", b"[]"),
    ("critical", ""), ("outcome", b"\x00\x1f"), ("outcome", b"plain"), ("outcome", b"\xff"),
    ("outcome", ""), ("outcome", "a\x1fb\0c"), ("outcome", None),
]  # fmt: skip


@pytest.mark.parametrize(("column", "value"), ENCODING_ODD, ids=repr)
@pytest.mark.parametrize("size", [1, 2, 4])
def test_values_the_chunk_encoding_could_misread(
    scratch: Path, column: str, value: object, size: int
) -> None:
    rows = clean_rows(5)
    odd = rows[2]
    if column == "critical":
        odd["critical_count"] = 1
    odd[column] = value
    write_attempts(scratch / "t.db", rows, TRAINEES)
    with chunks_of(size) as readers:
        assert outcome(fast, scratch / "t.db") == outcome(reference, scratch / "t.db")
        assert readers  # (a BLOB start sorts after every text one: no tie either)
        got = items(scratch / "t.db")
    # The attempts around the odd one still come as lines.
    assert sum(item.attempts for item in got if isinstance(item, CsvLines)) >= 4


def test_a_chunk_holding_the_separator_is_read_again_row_by_row(scratch: Path) -> None:
    """A title with the separator in it: that chunk's rows come from a plain query, still fast."""
    rows = clean_rows(7)
    rows[4]["scenario_title"] = "Split\x1fhere"
    write_attempts(scratch / "t.db", rows, TRAINEES)
    with chunks_of(3) as readers:
        got = items(scratch / "t.db")
        assert readers
    assert all(isinstance(item, CsvLines) for item in got)
    assert sum(item.attempts for item in got if isinstance(item, CsvLines)) == 7
    assert fast(scratch / "t.db") == reference(scratch / "t.db")
    assert "Split\x1fhere" in reference(scratch / "t.db")


def test_a_null_uuid_goes_the_reference_way_by_rowid(scratch: Path) -> None:
    """Two attempts without a uuid (SQLite's text keys allow NULL) are both exported, in order."""
    rows = clean_rows(4)
    write_attempts(scratch / "t.db", rows, TRAINEES)
    with sqlite3.connect(scratch / "t.db") as conn:
        conn.execute("UPDATE attempts SET uuid = NULL WHERE uuid IN ('u1', 'u2')")
    conn.close()
    with chunks_of(2):
        got = items(scratch / "t.db")
        assert [item.uuid for item in got if isinstance(item, AttemptRecord)] == [None, None]
        assert fast(scratch / "t.db") == reference(scratch / "t.db")


def test_more_trainees_than_the_cache_holds(scratch: Path) -> None:
    rows = clean_rows(12)
    trainees = [(f"T{n}, {n}", f"=c{n % 3}") for n in range(5)]
    write_attempts(scratch / "t.db", rows, trainees)
    with chunks_of(4), pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_lines, "_TRAINEES", 2)
        assert fast(scratch / "t.db") == reference(scratch / "t.db")


def test_stopping_early_stops_the_worker(scratch: Path) -> None:
    rows = clean_rows(30)
    write_attempts(scratch / "t.db", rows, TRAINEES)
    with chunks_of(2) as readers, open_store(scratch / "t.db") as store, store.snapshot() as view:
        lines = view.attempt_csv(ALL)
        first = next(lines)
        assert isinstance(first, CsvLines)
        assert first.text.startswith("u0,")
        worker = readers[0]._thread  # type: ignore[attr-defined]
        assert worker.is_alive()  # reading ahead, blocked on its full queue
        lines.close()  # type: ignore[attr-defined]
        assert not worker.is_alive()


def test_an_error_in_the_worker_reaches_the_reader_as_a_store_error(scratch: Path) -> None:
    rows = clean_rows(5)
    write_attempts(scratch / "t.db", rows, TRAINEES)
    with chunks_of(2) as readers, pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_lines, "chunk_sql", lambda where, first: "SELECT no_such_column")
        with pytest.raises(StoreError):
            fast(scratch / "t.db")
        assert readers
        assert not readers[0]._thread.is_alive()  # type: ignore[attr-defined]


@pytest.mark.parametrize("filters", [ALL, Filters(since=T0)], ids=["all", "since"])
def test_each_chunk_reads_the_start_index_without_sorting(scratch: Path, filters: Filters) -> None:
    """Every chunk query walks the start index from where the last one stopped: no sort, so
    an export's work grows with its attempts, not with their square."""
    write_attempts(scratch / "t.db", [{**CLEAN, "uuid": "u", "started_at": starts(1)[0]}], TRAINEES)
    where, params = filter_clauses(filters, format_utc)
    conn = sqlite3.connect(scratch / "t.db")
    for first in (True, False):
        sql = csv_lines.chunk_sql(where, first)
        args = params if first else [*params, starts(1)[0]]
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        assert "attempts_started" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    conn.close()


# --------------------------------------------------------------------------- SQLite's cells


def two_decimal_scores() -> list[float]:
    """Every score from 0.00 to 100.00, its float neighbours, and the written ties between."""
    values = []
    for c in range(10001):
        exact = c / 100
        values += [exact, exact + 1e-12, max(0.0, exact - 1e-12), (c + 0.5) / 100]
    return values


def assert_printed_as_python(printed: list[tuple[float, str | None]]) -> None:
    """Each (score, the database's cell or None if held back): the cell is Python's, and
    exactly the written ties (c + 0.5) / 100 of `two_decimal_scores` are held back."""
    held_back = 0
    for value, text in printed:
        if text is None:
            held_back += 1
            continue
        assert text == repr(sheet_score(value)), value
    assert held_back == 10001


def test_sqlite_prints_every_two_decimal_score_as_python_writes_it() -> None:
    """Every score from 0.00 to 100.00, and its float neighbours, both ways to write it agree.

    The template's ``%!.2f`` must equal ``repr(sheet_score(x))`` wherever the
    tie test lets SQLite print (and the tie test must hold every written tie back).
    """
    values = two_decimal_scores()
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE attempts (empathy REAL)")
    conn.executemany("INSERT INTO attempts VALUES (?)", [(v,) for v in values])
    printed = conn.execute(
        f"SELECT empathy, CASE WHEN {tie_free('a.empathy')} THEN printf('%!.2f', a.empathy) END"
        " FROM attempts a"
    ).fetchall()
    assert_printed_as_python(printed)


def test_cells_text_is_the_writers_encoding_of_those_cells() -> None:
    cells: list[object] = ["a,b", 'q"', "line\nend", "", None, 1.0, 3, "=x", "\0", "é"]
    out = io.StringIO(newline="")
    csv.writer(out).writerow(cells)
    assert cells_text(*cells) + "\r\n" == out.getvalue()
    assert cells_text("") == ""  # a lone empty cell is not written as ""


def test_duration_cell_is_the_writers_cell_for_the_rounded_seconds() -> None:
    for delta in (
        timedelta(seconds=31),
        timedelta(microseconds=1_500),
        timedelta(days=400, microseconds=7),
    ):
        assert duration_cell(delta) == cells_text(rounded_seconds(delta))


# --------------------------------------------------------------------------- PostgreSQL
#
# The server's columns are typed, so what a tampered database can hold there is
# values, not types: NaN, infinities, -0 and ties for scores, times outside years
# 1-9999, a finish before the start, and (with its CHECKs dropped) modes,
# statuses and endings outside the closed sets.

pg = pytest.mark.postgresql
#: Text PostgreSQL stores (no NUL).
pg_text = st.one_of(
    st.text(
        alphabet=st.sampled_from([c for c in [*HOSTILE, *"abyz019"] if c != "\0"]), max_size=10
    ),
    st.sampled_from(["Ann", "O'Brien, Pat", '"Quoted" Q', "=SUM(A1)", "-2", "+1", "@x", "Zoë"]),
)


def write_pg(url: str, rows: list[dict[str, Any]], trainees: list[tuple[str, str]]) -> None:
    """*rows* straight into a fresh talkdown schema (its closed-set CHECKs dropped)."""
    import psycopg

    open_store(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        for name in ("attempts_mode_check", "attempts_status_check", "attempts_ending_check",
                     "attempts_check"):  # fmt: skip
            conn.execute(f"ALTER TABLE attempts DROP CONSTRAINT IF EXISTS {name}")
        for i, (name, cohort) in enumerate(trainees):
            conn.execute(
                "INSERT INTO trainees (id, name, cohort, created_at) VALUES (%s, %s, %s, %s)",
                (i + 1, name, cohort, "2024-01-01T00:00:00Z"),
            )
        for n, row in enumerate(rows):
            values = {**row, "trainee_id": 1 + n % len(trainees)}
            values.update(content_hash="c" * 64, start_node="n0", app_version=None,
                          updated_at=row["started_at"], techniques="{}")  # fmt: skip
            values["passed"] = None if row["passed"] is None else bool(row["passed"])
            columns = ", ".join(values)
            marks = ", ".join(["%s"] * len(values))
            conn.execute(
                f"INSERT INTO attempts ({columns}) VALUES ({marks})", list(values.values())
            )


@st.composite
def pg_attempt(draw: st.DrawFn, odd: bool) -> dict[str, Any]:
    """One attempts row for PostgreSQL; *odd*: one or two values talkdown never writes."""
    row = draw(attempt(odd=False))
    if row["finished_at"] is not None:
        # A duration ending in exactly 500 µs is a tie the server leaves to Python
        # (test_postgresql_prints_durations_as_python_writes_them); one more µs.
        started, finished = (datetime.fromisoformat(row[k]) for k in ("started_at", "finished_at"))
        if (finished - started) // timedelta(microseconds=1) % 1000 == 500:
            row["finished_at"] = format_utc(finished + timedelta(microseconds=1))
    row.update(
        uuid=draw(st.uuids(version=4).map(str)),
        scenario_id=draw(pg_text), scenario_title=draw(pg_text),
        outcome=draw(st.one_of(st.none(), pg_text)),
        ending=None if row["status"] != "completed" else draw(st.sampled_from(ENDINGS)),
    )  # fmt: skip
    count, critical = draw(critical_lists())
    if "\\u0000" not in critical:  # (json refuses a NUL escape into text)
        row.update(critical_count=count, critical=critical)
    else:
        row.update(critical_count=0, critical="[]")
    if odd:
        strange = {
            **{name: st.one_of(st.sampled_from(
                [*TIES, -16.665, -0.0, -5.5, 1e7, math.nan, math.inf, -math.inf]), tie_scores)
               for name in ("empathy", "assertiveness", "speed", "overall")},
            "started_at": st.sampled_from(["10000-01-01T00:00:00Z", "0001-01-01T00:00:00Z BC"]),
            "finished_at": st.sampled_from(["2000-01-01T00:00:00.0005Z", "1999-12-31T23:59:59Z",
                                            "2200-01-01T00:00:00Z"]),
            "mode": pg_text, "status": pg_text, "ending": pg_text,
            "sins": st.sampled_from(['{"b":1,"a":2}', "[]", '{"x":"2"}', '{"=x":true}']),
            "critical": st.sampled_from([(1, "[1, 2]"), (1, '[{"reason": 5}]'), (0, "{}")]),
        }  # fmt: skip
        for column in draw(st.lists(st.sampled_from(sorted(strange)), max_size=2)):
            value = draw(strange[column])
            if column == "critical":
                row["critical_count"], row["critical"] = value
            else:
                row[column] = value
    return row


@pytest.fixture
def pg_targets() -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL schemas (``--db`` URLs), dropped after; skips without a server."""
    import psycopg

    server = pg_server()
    if server is None:
        pytest.skip(PG_SKIP)
    schemas: list[str] = []

    def make() -> str:
        schemas.append(f"test_{uuid.uuid4().hex[:16]}")
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schemas[-1]}")
        return with_search_path(server, schemas[-1])

    yield make
    with psycopg.connect(server, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pg
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(pg_attempt(odd=False), min_size=1, max_size=10),
    trainees=st.lists(st.tuples(pg_text, pg_text), min_size=1, max_size=3, unique=True),
)
def test_postgresql_builds_the_reference_lines(
    pg_targets: Callable[[], str], rows: list[dict[str, Any]], trainees: list[tuple[str, str]]
) -> None:
    """Talkdown-shaped attempts, hostile text included: every line built by the server, exact."""
    url = pg_targets()
    write_pg(url, rows, trainees)
    assert fast(url) == reference(url)
    assert all(isinstance(item, CsvLines) for item in items(url))


@pg
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(pg_attempt(odd=True), min_size=1, max_size=8))
def test_postgresql_odd_values_export_exactly_as_the_reference(
    pg_targets: Callable[[], str], rows: list[dict[str, Any]]
) -> None:
    """Ties, NaN, -0, far years, negative durations, odd JSON: the same bytes, or the same error."""
    url = pg_targets()
    write_pg(url, rows, TRAINEES)
    assert outcome(fast, url) == outcome(reference, url)


PG_CLEAN: dict[str, Any] = {**CLEAN, "uuid": "00000000-0000-4000-8000-000000000001"}
PG_ODD = [
    *(("empathy", v) for v in (16.665, 3.125, -16.665, -0.0, 0.0, 1e7, math.nan, math.inf)),
    ("started_at", "10000-01-01T00:00:00Z"),
    ("started_at", "0001-01-01T00:00:00Z BC"),
    ("started_at", "0001-01-01T00:00:00.999999Z"),  # the first and last second the
    ("started_at", "9999-12-31T23:59:59.999999Z"),  # server prints: cut, never rounded
    ("finished_at", "10000-01-01T00:00:00Z"),
    ("finished_at", "2024-03-01T09:00:00Z"),  # before the start
    ("finished_at", "2024-03-01T09:00:00.249600Z"),  # 0.0004 s before it: -0.0 to Python
    ("finished_at", "2024-03-01T09:01:31.750500Z"),  # a duration tie: 91.5005 s
    ("finished_at", "2024-03-01T09:00:01.250500Z"),  # 1.0005 s, a tie Python rounds down
    ("mode", "a,b"), ("status", "=x"), ("ending", "=soon"), ("ending", "x,y"),
    ("sins", '{"b":1,"a":2}'), ("sins", '{"x":"2"}'), ("critical", "[1, 2]"),
    # A NUL or a lone surrogate escape: Python's cell holds what the server's text cannot.
    ("sins", '{"a\\u0000b":1}'), ("critical", '[{"reason": "x\\u0000y"}]'),
    ("sins", '{"a\\ud800b":1}'), ("critical", '[{"reason": "x\\udfffy"}]'),
]  # fmt: skip


@pg
@pytest.mark.parametrize(("column", "value"), PG_ODD, ids=repr)
def test_postgresql_one_odd_value_goes_the_reference_way(
    pg_targets: Callable[[], str], column: str, value: object
) -> None:
    rows = [
        {**PG_CLEAN, "uuid": f"00000000-0000-4000-8000-00000000000{n}",
         "started_at": f"2024-03-0{n + 1}T09:00:00.250000Z",
         "finished_at": f"2024-03-0{n + 1}T09:01:31.750400Z"}
        for n in range(3)
    ]  # fmt: skip
    rows[1][column] = value
    if column == "finished_at":
        rows[1]["started_at"] = "2024-03-01T09:00:00.250000Z"
    if column == "started_at":  # a start the reference only slices
        rows[1]["finished_at"] = None
    url = pg_targets()
    write_pg(url, rows, TRAINEES)
    assert outcome(fast, url) == outcome(reference, url)
    got = items(url)
    assert [item.attempts for item in got if isinstance(item, CsvLines)] in ([1, 1], [2], [3])


@pg
def test_postgresql_prints_every_two_decimal_score_as_python_writes_it(
    pg_targets: Callable[[], str],
) -> None:
    """The server's score cell equals ``repr(sheet_score(x))`` wherever `tie_free` lets it print."""
    import psycopg

    from simulator.results.postgres.csv_lines import score_text
    from simulator.results.postgres.csv_lines import tie_free as pg_tie_free

    values = two_decimal_scores()
    url = pg_targets()
    with psycopg.connect(url) as conn:
        conn.execute("SET extra_float_digits = 1")
        printed = conn.execute(
            f"SELECT x, CASE WHEN {pg_tie_free('x')} THEN {score_text('x')} END"
            " FROM unnest(%s::float8[]) x",
            (values,),
        ).fetchall()
    assert_printed_as_python(printed)


@pg
def test_postgresql_filters_select_the_same_attempts(pg_targets: Callable[[], str]) -> None:
    """Filters on the trainee's and on the attempt's columns: the reference's rows, exactly.

    The server reads the trainees' cells from their own table (only those with a
    matching attempt) and joins the trainees into the one scan only for filters
    that name them, so each kind of filter is checked, and a trainee whose
    attempts are all filtered out (``=cmd`` under ``cohort="c1"``) must not matter.
    """
    rng = random.Random(7)
    rows = [
        {**PG_CLEAN, "uuid": f"00000000-0000-4000-8000-{n:012d}",
         "scenario_id": rng.choice(["a", "b,c"]), "mode": rng.choice(["practice", "batch"]),
         "started_at": format_utc(T0 + timedelta(hours=n)),
         "finished_at": format_utc(T0 + timedelta(hours=n, seconds=rng.randrange(1, 99))),
         "outcome": rng.choice([None, "o, k", "=x"]),
         "sins": rng.choice(["{}", '{"coldness":2,"robotism":1}'])}
        for n in range(30)
    ]  # fmt: skip
    url = pg_targets()
    write_pg(url, rows, TRAINEES)
    since = datetime.fromisoformat(rows[15]["started_at"])
    for filters in (
        Filters(cohort="night, shift"),
        Filters(trainee="=cmd"),
        Filters(cohorts=("c1", '"q"')),
        Filters(since=since),
        Filters(scenario="b,c", since=since),
        Filters(cohort="nobody"),
    ):
        expected = reference(url, filters)
        assert fast(url, filters) == expected
        assert all(isinstance(item, CsvLines) for item in items(url, filters))
    assert reference(url, Filters(cohort="nobody")).count("\r\n") == 1  # the header alone


@pg
def test_postgresql_prints_durations_as_python_writes_them(
    pg_targets: Callable[[], str],
) -> None:
    """The server's duration cell equals `duration_cell` wherever `duration_free` lets it print.

    Durations from 0 to just under 1e9 s (below and past a day, where the
    server's double is no longer Python's to the ulp), each with its
    neighbours a microsecond either side of a millisecond tie. Exactly the
    ties (… 500 µs) are left to Python: any other duration is 1 µs from one,
    far more than the float error the rule allows for; so is 1e9 s and beyond.
    """
    import psycopg

    from simulator.results.postgres.csv_lines import _DURATION, duration_free

    rng = random.Random(13)
    start = datetime(2024, 3, 1, 9, 0, 0, 250000, tzinfo=UTC)
    micros = [0, 1, 499, 500, 501, 999, 1000, 86_399_999_500, 86_400_000_500, 999_999_999_999_500]
    for exponent in range(3, 16):
        for _ in range(40):
            n = rng.randrange(10**exponent) // 1000 * 1000 + 500  # a tie ...
            micros += [n - 1, n, n + 1, n + rng.randrange(-499, 500)]  # ... and around it
    micros = [n for n in micros if 0 <= n < 10**15] + [10**15, 10**15 + 1, 3 * 10**15 + 1]
    finishes = [start + timedelta(microseconds=n) for n in micros]
    url = pg_targets()
    with psycopg.connect(url) as conn:
        conn.execute("SET extra_float_digits = 1")
        printed = conn.execute(
            f"SELECT CASE WHEN {duration_free()} THEN {_DURATION} END FROM"
            " (SELECT %s::timestamptz AS started_at, f AS finished_at, 'practice' AS mode"
            "  FROM unnest(%s::timestamptz[]) WITH ORDINALITY u(f, i) ORDER BY i) a",
            (start, finishes),
        ).fetchall()
    for n, finish, (text,) in zip(micros, finishes, printed, strict=True):
        if n % 1000 == 500 or n >= 10**15:
            assert text is None, n
        else:
            assert text == duration_cell(finish - start), n


@pg
def test_postgresql_prints_the_edge_years_itself(pg_targets: Callable[[], str]) -> None:
    """Starts in year 1 and year 9999, a microsecond before the next second: the server's lines.

    The sheet time is cut at the second, never rounded, and keeps four year
    digits, as `csv_export.sheet_time`'s slices of the stored text do.
    """
    starts = [
        "0001-01-01T00:00:00.999999Z",
        "0999-06-30T12:34:56.5Z",
        "9999-12-31T23:59:59.999999Z",
    ]
    rows = [
        {**PG_CLEAN, "uuid": f"00000000-0000-4000-8000-00000000000{n}", "started_at": start,
         "finished_at": None, "status": "abandoned", "ending": None, "passed": None}
        for n, start in enumerate(starts)
    ]  # fmt: skip
    url = pg_targets()
    write_pg(url, rows, TRAINEES)
    text = fast(url)
    assert text == reference(url)
    assert [item.attempts for item in items(url) if isinstance(item, CsvLines)] == [3]
    assert "0001-01-01 00:00:00" in text and "9999-12-31 23:59:59" in text
