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

Typed replies (say mode) are personal data: only ``--include-typed``
(``include_typed``) adds, to each reply, ``"typed"`` (what the trainee typed;
null when the reply was picked), ``"matched"`` (the reply it was heard as; null
when not matched), ``"similarity"`` (0–1) and ``"overridden"`` (true when the
trainee said another reply than the one heard; null when not typed), and to the
attempt ``"matcher": {"name", "version"}`` (null when nothing was typed).
Without the flag those keys are absent, and an import keeps none.

Times are the stored UTC text (ISO 8601, microseconds, ``Z``). ``choice`` is the
authored reply number; ``shown`` the position it had on screen (null when the
replies were in authored order). ``critical`` on the attempt lists
``{"node", "choice", "reason"}`` for each reply that fails the call; on a
reply it is that reason (null when none). Lines written before these fields
existed import as "no shuffle, no outcome recorded, no critical reply".

Speed: `write_jsonl` writes each line straight from the store's records
(`simulator.results.AttemptRecord`, `ReplyRecord`) — strings through the
json module's C encoder, numbers through ``repr``, the stored tag arrays and
critical lists copied as text, never decoded and re-encoded — and yields
exactly what ``dumps(record)`` of the decoded record would (a test holds
them equal). `iter_records` gives the decoded records, for xAPI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any, Final, TextIO

from simulator.export.progress import Tick, Ticker
from simulator.results import AttemptRecord, Filters, ResultsView, StoredReply
from simulator.terminal import dumps_json, escape_json_text

#: The ``format`` key of every line; bump the number on an incompatible change.
FORMAT: Final = "talkdown-attempt/1"

Record = dict[str, Any]
_UUID: Final = itemgetter(0)
_SEQ: Final = itemgetter(1)
_DONE: Final[tuple[None, Iterator[StoredReply]]] = (None, iter(()))
#: Lines per write.
_BATCH: Final = 256


def choice_record(row: StoredReply, include_typed: bool = False) -> Record:
    """One reply as exported (decoded); ``include_typed`` adds what was typed."""
    (_, seq, node, choice, say, empathy, assertiveness, tags, mood_before, mood_after,
     seconds, latency_ms, next_node, recorded_at, critical, shown, typed, matched,
     similarity) = row  # fmt: skip
    record: Record = {
        "seq": seq,
        "node": node,
        "choice": choice,
        "say": say,
        "empathy": empathy,
        "assertiveness": assertiveness,
        "tags": json.loads(tags),
        "mood_before": mood_before,
        "mood_after": mood_after,
        "seconds": seconds,
        "latency_ms": latency_ms,
        "next_node": next_node,
        "recorded_at": recorded_at,
        "critical": critical,
        "shown": shown,
    }
    if include_typed:
        record["typed"] = typed
        record["matched"] = matched
        record["similarity"] = similarity
        record["overridden"] = None if typed is None else matched != choice
    return record


def attempt_record(
    row: AttemptRecord, choices: list[Record], include_typed: bool = False
) -> Record:
    """One attempt as exported (decoded), with its replies; ``include_typed``: its matcher."""
    record: Record = {
        "format": FORMAT,
        "uuid": row.uuid,
        "trainee": {"name": row.trainee, "cohort": row.cohort, "email": row.email},
        "scenario": {"id": row.scenario_id, "title": row.scenario_title,
                     "content_hash": row.content_hash},
        "mode": row.mode,
        "timed_seconds": row.timed_seconds,
        "start_node": row.start_node,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "updated_at": row.updated_at,
        "status": row.status,
        "ending": row.ending,
        "ending_node": row.ending_node,
        "scores": {
            "empathy": row.empathy,
            "assertiveness": row.assertiveness,
            "speed": row.speed,
            "overall": row.overall,
        },
        "passed": row.passed,
        "seconds": row.seconds,
        "turns": row.turns,
        "app_version": row.app_version,
        "shuffle_seed": row.shuffle_seed,
        "outcome": row.outcome,
        "critical": json.loads(row.critical),
    }  # fmt: skip
    if include_typed:
        record["matcher"] = matcher_record(row)
    record["choices"] = choices
    return record


def matcher_record(row: AttemptRecord) -> Record | None:
    """``{"name", "version"}`` of the matcher that heard the attempt's typed replies."""
    if row.matcher is None:
        return None
    return {"name": row.matcher, "version": row.matcher_version}


def _grouped(
    view: ResultsView, filters: Filters
) -> Iterator[tuple[AttemptRecord, list[StoredReply]]]:
    """Matching attempts with their replies by ``seq``, one at a time (merge of two streams)."""
    # Both streams share one order, so an attempt's replies are the next group
    # (none for an attempt without replies); a backend may hand a group's
    # replies over in any order.
    groups = groupby(view.stored_replies(filters), key=_UUID)
    key, group = next(groups, _DONE)
    for row in view.attempts(filters):
        if key == row[0]:
            yield row, sorted(group, key=_SEQ)
            key, group = next(groups, _DONE)
        else:
            yield row, []


def iter_records(
    view: ResultsView, filters: Filters, *, include_typed: bool = False
) -> Iterator[Record]:
    """Matching attempts with their replies as decoded records, one at a time."""
    for row, replies in _grouped(view, filters):
        choices = [choice_record(r, include_typed) for r in replies]
        yield attempt_record(row, choices, include_typed)


def dumps(record: Record) -> str:
    """One JSON line (no newline): UTF-8 text kept as is, keys in export order.

    C1 controls and the like are written as ``\\u`` escapes (`dumps_json`): the
    same value to any reader, inert when the file is shown on a terminal.
    """
    return dumps_json(record, separators=(",", ":"), allow_nan=False)


