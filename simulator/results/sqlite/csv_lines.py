"""The attempts CSV from SQLite: SQLite prints the cells it can prove, Python the rest.

Why: at 100,000 attempts, formatting every cell in Python (`csv_export.attempt_row`
and the csv module) took 3.5 times as long as the ``sqlite3`` tool's own dump
of the same SELECT. Measured per row and cell (benchmarks/bench_store.py and
the figures in docs/design.md), a cell costs about as much printed by SQLite
as fetched into Python, while checking a value in SQL costs several times
more; so each cell goes where it is cheapest to get exactly right:

* SQLite prints, into one ``%``-template per attempt, the cells it can print
  without per-row checks: mode, timed_seconds, call_seconds, status, ending,
  passed, turns (values from small closed sets and integers), and the four
  scores with ``%!.2f`` (two decimals, trailing zeros dropped but ``.0``
  kept: Python's ``repr(round(x, 2))`` for any score not within float error
  of a written tie, which SQLite tests for and then withholds the template).
* Python fills the template in with the uuid, the two sheet times (the very
  slices `csv_export.sheet_time` takes), the duration (`datetime` arithmetic,
  as the reference does it) and, cached per distinct value, the trainee,
  scenario, sins, critical and outcome cells, which `csv_export`'s own
  functions compute.

SQLite's part is exact only for the values talkdown writes, so before the
export it checks, once, that the matching attempts hold nothing else: one
``DISTINCT`` over the closed-set columns and the integer columns' types (and
the score columns' declared type, REAL, which makes SQLite hand out every
score as a float). Only when that finds something odd (a database written by
something else) does every row carry the checks itself.

Anything the fast path cannot vouch for goes the reference way, in order: the
exporter formats that attempt's record with `csv_export.attempt_row` (or
raises the very error the reference raises). tests/unit/test_csv_lines.py
checks byte equality with the reference on generated data, hostile values
included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final

from scoring.vocabulary import ENDINGS, SCORES
from simulator.results.filters import Filters
from simulator.results.rows import MODES, STATUSES, AttemptRecord, CsvLines

__all__ = ["attempt_lines", "lines_sql", "scores_are_real", "started_ties_sql", "tie_free"]

Rows = Callable[[str, Sequence[Any]], Iterator[Any]]

#: Lines per `CsvLines`: one write each, and the unit the plain-text checks run on.
_LINES: Final = 4096
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


#: Per-row checks, for a database holding values talkdown never writes.
_SHAPE_CHECKS: Final = (
    f"a.mode IN ({_quoted(MODES)}) AND a.status IN ({_quoted(STATUSES)})"
    f" AND (a.ending IS NULL OR a.ending IN ({_quoted(ENDINGS)}))"
    " AND (a.passed IS NULL OR a.passed IN (0, 1))"
    " AND typeof(a.timed_seconds) IN ('integer', 'null') AND typeof(a.seconds) = 'integer'"
    " AND typeof(a.turns) = 'integer' AND typeof(a.critical_count) = 'integer'"
)

#: The shapes the matching attempts' closed-set and integer columns take.
_SHAPES: Final = (
    "SELECT DISTINCT a.mode, a.status, a.ending, a.passed,"
    " typeof(a.timed_seconds), typeof(a.seconds), typeof(a.turns), typeof(a.critical_count)"
)


def lines_sql(checked: bool) -> str:
    """The SELECT feeding `attempt_lines` (before its WHERE and ORDER BY).

    *checked*: every row checks its own closed-set and integer cells (the
    shapes check found a value talkdown never writes).
    """
    checks = " AND ".join(tie_free(f"a.{name}") for name in SCORES)
    if checked:
        checks = f"{_SHAPE_CHECKS} AND {checks}"
    cells = ", ".join(
        ["a.mode", "a.timed_seconds", "a.seconds", "a.status", "a.ending"]
        + [f"a.{name}" for name in SCORES]
        + ["CASE a.passed WHEN 1 THEN 'true' WHEN 0 THEN 'false' END", "a.turns"]
    )
    return (
        "SELECT a.uuid, a.trainee_id, a.scenario_id, a.scenario_title, a.started_at,"
        f" a.finished_at, CASE WHEN {checks} THEN printf({_templates()}, {cells}) END,"
        " a.sins, CASE WHEN a.critical_count = 0 THEN NULL ELSE a.critical END, a.outcome" + _FROM
    )


def _shape_ok(shape: Sequence[Any]) -> bool:
    """Whether one `_SHAPES` row is one talkdown writes (so SQLite's cells are exact)."""
    mode, status, ending, passed, timed, seconds, turns, count = shape
    return (
        mode in MODES
        and status in STATUSES
        and (ending is None or ending in ENDINGS)
        and passed in (None, 0, 1)
        and timed in ("integer", "null")
        and seconds == turns == count == "integer"
    )


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


class _Pending:
    """Lines built since the last write, with what their plain-text check needs."""

    __slots__ = ("finishes", "lines", "starts", "uuids")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.uuids: list[Any] = []
        self.starts: list[Any] = []
        self.finishes: list[Any] = []

    def drain(self, record: Callable[[Any], AttemptRecord]) -> Iterator[CsvLines | AttemptRecord]:
        """The pending lines; a row whose uuid or times need quoting goes as its record."""
        lines, uuids, starts, finishes = self.lines, self.uuids, self.starts, self.finishes
        if not lines:
            return
        if _uuids_plain(uuids) and _times_plain(starts) and _times_plain(finishes):
            yield CsvLines("".join(lines), len(lines))
        else:
            run: list[str] = []
            for i, line in enumerate(lines):
                if _uuids_plain(uuids[i : i + 1]) and _times_plain(
                    starts[i : i + 1] + finishes[i : i + 1]
                ):
                    run.append(line)
                    continue
                if run:
                    yield CsvLines("".join(run), len(run))
                    run = []
                yield record(uuids[i])
            if run:
                yield CsvLines("".join(run), len(run))
        lines.clear()
        uuids.clear()
        starts.clear()
        finishes.clear()


def attempt_lines(
    rows: Rows,
    record: Callable[[Any], AttemptRecord],
    filters: Filters,
    where: str,
    params: Sequence[Any],
) -> Iterator[CsvLines | AttemptRecord]:
    """`ResultsView.attempt_csv` for SQLite, over one read transaction.

    *rows* runs a query (``?`` parameters) on the snapshot; *record* reads one
    attempt's `AttemptRecord` by uuid; *where* and *params* are the filters'
    clause over aliases ``a`` and ``t``.
    """
    # The reference cell rules; imported here, as the export package imports this one.
    from simulator.export import csv_export as rules

    join = _join(filters)
    shapes_ok = all(
        _shape_ok(shape) for shape in rows(f"{_SHAPES} FROM attempts a{join}{where}", params)
    )
    (ties,) = next(rows(started_ties_sql(filters, where), params))
    # Without two attempts started at the same moment, start order alone is the
    # export's order (start, then uuid), and SQLite reads it off the index
    # instead of sorting every row.
    order = " ORDER BY a.started_at, a.uuid" if ties else " ORDER BY a.started_at"

    def trainee(trainee_id: Any) -> str:
        name, cohort = next(rows("SELECT name, cohort FROM trainees WHERE id = ?", (trainee_id,)))
        return rules.trainee_cells(name, cohort)

    trainees = _Cells(trainee, _TRAINEES)
    scenarios = _Cells(lambda key: rules.scenario_cells(*key))
    sins = _Cells(rules.sins_cell)
    # The query hands over the stored reasons only when the count is not 0.
    critical = _Cells(lambda stored: "" if stored is None else rules.critical_cell(1, stored))
    outcomes = _Cells(rules.outcome_cell)
    durations = _Cells(rules.duration_cell)
    fromiso = datetime.fromisoformat
    pending = _Pending()
    lines, uuids, starts, finishes = pending.lines, pending.uuids, pending.starts, pending.finishes
    for row in rows(lines_sql(not shapes_ok) + where + order, params):
        uuid, trainee_id, scenario, title, started, finished, template, summary, stored, outcome = (
            row
        )
        try:
            if finished is None:
                line = template % (
                    uuid, trainees[trainee_id], scenarios[scenario, title], started, started[11:],
                    "", "", "", sins[summary], critical[stored], outcomes[outcome],
                )  # fmt: skip
            else:
                # A batch attempt's template prints no duration (its slot is
                # %.0s); computing one anyway keeps this loop short.
                took = fromiso(finished) - fromiso(started)
                line = template % (
                    uuid, trainees[trainee_id], scenarios[scenario, title], started, started[11:],
                    finished, finished[11:], durations[took], sins[summary], critical[stored],
                    outcomes[outcome],
                )  # fmt: skip
        except Exception:  # anything unproven goes the reference way
            # A template SQLite withheld (None), a time Python cannot read, a
            # summary the reference rules reject: the exporter formats the
            # record (or raises the reference's own error), after the lines so far.
            yield from pending.drain(record)
            yield record(uuid)
            continue
        lines.append(line)
        uuids.append(uuid)
        starts.append(started)
        finishes.append(finished or "")
        if len(lines) >= _LINES:
            yield from pending.drain(record)
    yield from pending.drain(record)


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
    then uuid), which SQLite reads off the start index without sorting.
    """
    return (
        f"SELECT EXISTS (SELECT 1 FROM attempts a{_join(filters)}{where}"
        " GROUP BY a.started_at HAVING count(*) > 1)"
    )
