"""The attempts CSV from SQLite: SQLite prints the cells it can prove, Python the rest, at once.

Why: at 100,000 attempts, formatting every cell in Python (`csv_export.attempt_row`
and the csv module) took 3.5 times as long as the ``sqlite3`` tool's own dump
of the same SELECT. Measured per row and cell (benchmarks/bench_store.py and
the figures in docs/design.md), a cell costs about as much printed by SQLite
as fetched into Python, while checking a value in SQL costs several times
more; so each cell goes where it is cheapest to get exactly right:

* SQLite prints, into one ``%``-template per attempt, the cells it can print
  after cheap per-row checks: mode, timed_seconds, call_seconds, status,
  ending, passed, turns (values from small closed sets and integers), and
  the four scores with ``%!.2f`` (two decimals, trailing zeros dropped but
  ``.0`` kept: Python's ``repr(round(x, 2))`` for any score not within float
  error of a written tie, which SQLite tests for and then withholds the
  template).
* Python fills the template in with the uuid, the two sheet times (the very
  slices `csv_export.sheet_time` takes), the duration (`datetime` arithmetic,
  as the reference does it) and, cached per distinct value, the trainee,
  scenario, sins, critical and outcome cells, which `csv_export`'s own
  functions compute.

And both halves run at once, on two cores. SQLite releases Python's lock
while it steps a statement, so a worker thread runs the queries while the
main thread fills in the chunk before. For that, one step must yield a whole
chunk, not a row (a thread that needs Python's lock for every row waits for
it every time): each chunk query concatenates ``_CHUNK`` rows' fields, unit
separator between them, in start order, and the next chunk starts after the
last start seen (no two matching attempts share a start: that is checked
first; with ties, or with filters on other columns, whose best plan is not
the start index, the rows stream from one query instead). A chunk whose
text holds a separator of its own is read again row by row.

Anything the fast path cannot vouch for goes the reference way, in order: the
exporter formats that attempt's record with `csv_export.attempt_row` (or
raises the very error the reference raises). tests/unit/test_csv_lines.py
checks byte equality with the reference on generated data, hostile values
included, in chunks of every size.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final, NamedTuple

from scoring.vocabulary import ENDINGS, SCORES
from simulator.results.filters import Filters
from simulator.results.rows import MODES, STATUSES, AttemptRecord, CsvLines
from simulator.results.sql import and_where

__all__ = [
    "attempt_lines",
    "chunk_sql",
    "lines_sql",
    "scores_are_real",
    "started_ties_sql",
    "tie_free",
]

Rows = Callable[[str, Sequence[Any]], Iterator[Any]]
#: Reads the records of these rowids (the attempts the fast path leaves to the reference).
Records = Callable[[Sequence[int]], dict[int, AttemptRecord]]

#: Attempts per chunk (one query step, one `CsvLines` when all are proven).
_CHUNK: Final = 4096
#: Chunks the worker reads ahead of the formatting (memory: a few MB).
_AHEAD: Final = 2
#: Distinct values kept per cell cache (bounded, so hostile data cannot grow it).
_CACHE: Final = 16384
#: Trainees kept: a miss costs a query, so an organisation's worth.
_TRAINEES: Final = 65536
#: `safety.FORMULA_STARTS`: a uuid starting with one of these is not printed as is.
_FORMULA_STARTS: Final = "=+-@\t\r"
#: What makes a uuid cell other than its text: a quote, a ' in front (see safety).
_UUID_MARKS: Final = (",", '"', "\r", "\n=", "\n+", "\n-", "\n@", "\n\t")
#: What makes a sheet time other than its slices: quotes.
_TIME_MARKS: Final = (",", '"', "\r", "\n")
#: Between a chunk's fields (and rows): the ASCII unit separator.
_SEP: Final = "\x1f"

_FROM: Final = " FROM attempts a JOIN trainees t ON t.id = a.trainee_id"


# --------------------------------------------------------------------------- SQL


def tie_free(column: str) -> str:
    """SQL: the score is NULL, or SQLite's ``%!.2f`` rounds it as `csv_export.sheet_score` does.

    Both round to the nearest hundredth unless the score is within float error
    of a written tie (``16.665``); there the reference rounds half up on the
    decimal form. The two CASTs differ exactly when ``x * 100`` lies within
    2e-6 of ``n + 0.5`` (twice the reference's own 1e-6 margin, so float error
    in either test cannot matter). Below 1e6 the scaled value is exact to 1e-8.
    A negative, huge or non-numeric score (text sorts after numbers) is withheld.
    """
    scaled = f"{column} * 100.0"
    return (
        f"({column} IS NULL OR {column} >= 0 AND {column} < 1e6"
        f" AND CAST({scaled} + 0.499998 AS INTEGER) = CAST({scaled} + 0.500002 AS INTEGER))"
    )


def _template(unfinished: bool, batch: bool, missing: Sequence[bool]) -> str:
    """The printf format of one row shape: SQLite's cells, ``%%``-slots for Python's.

    Python's slots, in order: uuid, the trainee and scenario cell pairs, the
    started time (``%.10s %.8s`` of the text and of its tail from the 12th
    character: `csv_export.sheet_time`'s slices), the finished time, the
    duration, sins, critical, outcome. A slot whose cell is empty for this
    shape reads ``%.0s``: it takes its value and prints nothing.
    """
    finished = "%%.0s%%.0s" if unfinished else "%%.10s %%.8s"
    duration = "%%.0s" if unfinished or batch else "%%s"
    scores = ",".join("%.0s" if gone else "%!.2f" for gone in missing)
    return (
        f"%%s,%%s,%%s,%s,%s,%%.10s %%.8s,{finished},{duration},%s,%s,%s,{scores},%s,%s,"
        "%%s,%%s,%%s\r\n"
    )


def _templates() -> str:
    """SQL: the row's printf format, picked by which cells it lacks."""
    shape = " + ".join(f"(a.{name} IS NULL) * {1 << i}" for i, name in enumerate(SCORES))
    shape += f" + (a.mode = 'batch') * {1 << len(SCORES)}"
    shape += f" + (a.finished_at IS NULL) * {2 << len(SCORES)}"
    none = (1 << len(SCORES)) - 1
    common = [0, 1 << len(SCORES), (2 << len(SCORES)) + none, (3 << len(SCORES)) + none]
    order = common + [code for code in range(4 << len(SCORES)) if code not in common]
    whens = []
    for code in order:
        missing = [bool(code >> i & 1) for i in range(len(SCORES))]
        batch, unfinished = bool(code >> len(SCORES) & 1), bool(code >> len(SCORES) >> 1 & 1)
        whens.append(f"WHEN {code} THEN '{_template(unfinished, batch, missing)}'")
    return f"CASE {shape} {' '.join(whens)} END"


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


#: What must hold, row by row, for SQLite's template and the chunk's fields to be exact:
#: the closed sets and integers as talkdown writes them, the scores away from ties, and
#: the text columns text (a BLOB would print as raw bytes; the chunk's '' stands for NULL,
#: so an empty finished time or critical list must not pass for a missing one).
_PROVEN: Final = " AND ".join(
    [
        f"a.mode IN ({_quoted(MODES)})",
        f"a.status IN ({_quoted(STATUSES)})",
        f"(a.ending IS NULL OR a.ending IN ({_quoted(ENDINGS)}))",
        "(a.passed IS NULL OR a.passed IN (0, 1))",
        "typeof(a.timed_seconds) IN ('integer', 'null') AND typeof(a.seconds) = 'integer'",
        "typeof(a.turns) = 'integer' AND typeof(a.critical_count) = 'integer'",
        "min(typeof(a.uuid), typeof(a.scenario_id), typeof(a.scenario_title),"
        " typeof(a.started_at), typeof(a.sins)) = 'text'",
        "(a.finished_at IS NULL OR typeof(a.finished_at) = 'text' AND a.finished_at <> '')",
        "typeof(a.outcome) <> 'blob'",
        "(a.critical_count = 0 OR typeof(a.critical) = 'text' AND a.critical <> '')",
        *(tie_free(f"a.{name}") for name in SCORES),
    ]
)

#: SQLite's template filled in with its cells (for a `_PROVEN` row).
_PRINTF: Final = (
    f"printf({_templates()}, "
    + ", ".join(
        ["a.mode", "a.timed_seconds", "a.seconds", "a.status", "a.ending"]
        + [f"a.{name}" for name in SCORES]
        + ["CASE a.passed WHEN 1 THEN 'true' WHEN 0 THEN 'false' END", "a.turns"]
    )
    + ")"
)
#: The fields `_Formatter` reads per attempt, in order, before and after the template:
#: rowid, uuid, trainee id, scenario id and title, started, finished; then the stored
#: sins summary, the critical reasons ('' when there are none) and the outcome.
_BEFORE: Final = (
    "a.rowid", "a.uuid", "a.trainee_id", "a.scenario_id", "a.scenario_title", "a.started_at",
    "a.finished_at",
)  # fmt: skip
_AFTER: Final = (
    "a.sins", "CASE WHEN a.critical_count = 0 THEN '' ELSE a.critical END", "a.outcome",
)  # fmt: skip
_WIDTH: Final = len(_BEFORE) + 1 + len(_AFTER)
#: The fields a `_PROVEN` row may hold NULL in (the chunk's '' stands for it).
_NULLABLE: Final = ("a.finished_at", "a.outcome")


def lines_sql() -> str:
    """The SELECT `_Formatter` reads row by row (before its WHERE and ORDER BY).

    The template is NULL where a row is not `_PROVEN`.
    """
    fields = [*_BEFORE, f"CASE WHEN {_PROVEN} THEN {_PRINTF} END", *_AFTER]
    return f"SELECT {', '.join(fields)}{_FROM}"


def chunk_sql(where: str, first: bool) -> str:
    """One chunk: ``(fields, attempts, last start)`` for the next `_CHUNK` attempts by start.

    Each attempt's `lines_sql` fields are joined by `_SEP` (with ``||``, which
    keeps a NUL inside a text, unlike printf's ``%s``), NULL as ''; an
    unproven attempt hands over its rowid alone, so a BLOB's bytes never reach
    the text. The attempts are concatenated in the subquery's start order.
    *where*: the filters' clause; *first*: the first chunk (afterwards one
    parameter more, the last start seen).
    """
    sep = f" || char({ord(_SEP)}) || "
    fields = [f"ifnull({f}, '')" if f in _NULLABLE else f for f in (*_BEFORE, _PRINTF, *_AFTER)]
    rowid_alone = f"a.rowid || char({', '.join([str(ord(_SEP))] * (_WIDTH - 1))})"
    window = where if first else and_where(where, "a.started_at > ?")
    return (
        f"SELECT group_concat(line, char({ord(_SEP)})), count(*), max(started) FROM ("
        f"SELECT CASE WHEN {_PROVEN} THEN {sep.join(fields)} ELSE {rowid_alone} END AS line,"
        f" a.started_at AS started{_FROM}{window} ORDER BY a.started_at LIMIT {_CHUNK})"
    )


def _cores() -> int:
    """The CPUs this process may run on (one: the worker thread would only add switches)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _unfiltered_by_others(filters: Filters) -> bool:
    """Whether only ``since`` (or nothing) filters: then the start index reads the chunks.

    Other filters (a cohort, a trainee, a scenario) pick rows the planner may
    rather find through their own index and sort: once per chunk, that would
    grow with the square of the attempts.
    """
    return (
        filters.cohort is None
        and not filters.cohorts
        and filters.trainee is None
        and filters.scenario is None
    )


def _join(filters: Filters) -> str:
    """The trainees join where trainee filters need it.

    Without them, a check looks at every attempt: a superset of the matching
    ones, so what holds for it holds for them.
    """
    by_trainee = filters.cohort is not None or filters.cohorts or filters.trainee is not None
    return " JOIN trainees t ON t.id = a.trainee_id" if by_trainee else ""


def started_ties_sql(filters: Filters, where: str) -> str:
    """SQL: whether two matching attempts started at the same moment (one row, 0 or 1).

    Without such ties, ordering by start alone is the exports' order (start,
    then uuid), which SQLite reads off the start index without sorting, and a
    chunk can start after the last start seen.
    """
    return (
        f"SELECT EXISTS (SELECT 1 FROM attempts a{_join(filters)}{where}"
        " GROUP BY a.started_at HAVING count(*) > 1)"
    )


def scores_are_real(rows: Rows) -> bool:
    """Whether the score columns are declared REAL, so SQLite hands out every score as a float.

    (Under another declared type a score could come back as an integer, which
    Python writes without the ``.0`` that ``%!.2f`` prints.)
    """
    declared = {
        str(name): str(kind).upper()
        for name, kind in rows("SELECT name, type FROM pragma_table_info('attempts')", ())
    }
    return all(declared.get(name) == "REAL" for name in SCORES)


# --------------------------------------------------------------------------- Python's part


class _Cells(dict[Any, str]):
    """Cells per distinct stored value, computed by *make* on first sight (bounded)."""

    __slots__ = ("_limit", "_make")

    def __init__(self, make: Callable[[Any], str], limit: int = _CACHE) -> None:
        super().__init__()
        self._make = make
        self._limit = limit

    def __missing__(self, key: Any) -> str:
        if len(self) >= self._limit:
            self.clear()
        value = self[key] = self._make(key)
        return value


def _uuids_plain(uuids: Sequence[Any]) -> bool:
    """Whether each uuid is text its CSV cell holds as is (no quotes, no leading ')."""
    try:
        joined = "\n".join(uuids)
    except TypeError:  # not all text
        return False
    return (
        joined[:1] not in _FORMULA_STARTS
        and not any(mark in joined for mark in _UUID_MARKS)
        and joined.count("\n") == len(uuids) - 1
    )


def _times_plain(times: Sequence[Any]) -> bool:
    """Whether the sheet times sliced from these stored times need no quotes."""
    try:
        joined = "".join(times)
    except TypeError:
        return False
    return not any(mark in joined for mark in _TIME_MARKS)


def _unplain(uuids: Sequence[Any], starts: Sequence[Any], finishes: Sequence[Any]) -> set[int]:
    """Which rows' uuid or times need quoting (their attempts go the reference way)."""
    if _uuids_plain(uuids) and _times_plain(starts) and _times_plain(finishes):
        return set()
    return {
        i
        for i in range(len(uuids))
        if not (_uuids_plain(uuids[i : i + 1]) and _times_plain((starts[i], finishes[i])))
    }


class _Batch(NamedTuple):
    """Up to a chunk of attempts' `lines_sql` fields, and the columns checked as a whole."""

    rows: Iterable[Sequence[Any]]
    rowids: Sequence[Any]
    uuids: Sequence[Any]
    trainees: Sequence[Any]
    starts: Sequence[Any]
    finishes: Sequence[Any]


def _fetched(rows: Sequence[Sequence[Any]]) -> _Batch:
    """A batch of rows as a cursor returns them."""
    columns = list(zip(*rows, strict=True))
    finishes = [finished or "" for finished in columns[6]]
    return _Batch(rows, columns[0], columns[1], columns[2], columns[5], finishes)


def _split(text: str, count: int) -> _Batch | None:
    """A chunk's text as its batch (every field text), or None if a field holds `_SEP`."""
    flat = text.split(_SEP)
    if len(flat) != count * _WIDTH:
        return None
    rows = zip(*[iter(flat)] * _WIDTH, strict=True)
    return _Batch(rows, flat[0::_WIDTH], flat[1::_WIDTH], flat[2::_WIDTH], flat[5::_WIDTH],
                  flat[6::_WIDTH])  # fmt: skip


class _Formatter:
    """Fills SQLite's templates in, a batch at a time; the rest goes as records."""

    def __init__(self, rows: Rows, records: Records) -> None:
        # The reference cell rules; imported here, as the export package imports this one.
        from simulator.export import csv_export as rules

        self._rows = rows
        self._records = records
        self._trainees: dict[Any, str] = {}
        self._trainee_cells = rules.trainee_cells
        self._scenarios = _Cells(lambda key: rules.scenario_cells(*key))
        self._sins = _Cells(rules.sins_cell)
        # '' for no critical reply (the query hands over the reasons only when there are some).
        self._critical = _Cells(lambda stored: rules.critical_cell(1, stored) if stored else "")
        self._outcomes = _Cells(rules.outcome_cell)
        self._durations = _Cells(rules.duration_cell)

    def _know(self, keys: Iterable[Any]) -> None:
        """Read the cells of the batch's trainees not known yet, in one query."""
        keys = set(keys)
        missing = keys.difference(self._trainees)
        if len(self._trainees) + len(missing) > _TRAINEES:
            self._trainees.clear()
            missing = keys
        ids: dict[int, Any] = {}
        for key in missing:
            try:
                ids[int(key)] = key
            except (TypeError, ValueError):  # an unproven row's '' (it goes the reference way)
                continue
        if not ids:
            return
        found = self._rows(
            "SELECT id, name, cohort FROM trainees WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(ids)),),
        )
        for trainee_id, name, cohort in found:
            self._trainees[ids[trainee_id]] = self._trainee_cells(name, cohort)

    def lines(self, batch: _Batch) -> Iterator[CsvLines | AttemptRecord]:
        """The batch's attempts: runs of lines, and the records of those left to the reference."""
        self._know(batch.trainees)
        trainees, scenarios, sins = self._trainees, self._scenarios, self._sins
        critical, outcomes, durations = self._critical, self._outcomes, self._durations
        fromiso = datetime.fromisoformat
        lines: list[str] = []
        odd: list[int] = []
        for row in batch.rows:
            _, uuid, trainee, scenario, title, started, finished, template, sums, stored, out = row
            try:
                if not finished:
                    line = template % (
                        uuid, trainees[trainee], scenarios[scenario, title], started,
                        started[11:], "", "", "", sins[sums], critical[stored],
                        outcomes[out],
                    )  # fmt: skip
                else:
                    # A batch attempt's template prints no duration (its slot is
                    # %.0s); computing one anyway keeps this loop short.
                    took = fromiso(finished) - fromiso(started)
                    line = template % (
                        uuid, trainees[trainee], scenarios[scenario, title], started,
                        started[11:], finished, finished[11:], durations[took], sins[sums],
                        critical[stored], outcomes[out],
                    )  # fmt: skip
            except Exception:  # anything unproven goes the reference way
                # A template SQLite withheld (None or ''), a time Python cannot
                # read, a summary the reference rules reject: the exporter
                # formats the record (or raises the reference's own error).
                odd.append(len(lines))
                line = ""
            lines.append(line)
        odd_rows = set(odd) | _unplain(batch.uuids, batch.starts, batch.finishes)
        if not odd_rows:
            yield CsvLines("".join(lines), len(lines))
            return
        records = self._records([int(batch.rowids[i]) for i in sorted(odd_rows)])
        run: list[str] = []
        for i, line in enumerate(lines):
            if i not in odd_rows:
                run.append(line)
                continue
            if run:
                yield CsvLines("".join(run), len(run))
                run = []
            yield records[int(batch.rowids[i])]
        if run:
            yield CsvLines("".join(run), len(run))


class _Reader:
    """Runs the chunk queries on a worker thread, up to `_AHEAD` chunks ahead.

    The worker shares the snapshot's connection (one read transaction, so
    every chunk sees the same data); SQLite serialises the two threads'
    statements on it, and the main thread's few queries (trainees, records)
    wait at most one chunk.
    """

    def __init__(self, rows: Rows, where: str, params: Sequence[Any]) -> None:
        self._rows = rows
        self._where = where
        self._params = list(params)
        self._queue: queue.Queue[tuple[str, int, Any, Any] | BaseException | None] = queue.Queue(
            _AHEAD
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="talkdown-csv-chunks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        last: Any = None
        first = True
        try:
            while not self._stop.is_set():
                params = self._params if first else [*self._params, last]
                text, count, newest = next(self._rows(chunk_sql(self._where, first), params))
                if not count:
                    self._queue.put(None)
                    return
                self._queue.put((text, count, None if first else last, newest))
                first, last = False, newest
        except BaseException as exc:  # handed to the main thread, in order
            self._queue.put(exc)

    def chunks(self) -> Iterator[tuple[str, int, Any, Any]]:
        """``(text, attempts, start after (None: from the first), last start)`` per chunk."""
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        """Stop the worker and wait for it (at most one chunk's query)."""
        self._stop.set()
        while self._thread.is_alive():
            # A worker blocked on a full queue needs a free place to notice the stop.
            with contextlib.suppress(queue.Empty):
                self._queue.get_nowait()
            self._thread.join(0.01)


def attempt_lines(
    rows: Rows, records: Records, filters: Filters, where: str, params: Sequence[Any]
) -> Iterator[CsvLines | AttemptRecord]:
    """`ResultsView.attempt_csv` for SQLite, over one read transaction.

    *rows* runs a query (``?`` parameters) on the snapshot; *records* reads
    attempts' `AttemptRecord` by rowid; *where* and *params* are the filters'
    clause over aliases ``a`` and ``t``. Close the iterator if you stop early
    (the worker thread stops with it).
    """
    formatter = _Formatter(rows, records)
    (ties,) = next(rows(started_ties_sql(filters, where), params))
    serial = ties or not _unfiltered_by_others(filters)
    if serial or sqlite3.threadsafety != 3 or _cores() < 2:
        # Without two attempts started at the same moment, start order alone is
        # the export's order (start, then uuid), and SQLite reads it off the index
        # instead of sorting every row.
        order = " ORDER BY a.started_at, a.uuid" if ties else " ORDER BY a.started_at"
        cursor = rows(lines_sql() + where + order, params)
        while fetched := [row for _, row in zip(range(_CHUNK), cursor, strict=False)]:
            yield from formatter.lines(_fetched(fetched))
        return
    reader = _Reader(rows, where, params)
    try:
        for text, count, after, last in reader.chunks():
            batch = _split(text, count)
            if batch is None:  # a field holds the separator: read these rows one by one
                window = where if after is None else and_where(where, "a.started_at > ?")
                window = and_where(window, "a.started_at <= ?")
                bounds = [*params, *(() if after is None else (after,)), last]
                again = list(rows(lines_sql() + window + " ORDER BY a.started_at", bounds))
                batch = _fetched(again)
            yield from formatter.lines(batch)
    finally:
        reader.close()