# --------------------------------------------------------------------------- fast lines

_text = json.encoder.encode_basestring  # the C encoder json.dumps uses for strings


def _opt_text(value: str | None) -> str:
    return "null" if value is None else _text(value)


def _number(value: float | None) -> str:
    # json writes ints with int.__repr__ and finite floats with float.__repr__.
    return "null" if value is None else repr(value)


def _flag(value: bool | None) -> str:
    return "null" if value is None else ("true" if value else "false")


def reply_json(row: StoredReply, include_typed: bool = False) -> str:
    """``dumps(choice_record(row, include_typed))`` without decoding (before C1 escaping).

    A million replies go through here: the fields are unpacked once and the
    helpers above inlined. The stored tags array is written with ``", "``;
    squeezing that text is exact, as tags are vocabulary words.
    """
    (_, seq, node, choice, say, empathy, assertiveness, tags, mood_before, mood_after,
     seconds, latency_ms, next_node, recorded_at, critical, shown, typed, matched,
     similarity) = row  # fmt: skip
    text = _text
    extra = ""
    if include_typed:
        overridden = None if typed is None else matched != choice
        extra = (
            f',"typed":{_opt_text(typed)},"matched":{_number(matched)},'
            f'"similarity":{_number(similarity)},"overridden":{_flag(overridden)}'
        )
    return (
        f'{{"seq":{seq},"node":{text(node)},'
        f'"choice":{"null" if choice is None else repr(choice)},"say":{text(say)},'
        f'"empathy":{empathy},"assertiveness":{assertiveness},"tags":{tags.replace(", ", ",")},'
        f'"mood_before":{mood_before},"mood_after":{mood_after},"seconds":{seconds},'
        f'"latency_ms":{"null" if latency_ms is None else repr(latency_ms)},'
        f'"next_node":{"null" if next_node is None else text(next_node)},'
        f'"recorded_at":{text(recorded_at)},'
        f'"critical":{"null" if critical is None else text(critical)},'
        f'"shown":{"null" if shown is None else repr(shown)}{extra}}}'
    )


def _critical_json(row: AttemptRecord) -> str:
    if not row.critical_count:
        return "[]"
    # Reasons are free text (", " may occur inside one): re-encode compactly.
    return json.dumps(json.loads(row.critical), ensure_ascii=False, separators=(",", ":"))


def _matcher_json(row: AttemptRecord) -> str:
    if row.matcher is None:
        return ',"matcher":null'
    return f',"matcher":{{"name":{_text(row.matcher)},"version":{_opt_text(row.matcher_version)}}}'


def line(row: AttemptRecord, replies: list[StoredReply], include_typed: bool = False) -> str:
    """``dumps(attempt_record(...))`` of one attempt, built straight from the records."""
    (uuid, trainee, cohort, email, scenario_id, title, content_hash, mode, timed_seconds,
     start_node, started_at, finished_at, updated_at, status, ending, ending_node, empathy,
     assertiveness, speed, overall, passed, seconds, turns, app_version, shuffle_seed, outcome,
     *_) = row  # fmt: skip
    text = _text
    matcher = _matcher_json(row) if include_typed else ""
    choices = (
        ",".join([reply_json(r, True) for r in replies])
        if include_typed
        else ",".join(map(reply_json, replies))
    )
    body = (
        f'{{"format":"{FORMAT}","uuid":{text(uuid)},'
        f'"trainee":{{"name":{text(trainee)},"cohort":{text(cohort)},'
        f'"email":{_opt_text(email)}}},'
        f'"scenario":{{"id":{text(scenario_id)},"title":{text(title)},'
        f'"content_hash":{text(content_hash)}}},'
        f'"mode":{text(mode)},"timed_seconds":{_number(timed_seconds)},'
        f'"start_node":{text(start_node)},"started_at":{text(started_at)},'
        f'"finished_at":{_opt_text(finished_at)},"updated_at":{text(updated_at)},'
        f'"status":{text(status)},"ending":{_opt_text(ending)},'
        f'"ending_node":{_opt_text(ending_node)},'
        f'"scores":{{"empathy":{_number(empathy)},'
        f'"assertiveness":{_number(assertiveness)},"speed":{_number(speed)},'
        f'"overall":{_number(overall)}}},'
        f'"passed":{_flag(passed)},"seconds":{seconds},"turns":{turns},'
        f'"app_version":{_opt_text(app_version)},'
        f'"shuffle_seed":{_number(shuffle_seed)},"outcome":{_opt_text(outcome)},'
        f'"critical":{_critical_json(row)}{matcher},'
        f'"choices":[{choices}]}}'
    )
    return escape_json_text(body)


def write_jsonl(
    view: ResultsView,
    filters: Filters,
    out: TextIO,
    *,
    tick: Tick | None = None,
    include_typed: bool = False,
) -> int:
    """Write matching attempts as JSON Lines to *out*; return how many.

    ``include_typed`` adds what was typed (personal data: only on request).
    """
    ticker = Ticker(tick)
    lines: list[str] = []
    for row, replies in _grouped(view, filters):
        lines.append(line(row, replies, include_typed))
        if len(lines) >= _BATCH:
            out.write("\n".join(lines) + "\n")
            ticker.steps(len(lines))
            lines.clear()
    if lines:
        out.write("\n".join(lines) + "\n")
        ticker.steps(len(lines))
    return ticker.done()
