"""CSV export: one row per attempt, or (``--choices``) one row per reply.

UTF-8 (optionally with a BOM for older spreadsheet tools), RFC 4180 quoting
and ``\\r\\n`` line ends (the csv module's ``excel`` dialect). Numbers are
written as numbers; every text cell goes through `safety.neutralise` (see
there why). Empty cell = no value (not assessed, not finished, silence, not
measured).

Written for spreadsheets (JSON Lines keeps full precision):

* scores are rounded to 2 decimals (`simulator.formatting.rounded`), so no
  binary noise like ``16.666666666666664`` reaches a cell;
* times are UTC as ``YYYY-MM-DD HH:MM:SS`` (to the second, no zone letter): the
  form both Excel and LibreOffice read as a date and time on opening, where
  the stored ``2024-03-01T09:00:29.500000Z`` would stay text.

Attempt columns (`ATTEMPT_COLUMNS`): ``duration`` is the wall-clock time from
start to finish in **seconds** (a decimal number, millisecond precision; empty
unless completed, and empty for ``batch`` attempts, whose time is a program's,
not a trainee's), ``call_seconds`` the simulated call time, ``passed``
``true``/``false`` (empty unless completed), ``sins`` the sins of service
committed, alphabetical, with a count when repeated: ``robotism×2; runaround``,
``critical`` the reasons of the replies that fail the call (joined by ``; ``;
such an attempt never passes) and ``outcome`` the outcome text shown.

Reply rows keep the authored reply number in ``choice`` and add ``shown``, the
position the reply had on screen when the replies were shuffled, and
``critical``, the reason when that reply fails the call.

Typed replies (say mode) are personal data: only ``--include-typed`` adds
their columns. Reply rows then end with ``typed`` (what the trainee typed;
empty when the reply was picked), ``matched`` (the reply it was heard as; empty
when it could not be matched), ``similarity`` (0–1, 3 decimals) and
``overridden`` (``true`` when the trainee said another reply than the one
heard); attempt rows end with ``matcher`` (name and version, e.g. ``ngram 1``).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from math import floor
from typing import Final, TextIO

from simulator.export.progress import Tick, Ticker
from simulator.export.safety import cell, neutralise
from simulator.formatting import rounded
from simulator.results import AttemptRecord, CsvLines, Filters, ResultsView

ATTEMPT_COLUMNS: Final = (
    "uuid", "trainee", "cohort", "scenario_id", "scenario_title", "mode", "timed_seconds",
    "started", "finished", "duration", "call_seconds", "status", "ending", "empathy",
    "assertiveness", "speed", "overall", "passed", "turns", "sins", "critical", "outcome",
)  # fmt: skip

CHOICE_COLUMNS: Final = (
    "attempt_uuid", "trainee", "cohort", "scenario_id", "seq", "node", "choice", "say",
    "empathy", "assertiveness", "tags", "mood_before", "mood_after", "seconds", "latency_ms",
    "shown", "critical",
)  # fmt: skip
#: Added with ``--include-typed`` only (typed text is personal data).
TYPED_ATTEMPT_COLUMNS: Final = ("matcher",)
TYPED_CHOICE_COLUMNS: Final = ("typed", "matched", "similarity", "overridden")

_BOOL: Final = {None: None, False: "false", True: "true"}
#: Distinct stored tag lists / summaries decoded at most once each (bounded, so
#: hostile data with endless distinct values cannot grow it).
_CACHE: Final = 4096


def sins_text(summary: str) -> str:
    """``robotism×2; runaround`` from an attempt's stored sins summary (``{"robotism":2,…}``)."""
    if summary == "{}":
        return ""
    counts = json.loads(summary)
    return "; ".join(
        name if count == 1 else f"{name}×{count}" for name, count in sorted(counts.items())
    )


def critical_text(count: int, stored: str) -> str:
    """The critical replies' reasons, ``; ``-joined ("" without decoding when there are none)."""
    if not count:
        return ""
    return "; ".join(item["reason"] for item in json.loads(stored))


