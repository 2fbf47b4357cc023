"""JSON Lines export: one attempt per line, with its replies and trainee.

Full fidelity and re-importable (`simulator.export.importer`): every stored
field except local row ids. One line looks like (wrapped here)::

    {"format": "talkdown-attempt/1", "uuid": "…",
     "trainee": {"name": "Ann", "cohort": "c1", "email": null},
     "scenario": {"id": "late-parcel", "title": "…", "content_hash": "…"},
     "mode": "practice", "timed_seconds": null, "start_node": "opening",
     "started_at": "2024-03-01T09:00:00.000000Z", "finished_at": "…", "updated_at": "…",
     "status": "completed", "ending": "resolved", "ending_node": "thanks",
     "scores": {"empathy": 75.0, "assertiveness": 50.0, "speed": 100.0, "overall": 75.0},
     "passed": true, "seconds": 80, "turns": 2, "app_version": "0.1.0",
     "shuffle_seed": 81723, "outcome": "Replacement sent by express.", "critical": [],
     "choices": [{"seq": 1, "node": "opening", "choice": 1, "say": "…", "empathy": 2,
                  "assertiveness": 1, "tags": ["acknowledge"], "mood_before": 70,
                  "mood_after": 55, "seconds": 20, "latency_ms": 812.5,
                  "next_node": "tracking", "recorded_at": "…", "critical": null,
                  "shown": 3}, …]}

Times are the stored UTC text (ISO 8601, microseconds, ``Z``). ``choice`` is the
authored reply number; ``shown`` the position it had on screen (null when the
replies were in authored order). ``critical`` on the attempt lists
``{"node", "choice", "reason"}`` for each reply that fails the call; on a
reply it is that reason (null when none). Lines written before these fields
existed import as "no shuffle, no outcome recorded, no critical reply".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final, TextIO

from simulator.export.progress import Tick, Ticker
from simulator.export.query import Filters, attempt_rows, choice_rows
from simulator.store import Snapshot
from simulator.terminal import dumps_json

#: The ``format`` key of every line; bump the number on an incompatible change.
FORMAT: Final = "talkdown-attempt/1"

Record = dict[str, Any]


def choice_record(row: tuple[Any, ...]) -> Record:
    """One reply as exported, from a `query.CHOICE_SQL` row."""
    return {
        "seq": row[1],
        "node": row[2],
        "choice": row[3],
        "say": row[4],
        "empathy": row[5],
        "assertiveness": row[6],
        "tags": json.loads(row[7]),
        "mood_before": row[8],
        "mood_after": row[9],
        "seconds": row[10],
        "latency_ms": row[11],
        "next_node": row[12],
        "recorded_at": row[13],
        "critical": row[17],
        "shown": row[18],
    }


def attempt_record(row: tuple[Any, ...], choices: list[Record]) -> Record:
    """One attempt as exported, from a `query.ATTEMPT_SQL` row and its replies."""
    return {
        "format": FORMAT,
        "uuid": row[0],
        "trainee": {"name": row[1], "cohort": row[2], "email": row[3]},
        "scenario": {"id": row[4], "title": row[5], "content_hash": row[6]},
        "mode": row[7],
        "timed_seconds": row[8],
        "start_node": row[9],
        "started_at": row[10],
        "finished_at": row[11],
        "updated_at": row[12],
        "status": row[13],
        "ending": row[14],
        "ending_node": row[15],
        "scores": {
            "empathy": row[16],
            "assertiveness": row[17],
            "speed": row[18],
            "overall": row[19],
        },
        "passed": None if row[20] is None else bool(row[20]),
        "seconds": row[21],
        "turns": row[22],
        "app_version": row[23],
        "shuffle_seed": row[24],
        "outcome": row[25],
        "critical": json.loads(row[26]),
        "choices": choices,
    }


def iter_records(snap: Snapshot, filters: Filters) -> Iterator[Record]:
    """Matching attempts with their replies, one at a time (merge of two cursors)."""
    replies = choice_rows(snap, filters)
    pending = next(replies, None)
    for row in attempt_rows(snap, filters):
        key = row[0]
        choices: list[Record] = []
        # Both cursors share one order, so this attempt's replies come next.
        while pending is not None and pending[0] == key:
            choices.append(choice_record(pending))
            pending = next(replies, None)
        yield attempt_record(row, choices)


def dumps(record: Record) -> str:
    """One JSON line (no newline): UTF-8 text kept as is, keys in export order.

    C1 controls and the like are written as ``\\u`` escapes (`dumps_json`): the
    same value to any reader, inert when the file is shown on a terminal.
    """
    return dumps_json(record, separators=(",", ":"), allow_nan=False)


def write_jsonl(snap: Snapshot, filters: Filters, out: TextIO, *, tick: Tick | None = None) -> int:
    """Write matching attempts as JSON Lines to *out*; return how many."""
    ticker = Ticker(tick)
    for record in iter_records(snap, filters):
        out.write(dumps(record) + "\n")
        ticker.step()
    return ticker.done()
