"""The attempts CSV from PostgreSQL: the server builds each line, Python only streams them.

Why: formatting 100,000 rows in Python took 4.65 times as long as the bare
``COPY … TO STDOUT WITH CSV`` of the same SELECT; PostgreSQL formats a row
faster than psycopg can even hand Python its cells. So the server builds the
whole line (in parallel where it likes), streams the lines (a few thousand a
round trip: constant memory), and Python joins runs of them and writes them.

The columns are typed (uuid, bigint, double precision, boolean, timestamptz,
json), so the server prints most cells to `simulator.export.csv_export`'s
rules as they come:

* the uuid's canonical text, integers, ``true``/``false``;
* times as their ISO text in UTC, cut at the second: exactly the slices
  `csv_export.sheet_time` takes of the stored text (years 1–9999);
* a score as ``round(x * 100) / 100`` in its shortest text, ``.0`` added to a
  whole number: Python's ``repr(round(x, 2))`` for 0 ≤ x < 1e6 away from a
  written tie (`tie_free`);
* the duration as the seconds' double (``date_part``) rounded to milliseconds,
  printed like a score: Python's ``repr(round(delta.total_seconds(), 3))``
  for 0 ≤ it < 1e9 s away from a tie (`duration_free`).

The text cells (trainee and cohort, scenario id and title, sins, critical
reasons, outcome) are computed once per distinct value, in Python, by
`csv_export`'s own functions, so they are the reference's by construction:
the trainees come from their own small table, one scan of the attempts lists
their distinct values (``GROUPING SETS``), and the line query looks the cells
up in JSON objects passed as parameters. Each line checks the closed sets
(modes, statuses, endings) and the years 1–9999 itself: a few comparisons.

Where the time goes (100,000 attempts, 2 cores): the distinct scan ~40 ms
before the line query can start; the line query ~0.2 s until its sort yields
the first line (the server's parallel workers build and sort the lines), then
~0.1 s of streaming. The server's cost is mostly printing (scores, times,
uuids); Python's is the start-up.

A line the server cannot vouch for (a score at a tie, a negative duration, a
value whose cells the reference rules reject) comes as `UNPROVEN` and the
attempt's record as JSON instead (the connection is busy streaming, so the
record cannot be read then), and that attempt goes the reference way, in
order. tests/unit/test_csv_lines.py checks byte equality with the reference
on both backends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

from scoring.vocabulary import ENDINGS, SCORES
from simulator.results.rows import MODES, STATUSES, AttemptRecord, CsvLines
from simulator.results.sql import and_where

__all__ = ["UNPROVEN", "attempt_lines", "duration_free", "lines_sql", "score_text", "tie_free"]

Fetch = Callable[[str, Sequence[Any]], list[Any]]
Stream = Callable[[str, Sequence[Any]], Iterator[Any]]

#: Lines per `CsvLines`: one write each.
_LINES: Final = 4096

_FROM: Final = " FROM attempts a JOIN trainees t ON t.id = a.trainee_id"


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _in_years(column: str) -> str:
    """SQL: *column* in years 1–9999 (what Python's datetime reads, four digits wide)."""
    return f"{column} >= '0001-01-01 00:00:00+00' AND {column} < '10000-01-01 00:00:00+00'"


# --------------------------------------------------------------------------- the distinct values

_CRITICAL_TEXT: Final = "CASE WHEN a.critical_count <> 0 THEN a.critical::text END"
#: The one scan's GROUPING SETS: the attempts' distinct values whose cells Python computes.
_SETS: Final = (
    ("a.scenario_id", "a.scenario_title"),
    ("a.sins::text",),
    (_CRITICAL_TEXT,),
    ("a.outcome",),
)
_SCENARIO, _SINS, _CRITICAL, _OUTCOME = range(len(_SETS))


def _from(where: str) -> str:
    """The attempts, joined to their trainees only where the filters name a trainee's column."""
    joined = re.search(r"\bt\.", where) is not None
    return (_FROM if joined else " FROM attempts a") + where


def _trainees_sql(where: str) -> str:
    """The trainees with a matching attempt: the small table, probed by the trainee index."""
    return (
        "SELECT t.id, t.name, t.cohort FROM trainees t WHERE EXISTS"
        f" (SELECT 1 FROM attempts a{and_where(where, 'a.trainee_id = t.id')})"
    )


def _distinct_sql(where: str) -> str:
    """The one scan: rows (set, *every set's expressions*), NULL outside the row's set.

    GROUPING() of the sets' first expressions tells the sets apart (a listed
    value may itself be NULL): a bit per set not grouped by, the first highest.
    Hashing the few text columns of the attempts alone is the cheap part; the
    trainees come from their own table (`_trainees_sql`) and the closed sets
    and years are checked row by row in the line query (a few comparisons).
    """
    keys = ", ".join(group[0] for group in _SETS)
    columns = ", ".join(expr for group in _SETS for expr in group)
    sets = ", ".join(f"({', '.join(group)})" for group in _SETS)
    return f"SELECT GROUPING({keys}), {columns}{_from(where)} GROUP BY GROUPING SETS ({sets})"


def _set_of(mask: int) -> int:
    """Which of `_SETS` a `_distinct_sql` row lists (GROUPING() is 0 only in its set's bit)."""
    top = len(_SETS) - 1
    return next(
        (i for i in range(len(_SETS)) if mask == (1 << len(_SETS)) - 1 - (1 << (top - i))), -1
    )


# --------------------------------------------------------------------------- the line


def tie_free(column: str) -> str:
    """SQL: the score is NULL, or a double below 1e6 whose cell the server prints as Python does.

    Rounding ``x * 100`` to the nearest integer agrees with Python's
    ``round(x, 2)`` unless the scaled value lies within float error of
    ``n + 0.5``; there the reference rounds the written decimal half up, so
    2e-6 either side of a tie is left to Python (twice the reference's own
    margin). Below 1e6 the scaled value is exact to 1e-8.
    """
    scaled = f"{column} * 100"
    return (
        f"({column} IS NULL OR {column} >= 0 AND {column} < 1e6"
        f" AND abs({scaled} - floor({scaled}) - 0.5) > 2e-6)"
    )


def score_text(column: str) -> str:
    """SQL: the cell of a `tie_free` score: ``repr(round(x, 2))`` ('' for NULL).

    ``round(x * 100) / 100`` is the very double Python's ``round`` returns, and
    a double's text (``extra_float_digits`` 1) is its shortest round-trip
    digits, as Python's ``repr``; only a whole number lacks the ``.0``.
    """
    cents = f"round({column} * 100)"
    return (
        f"coalesce(({cents} / 100)::text"
        f" || CASE WHEN mod({cents}::bigint, 100) = 0 THEN '.0' ELSE '' END, '')"
    )


def _sheet_time(column: str) -> str:
    """SQL: `csv_export.sheet_time` of the stored form: ISO text in UTC, cut at the second.

    The session's zone is UTC (`attempt_lines` pins it), so the cast is the UTC
    time; a timestamp truncated to the second prints without a fraction
    (cheaper than printing one and cutting it off).
    """
    return f"date_trunc('second', {column}::timestamp)::text"


#: Seconds from start to finish, a double: ``date_part`` of the interval is the
#: microseconds over 1e6 (plus whole days' seconds past a day), within an ulp of
#: the exact value, as Python's ``total_seconds()`` (exactly it below a day).
_SECONDS: Final = "date_part('epoch', a.finished_at - a.started_at)"
_MILLIS: Final = f"round({_SECONDS} * 1000)"


def duration_free() -> str:
    """SQL: the attempt's duration cell is empty, or one the server prints as Python does.

    Below 1e9 s a double is within 1.2e-7 s of the exact microseconds, so
    ``x * 1000`` lies within 2e-4 of the exact milliseconds: it rounds to the
    integer Python's ``round(x, 3)`` keeps unless the duration ends in exactly
    500 µs (a tie, 1e-3 from any other microsecond), where the binary value
    decides, so that is left to Python.
    """
    scaled = f"{_SECONDS} * 1000"
    return (
        "(a.finished_at IS NULL OR a.mode = 'batch'"
        f" OR {_SECONDS} >= 0 AND {_SECONDS} < 1e9"
        f" AND abs({scaled} - floor({scaled}) - 0.5) > 5e-4)"
    )


#: The duration cell of a `duration_free` attempt: ``repr(round(x, 3))``, as `score_text`.
_DURATION: Final = (
    "CASE WHEN a.finished_at IS NULL OR a.mode = 'batch' THEN ''"
    f" ELSE ({_MILLIS} / 1000)::text"
    f" || CASE WHEN mod({_MILLIS}::bigint, 1000) = 0 THEN '.0' ELSE '' END END"
)

#: The cells Python computes, looked up by their key in a JSON object parameter
#: (``jsonb ->>``: a binary search of the constant, parsed once; NULL where the key
#: is missing or its cells are null, which makes the whole line NULL). Cheaper than
#: joining tables of them: no hashing of the keys, no columns carried through joins.
#: The parameters come in this order in the line.
_LOOKUPS: Final = {
    "trainee": "(%s::jsonb ->> a.trainee_id::text)",
    "scenario": "(%s::jsonb -> a.scenario_id ->> a.scenario_title)",
    "sins": "(%s::jsonb ->> a.sins::text)",
    "critical": "CASE WHEN a.critical_count = 0 THEN '' ELSE %s::jsonb ->> a.critical::text END",
    "outcome": "CASE WHEN a.outcome IS NULL THEN '' ELSE %s::jsonb ->> a.outcome END",
}

#: The line's cells, in `csv_export.ATTEMPT_COLUMNS` order.
_CELLS: Final = (
    "a.uuid::text", _LOOKUPS["trainee"], _LOOKUPS["scenario"], "a.mode",
    "coalesce(a.timed_seconds::text, '')",
    _sheet_time("a.started_at"), f"coalesce({_sheet_time('a.finished_at')}, '')", _DURATION,
    "a.seconds::text", "a.status", "coalesce(a.ending, '')",
    *(score_text(f"a.{name}") for name in SCORES),
    "CASE WHEN a.passed THEN 'true' WHEN NOT a.passed THEN 'false' ELSE '' END", "a.turns::text",
    _LOOKUPS["sins"], _LOOKUPS["critical"], _LOOKUPS["outcome"],
)  # fmt: skip

#: What must hold, row by row, for the server's line to be the reference's (besides
#: every looked-up cell being there).
_PROVEN: Final = (duration_free(), *(tie_free(f"a.{name}") for name in SCORES))
#: The closed sets and the years (the schema's checks hold the former; a tampered
#: database may not).
_SHAPES: Final = (
    f"a.mode IN ({_quoted(MODES)})", f"a.status IN ({_quoted(STATUSES)})",
    f"(a.ending IS NULL OR a.ending IN ({_quoted(ENDINGS)}))", _in_years("a.started_at"),
    f"(a.finished_at IS NULL OR {_in_years('a.finished_at')})",
)  # fmt: skip

#: What an unproven row starts with (a line starts with a uuid); its record as JSON follows.
UNPROVEN: Final = "!"
#: `AttemptRecord` as a JSON array, doubles as their text (exact: ``-0``, ``NaN``).
_RECORD: Final = (
    "json_build_array(a.uuid::text, t.name, t.cohort, t.email, a.scenario_id, a.scenario_title,"
    " a.content_hash, a.mode, a.timed_seconds, a.start_node, {started}, {finished}, {updated},"
    " a.status, a.ending, a.ending_node, a.empathy::text, a.assertiveness::text, a.speed::text,"
    " a.overall::text, a.passed, a.seconds, a.turns, a.app_version, a.shuffle_seed, a.outcome,"
    " a.critical_count, a.critical::text, a.sins::text, a.techniques::text, a.matcher,"
    " a.matcher_version)::text"
)
_DOUBLES: Final = (16, 17, 18, 19)


def lines_sql() -> str:
    """The SELECT `attempt_lines` streams (before its WHERE and ORDER BY).

    One column: the attempt's line, or `UNPROVEN` and the record. Five
    parameters (`_LOOKUPS`): JSON objects of the cells by trainee id, by
    scenario id then title, by stored sins, critical reasons and outcome.
    """
    from simulator.results.postgres.view import utc_text

    proven = " AND ".join([*_PROVEN, *_SHAPES])
    record = _RECORD.format(
        started=utc_text("a.started_at"),
        finished=utc_text("a.finished_at"),
        updated=utc_text("a.updated_at"),
    )
    line = " || ',' || ".join(_CELLS) + " || E'\\r\\n'"
    return f"SELECT coalesce(CASE WHEN {proven} THEN {line} END, '{UNPROVEN}' || {record}){_FROM}"


# --------------------------------------------------------------------------- Python's part


def _cells(make: Callable[..., str], *values: Any) -> str | None:
    """``make(*values)``, or None where the reference rules reject the values.

    (Malformed JSON and the like: those attempts go the reference way, which
    raises the reference's own error; so do cells the server's text cannot hold.)
    """
    try:
        made: str = make(*values)
        # Nor can a NUL or a lone surrogate (``\u0000``, ``\ud800`` in stored JSON)
        # enter the server's text.
        made.encode()
    except Exception:
        return None
    return None if "\0" in made else made


def _record(text: str) -> AttemptRecord:
    """The record an unproven row carries (`_RECORD`), typed as the view reads it."""
    values = json.loads(text)
    for i in _DOUBLES:
        if values[i] is not None:
            values[i] = float(values[i])
    return AttemptRecord._make(values)


def _run(lines: list[str]) -> Iterator[CsvLines | AttemptRecord]:
    """A run of rows as lines, an unproven row as its record (lines start with a uuid)."""
    text = "".join(lines)
    if not text.startswith(UNPROVEN) and f"\n{UNPROVEN}" not in text:
        yield CsvLines(text, len(lines))
        return
    run: list[str] = []
    for line in lines:
        if not line.startswith(UNPROVEN):
            run.append(line)
            continue
        if run:
            yield CsvLines("".join(run), len(run))
            run = []
        yield _record(line[len(UNPROVEN) :])
    if run:
        yield CsvLines("".join(run), len(run))


def attempt_lines(
    rows: Fetch, stream: Stream, where: str, params: Sequence[Any]
) -> Iterator[CsvLines | AttemptRecord]:
    """`ResultsView.attempt_csv` for PostgreSQL, over one REPEATABLE READ transaction.

    *rows* runs a query (``%s`` parameters) and returns its rows; *stream*
    streams a big one's rows (the connection busy meanwhile, so an unproven
    row brings its record along); *where* and *params* are the filters'
    clause over aliases ``a`` and ``t``.
    """
    # The reference cell rules; imported here, as the export package imports this one.
    from simulator.export import csv_export as rules

    trainees = {
        str(trainee): _cells(rules.trainee_cells, name, cohort)
        for trainee, name, cohort in rows(_trainees_sql(where), params)
    }
    scenarios: dict[str, dict[str, str | None]] = {}
    maps: list[dict[str, str | None]] = [{} for _ in _SETS]
    for row in rows(_distinct_sql(where), params):
        which, values = _set_of(row[0]), row[1:]
        if which == _SCENARIO:
            scenario, title = values[0:2]
            scenarios.setdefault(scenario, {})[title] = _cells(
                rules.scenario_cells, scenario, title
            )
        elif which == _SINS:
            maps[which][values[2]] = _cells(rules.sins_cell, values[2])
        elif which == _CRITICAL and values[3] is not None:
            # Only attempts whose count is not 0 hand over their reasons.
            maps[which][values[3]] = _cells(rules.critical_cell, 1, values[3])
        elif which == _OUTCOME and values[4] is not None:
            maps[which][values[4]] = _cells(rules.outcome_cell, values[4])
    # The line's text forms are the session's settings: pin the ones it relies on
    # (and let the server sort the lines in memory: some 35 MB at 100,000 attempts).
    rows(
        "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),"
        " set_config('extra_float_digits', '1', true), set_config('work_mem', '64MB', true)",
        (),
    )
    objects = (trainees, scenarios, maps[_SINS], maps[_CRITICAL], maps[_OUTCOME])
    texts = [json.dumps(each, ensure_ascii=False) for each in objects]
    sql = f"{lines_sql()}{where} ORDER BY a.started_at, a.uuid"
    lines: list[str] = []
    for (line,) in stream(sql, [*texts, *params]):
        lines.append(line)
        if len(lines) >= _LINES:
            yield from _run(lines)
            lines.clear()
    if lines:
        yield from _run(lines)