def duration_seconds(started: str, finished: str | None, mode: str = "") -> float | None:
    """Wall-clock seconds between two stored times (None while unfinished, or not measured).

    A ``batch`` attempt (``talkdown run --record``) is replayed by a program in
    a blink: its wall clock says nothing about a trainee, so it is left empty.
    """
    if finished is None or mode == "batch":
        return None
    return rounded_seconds(datetime.fromisoformat(finished) - datetime.fromisoformat(started))


def rounded_seconds(delta: timedelta) -> float:
    """*delta* in seconds, to the millisecond: the ``duration`` cell's number."""
    return round(delta.total_seconds(), 3)


def sheet_time(stored: str | None) -> str | None:
    """A stored UTC time as ``2024-03-01 09:00:29``: a date and time to any spreadsheet.

    Stored times have one fixed width (``YYYY-MM-DDTHH:MM:SS.ffffffZ``), so this
    is a slice, not a parse: the export writes 100,000 rows at the speed of the
    bare dump.
    """
    return None if stored is None else f"{stored[:10]} {stored[11:19]}"


def sheet_score(value: float | None) -> float | None:
    """A 0–100 score rounded to 2 decimals for a spreadsheet (None stays empty).

    `formatting.rounded`'s rule, with its common case inlined: four scores a row,
    100,000 rows.
    """
    if value is None:
        return None
    scaled = value * 100.0
    if abs(scaled - floor(scaled) - 0.5) > 1e-6:  # not a written tie: the built-in agrees
        return round(value, 2)
    return rounded(value, 2)


def matcher_text(name: str | None, version: str | None) -> str | None:
    """``ngram 1``: the matcher that heard an attempt's typed replies (None: none typed)."""
    return None if name is None else f"{name} {version or ''}".strip()


def typed_cells(
    typed: str | None, choice: int | None, matched: int | None, similarity: float | None
) -> tuple[object, int | None, float | None, str | None]:
    """A reply's ``--include-typed`` cells: typed, matched, similarity, overridden."""
    if typed is None:
        return (None, None, None, None)
    similar = None if similarity is None else round(similarity, 3)
    return (cell(typed), matched, similar, _BOOL[matched != choice])


def attempt_row(a: AttemptRecord, sins_cells: dict[str, str]) -> tuple[object, ...]:
    """One attempt's cells, in `ATTEMPT_COLUMNS` order (*sins_cells* caches decoded sins)."""
    sins = sins_cells.get(a.sins)
    if sins is None:
        if len(sins_cells) >= _CACHE:
            sins_cells.clear()
        sins = sins_cells[a.sins] = sins_text(a.sins)
    safe = cell
    return (
        safe(a.uuid), safe(a.trainee), safe(a.cohort), safe(a.scenario_id),
        safe(a.scenario_title), safe(a.mode), a.timed_seconds, sheet_time(a.started_at),
        sheet_time(a.finished_at), duration_seconds(a.started_at, a.finished_at, a.mode),
        a.seconds, safe(a.status), safe(a.ending), sheet_score(a.empathy),
        sheet_score(a.assertiveness), sheet_score(a.speed), sheet_score(a.overall),
        _BOOL[a.passed], a.turns, sins, safe(critical_text(a.critical_count, a.critical)),
        safe(a.outcome),
    )  # fmt: skip


# ----------------------------------------------------------------- cells, for a backend's lines
#
# A backend that builds lines itself (`ResultsView.attempt_csv`) takes the cells
# it cannot print itself from these: the rules above, CSV-encoded by the same
# writer, one group of adjacent cells at a time (a backend caches them per
# distinct value).


def cells_text(*values: object) -> str:
    """*values* as consecutive cells, exactly as this module's writer writes them (no line end)."""
    buffer = io.StringIO()
    # The trailing empty cell keeps a lone "" from being written as a quoted "".
    csv.writer(buffer).writerow((*values, None))
    return buffer.getvalue()[:-3]


def trainee_cells(name: object, cohort: object) -> str:
    """The ``trainee`` and ``cohort`` cells."""
    return cells_text(cell(name), cell(cohort))


