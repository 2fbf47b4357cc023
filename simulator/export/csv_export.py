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
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from math import floor
from typing import Final, TextIO

from simulator.export.progress import Tick, Ticker
from simulator.export.query import ORDER, Filters
from simulator.export.safety import cell, neutralise
from simulator.formatting import rounded
from simulator.store import Snapshot
from simulator.tags import SINS

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

# The replies' tag arrays are concatenated in SQL (one indexed lookup per
# attempt) and the sins counted in Python: ~3x cheaper than json_each in SQL.
_ATTEMPT_SQL: Final = """
SELECT a.uuid, t.name, t.cohort, a.scenario_id, a.scenario_title, a.mode, a.timed_seconds,
       a.started_at, a.finished_at, a.seconds, a.status, a.ending, a.empathy, a.assertiveness,
       a.speed, a.overall, a.passed, a.turns,
       (SELECT group_concat(c.tags, '') FROM choices c WHERE c.attempt_uuid = a.uuid),
       a.critical_count, a.critical, a.outcome
FROM attempts a JOIN trainees t ON t.id = a.trainee_id"""

_CHOICE_SQL: Final = """
SELECT c.attempt_uuid, t.name, t.cohort, a.scenario_id, c.seq, c.node, c.choice, c.say,
       c.empathy, c.assertiveness, c.tags, c.mood_before, c.mood_after, c.seconds, c.latency_ms,
       c.shown, c.critical
FROM attempts a CROSS JOIN choices c ON c.attempt_uuid = a.uuid
JOIN trainees t ON t.id = a.trainee_id"""

# Quoted, as the names appear inside the stored JSON arrays. Tags are
# vocabulary words (letters, digits, '-', '_'; the importer insists), so a
# quoted sin name can only match that very tag.
_SIN_NEEDLES: Final = tuple((name, f'"{name}"') for name in sorted(SINS))

_BOOL: Final = {None: None, 0: "false", 1: "true"}
_TAG_CACHE: Final = 4096


def attempt_sql(filters: Filters) -> tuple[str, list[object]]:
    """The SELECT the attempts CSV is written from (the benchmark dumps it bare)."""
    where, params = filters.where()
    return _ATTEMPT_SQL + where + ORDER, params


def choice_sql(filters: Filters) -> tuple[str, list[object]]:
    """The SELECT the choices CSV is written from."""
    where, params = filters.where()
    return _CHOICE_SQL + where + ORDER + ", c.seq", params


def sins_text(tag_arrays: str | None) -> str:
    """``robotism×2; runaround`` from the replies' concatenated JSON tag arrays."""
    if not tag_arrays:
        return ""
    parts = []
    for name, needle in _SIN_NEEDLES:
        count = tag_arrays.count(needle)
        if count:
            parts.append(name if count == 1 else f"{name}×{count}")
    return "; ".join(parts)


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
    delta = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
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


def write_attempts_csv(
    snap: Snapshot, filters: Filters, out: TextIO, *, tick: Tick | None = None
) -> int:
    """Write one CSV row per matching attempt to *out*; return how many."""
    writer = csv.writer(out)
    writer.writerow(ATTEMPT_COLUMNS)
    ticker = Ticker(tick)
    sql, params = attempt_sql(filters)
    safe = cell
    for (
        uuid, name, cohort, scenario_id, title, mode, timed, started, finished, call_seconds,
        status, ending, empathy, assertiveness, speed, overall, passed, turns, tag_arrays,
        critical_count, critical, outcome,
    ) in snap.rows(sql, params):  # fmt: skip
        writer.writerow((
            safe(uuid), safe(name), safe(cohort), safe(scenario_id), safe(title), safe(mode),
            timed, sheet_time(started), sheet_time(finished),
            duration_seconds(started, finished, mode), call_seconds, safe(status), safe(ending),
            sheet_score(empathy), sheet_score(assertiveness), sheet_score(speed),
            sheet_score(overall), _BOOL[passed], turns, sins_text(tag_arrays),
            safe(critical_text(critical_count, critical)), safe(outcome),
        ))  # fmt: skip
        ticker.step()
    return ticker.done()


def write_choices_csv(
    snap: Snapshot, filters: Filters, out: TextIO, *, tick: Tick | None = None
) -> int:
    """Write one CSV row per reply of the matching attempts to *out*; return how many."""
    writer = csv.writer(out)
    writer.writerow(CHOICE_COLUMNS)
    ticker = Ticker(tick)
    sql, params = choice_sql(filters)
    safe = cell
    # Replies repeat the same few tag lists: decode each distinct one once
    # (bounded, so hostile data with endless distinct lists cannot grow it).
    tag_cells: dict[str, str] = {}
    for (
        uuid, name, cohort, scenario_id, seq, node, choice, say, empathy, assertiveness, tags,
        mood_before, mood_after, seconds, latency_ms, shown, critical,
    ) in snap.rows(sql, params):  # fmt: skip
        tag_cell = tag_cells.get(tags)
        if tag_cell is None:
            if len(tag_cells) >= _TAG_CACHE:
                tag_cells.clear()
            tag_cell = tag_cells[tags] = neutralise("; ".join(json.loads(tags)))
        writer.writerow((
            safe(uuid), safe(name), safe(cohort), safe(scenario_id), seq, safe(node), choice,
            safe(say), empathy, assertiveness, tag_cell, mood_before, mood_after, seconds,
            latency_ms, shown, safe(critical),
        ))  # fmt: skip
        ticker.step()
    return ticker.done()