def scenario_cells(scenario_id: object, title: object) -> str:
    """The ``scenario_id`` and ``scenario_title`` cells."""
    return cells_text(cell(scenario_id), cell(title))


def sins_cell(summary: str) -> str:
    """The ``sins`` cell from the stored summary."""
    return cells_text(sins_text(summary))


def critical_cell(count: int, stored: str) -> str:
    """The ``critical`` cell from the stored count and reasons."""
    return cells_text(cell(critical_text(count, stored)))


def outcome_cell(outcome: object) -> str:
    """The ``outcome`` cell."""
    return cells_text(cell(outcome))


def duration_cell(delta: timedelta) -> str:
    """The ``duration`` cell of a non-batch attempt that ran *delta*.

    The writer writes a float as its ``repr`` (never quoted); computed here
    without it, as a backend may need one per attempt.
    """
    return repr(rounded_seconds(delta))


def write_attempts_csv(
    view: ResultsView,
    filters: Filters,
    out: TextIO,
    *,
    tick: Tick | None = None,
    include_typed: bool = False,
) -> int:
    """Write one CSV row per matching attempt to *out*; return how many.

    The view may hand over runs of finished lines, built to the rules above
    for speed (simulator/results/sqlite/csv_lines.py and
    simulator/results/postgres/csv_lines.py); any record it hands over
    instead is formatted here, the reference way. ``include_typed`` adds the
    matcher that heard the attempt's typed replies; those rows are all
    formatted here (the backends' lines have no such column).
    """
    writer = csv.writer(out)
    writer.writerow(ATTEMPT_COLUMNS + (TYPED_ATTEMPT_COLUMNS if include_typed else ()))
    ticker = Ticker(tick)
    write = out.write
    sins_cells: dict[str, str] = {}
    if include_typed:
        for a in view.attempts(filters):
            row = (*attempt_row(a, sins_cells), cell(matcher_text(a.matcher, a.matcher_version)))
            writer.writerow(row)
            ticker.step()
        return ticker.done()
    items = view.attempt_csv(filters)
    try:
        for item in items:
            if isinstance(item, CsvLines):
                write(item.text)
                ticker.steps(item.attempts)
            else:
                writer.writerow(attempt_row(item, sins_cells))
                ticker.step()
    finally:
        # However the loop ends: a backend may be reading ahead on another thread.
        close = getattr(items, "close", None)
        if close is not None:
            close()
    return ticker.done()


def write_choices_csv(
    view: ResultsView,
    filters: Filters,
    out: TextIO,
    *,
    tick: Tick | None = None,
    include_typed: bool = False,
) -> int:
    """Write one CSV row per reply of the matching attempts to *out*; return how many.

    ``include_typed`` adds what was typed, what it was heard as, and whether the
    trainee overrode it.
    """
    writer = csv.writer(out)
    writer.writerow(CHOICE_COLUMNS + (TYPED_CHOICE_COLUMNS if include_typed else ()))
    ticker = Ticker(tick)
    safe = cell
    # Replies repeat the same few tag lists: decode each distinct one once.
    tag_cells: dict[str, str] = {}
    for r in view.replies(filters):
        tag_cell = tag_cells.get(r.tags)
        if tag_cell is None:
            if len(tag_cells) >= _CACHE:
                tag_cells.clear()
            tag_cell = tag_cells[r.tags] = neutralise("; ".join(json.loads(r.tags)))
        row: tuple[object, ...] = (
            safe(r.attempt_uuid), safe(r.trainee), safe(r.cohort), safe(r.scenario_id), r.seq,
            safe(r.node), r.choice, safe(r.say), r.empathy, r.assertiveness, tag_cell,
            r.mood_before, r.mood_after, r.seconds, r.latency_ms, r.shown, safe(r.critical),
        )  # fmt: skip
        if include_typed:
            row += typed_cells(r.typed, r.choice, r.matched, r.similarity)
        writer.writerow(row)
        ticker.step()
    return ticker.done()
