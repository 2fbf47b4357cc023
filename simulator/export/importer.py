"""``talkdown import``: merge JSON Lines exports into this results database.

Idempotent by attempt uuid (the store decides, `Store.import_attempt`):

* new uuid → **added**;
* the same attempt already here → **skipped** (identical);
* here in progress, incoming completed or abandoned → **replaced** (it is further on);
* anything else → **conflict**, reported and skipped (nothing is overwritten).

Every line is validated before anything is written (`parse_record`): required
keys, types, enums, scores 0–100, moods 0–100, reply ``seq`` running 1, 2, 3…
and ``turns`` equal to the number of replies. A bad line is reported as
``FILE:LINE: what is wrong`` and skipped; each attempt is written in one
transaction, so nothing is ever half-imported. Keys this version does not know
are ignored (a newer export stays importable where it can be).
"""

from __future__ import annotations

import json
import math
import re
import uuid as uuid_mod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from scoring.vocabulary import SCORES
from simulator.export.jsonl import FORMAT
from simulator.store import (
    ENDINGS,
    MODES,
    STATUSES,
    AttemptRow,
    ChoiceRow,
    CriticalReply,
    Store,
    StoreError,
    parse_utc,
)

#: Longest line read; a longer one is rejected without being held in memory.
MAX_LINE_BYTES: Final = 16 * 1024 * 1024
#: Tags are vocabulary words; the CSV sins count relies on it (see csv_export).
TAG_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")
_BOM: Final = b"\xef\xbb\xbf"
_INT64: Final = (-(2**63), 2**63 - 1)


class Invalid(ValueError):
    """A record that cannot be imported; the message names the key and the problem."""


# --------------------------------------------------------------------------- checks


def _get(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise Invalid(f"missing key '{where}{key}'")
    return obj[key]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)  # fmt: skip


def _text(obj: Mapping[str, Any], key: str, where: str, *, optional: bool = False,
          empty: bool = False) -> str | None:  # fmt: skip
    value = _get(obj, key, where)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise Invalid(f"'{where}{key}' must be text, not {_kind(value)}")
    if not empty and not value.strip():
        raise Invalid(f"'{where}{key}' must not be empty")
    return value


def _int(obj: Mapping[str, Any], key: str, where: str, *, optional: bool = False,
         low: int | None = None, high: int | None = None) -> int | None:  # fmt: skip
    value = _get(obj, key, where)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"'{where}{key}' must be a whole number, not {_kind(value)}")
    if not _INT64[0] <= value <= _INT64[1]:  # SQLite's INTEGER is 64-bit
        raise Invalid(f"'{where}{key}' is out of range: {value}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise Invalid(f"'{where}{key}' must be {bounds}; got {value}")
    return value


def _number(obj: Mapping[str, Any], key: str, where: str, *, low: float = 0.0,
            high: float | None = None) -> float | None:  # fmt: skip
    value = _get(obj, key, where)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid(f"'{where}{key}' must be a number or null, not {_kind(value)}")
    if value < low or (high is not None and value > high):
        bounds = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        raise Invalid(f"'{where}{key}' must be {bounds}; got {value}")
    return float(value)


def _enum(obj: Mapping[str, Any], key: str, where: str, allowed: tuple[str, ...], *,
          optional: bool = False) -> str | None:  # fmt: skip
    value = _get(obj, key, where)
    if value is None and optional:
        return None
    if value not in allowed:
        raise Invalid(f"'{where}{key}' must be one of {', '.join(allowed)}; got {value!r}")
    return str(value)


def _time(obj: Mapping[str, Any], key: str, where: str, *,
          optional: bool = False) -> datetime | None:  # fmt: skip
    value = _get(obj, key, where)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise Invalid(f"'{where}{key}' must be an ISO 8601 time, not {_kind(value)}")
    try:
        return parse_utc(value)
    except ValueError:
        raise Invalid(f"'{where}{key}' is not an ISO 8601 time: {value!r}") from None


def _newer(obj: Mapping[str, Any], key: str) -> bool:
    """True when the line has *key*: lines written before format 1.1 fields existed lack them."""
    return key in obj


def _critical_list(obj: Mapping[str, Any]) -> tuple[CriticalReply, ...]:
    if not _newer(obj, "critical"):
        return ()
    value = obj["critical"]
    if not isinstance(value, list):
        raise Invalid(f"'critical' must be a list, not {_kind(value)}")
    out = []
    for i, item in enumerate(value):
        where = f"critical[{i}]."
        if not isinstance(item, dict):
            raise Invalid(f"'critical[{i}]' must be an object, not {_kind(item)}")
        out.append(
            CriticalReply(
                _text(item, "node", where) or "",
                _int(item, "choice", where, low=1) or 0,
                _text(item, "reason", where) or "",
            )
        )
    return tuple(out)


def _object(obj: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
    value = _get(obj, key, where)
    if not isinstance(value, dict):
        raise Invalid(f"'{where}{key}' must be an object, not {_kind(value)}")
    return value


def _choice(item: Any, index: int, key: str) -> ChoiceRow:
    where = f"choices[{index}]."
    if not isinstance(item, dict):
        raise Invalid(f"'choices[{index}]' must be an object, not {_kind(item)}")
    seq = _int(item, "seq", where)
    if seq != index + 1:
        raise Invalid(f"'{where}seq' must be {index + 1} (replies run 1, 2, 3…); got {seq}")
    tags = _get(item, "tags", where)
    if not isinstance(tags, list):
        raise Invalid(f"'{where}tags' must be a list, not {_kind(tags)}")
    for tag in tags:
        if not isinstance(tag, str) or not TAG_RE.fullmatch(tag):
            raise Invalid(f"'{where}tags' holds {tag!r}, which is not a tag name")
    recorded = _time(item, "recorded_at", where)
    assert seq is not None and recorded is not None
    choice = _int(item, "choice", where, optional=True, low=1)
    critical = _text(item, "critical", where, optional=True) if _newer(item, "critical") else None
    if critical is not None and choice is None:
        raise Invalid(f"'{where}critical' must be null for a silence (no reply was made)")
    return ChoiceRow(
        attempt_uuid=key,
        seq=seq,
        node=_text(item, "node", where) or "",
        choice=choice,
        say=_text(item, "say", where, empty=True) or "",
        empathy=_int(item, "empathy", where) or 0,
        assertiveness=_int(item, "assertiveness", where) or 0,
        tags=tuple(tags),
        mood_before=_int(item, "mood_before", where, low=0, high=100) or 0,
        mood_after=_int(item, "mood_after", where, low=0, high=100) or 0,
        seconds=_int(item, "seconds", where, low=0) or 0,
        latency_ms=_number(item, "latency_ms", where),
        next_node=_text(item, "next_node", where, optional=True),
        recorded_at=recorded,
        critical=critical,
        shown=_int(item, "shown", where, optional=True, low=1) if _newer(item, "shown") else None,
    )


def parse_record(obj: Any) -> tuple[AttemptRow, list[ChoiceRow]]:
    """A decoded JSON line as store rows; raises `Invalid` naming the first problem."""
    if not isinstance(obj, dict):
        raise Invalid(f"a line must be a JSON object, not {_kind(obj)}")
    fmt = _get(obj, "format", "")
    if fmt != FORMAT:
        raise Invalid(f"'format' must be {FORMAT!r}; got {fmt!r}")
    raw_uuid = _text(obj, "uuid", "")
    try:
        key = str(uuid_mod.UUID(raw_uuid))
    except ValueError:
        raise Invalid(f"'uuid' is not a UUID: {raw_uuid!r}") from None
    trainee = _object(obj, "trainee")
    scenario = _object(obj, "scenario")
    scores = _object(obj, "scores")
    status = _enum(obj, "status", "", STATUSES)
    ending = _enum(obj, "ending", "", ENDINGS, optional=True)
    passed = _get(obj, "passed", "")
    completed = status == "completed"
    if completed and ending is None:
        raise Invalid("'ending' must be set when 'status' is completed")
    if not completed and ending is not None:
        raise Invalid(f"'ending' must be null unless 'status' is completed (it is {status})")
    if completed and not isinstance(passed, bool):
        raise Invalid(f"'passed' must be true or false when completed, not {_kind(passed)}")
    if not completed and passed is not None:
        raise Invalid(f"'passed' must be null unless 'status' is completed (it is {status})")
    values = {name: _number(scores, name, "scores.", high=100.0) for name in SCORES}
    if completed and (values["speed"] is None or values["overall"] is None):
        raise Invalid("'scores.speed' and 'scores.overall' must be numbers when completed")
    started = _time(obj, "started_at", "")
    finished = _time(obj, "finished_at", "", optional=True)
    if completed and finished is None:
        raise Invalid("'finished_at' must be set when 'status' is completed")
    updated = _time(obj, "updated_at", "")
    raw_choices = _get(obj, "choices", "")
    if not isinstance(raw_choices, list):
        raise Invalid(f"'choices' must be a list, not {_kind(raw_choices)}")
    choices = [_choice(item, i, key) for i, item in enumerate(raw_choices)]
    turns = _int(obj, "turns", "", low=0)
    if turns != len(choices):
        raise Invalid(f"'turns' is {turns} but there are {len(choices)} choices")
    critical = _critical_list(obj)
    from_replies = tuple(
        CriticalReply(c.node, c.choice, c.critical)
        for c in choices
        if c.critical is not None and c.choice is not None
    )
    if critical != from_replies:
        raise Invalid("'critical' does not list exactly the replies whose 'critical' is set")
    if critical and passed:
        raise Invalid("'passed' cannot be true: the attempt has a critical reply")
    assert started is not None and updated is not None
    attempt = AttemptRow(
        uuid=key,
        trainee_id=0,  # local id: the store matches the trainee by (name, cohort)
        trainee=_text(trainee, "name", "trainee.") or "",
        cohort=_text(trainee, "cohort", "trainee.") or "",
        email=_text(trainee, "email", "trainee.", optional=True),
        scenario_id=_text(scenario, "id", "scenario.") or "",
        scenario_title=_text(scenario, "title", "scenario.", empty=True) or "",
        content_hash=_text(scenario, "content_hash", "scenario.") or "",
        mode=_enum(obj, "mode", "", MODES) or "",
        timed_seconds=_int(obj, "timed_seconds", "", optional=True, low=1),
        start_node=_text(obj, "start_node", "") or "",
        started_at=started,
        finished_at=finished,
        status=status or "",
        ending=ending,
        ending_node=_text(obj, "ending_node", "", optional=True),
        empathy=values["empathy"],
        assertiveness=values["assertiveness"],
        speed=values["speed"],
        overall=values["overall"],
        passed=passed,
        seconds=_int(obj, "seconds", "", low=0) or 0,
        turns=turns or 0,
        app_version=_text(obj, "app_version", "", optional=True, empty=True),
        updated_at=updated,
        shuffle_seed=_int(obj, "shuffle_seed", "", optional=True)
        if _newer(obj, "shuffle_seed")
        else None,
        outcome=_text(obj, "outcome", "", optional=True, empty=True)
        if _newer(obj, "outcome")
        else None,
        critical=critical,
    )
    return attempt, choices


# --------------------------------------------------------------------------- files


@dataclass(slots=True)
class ImportSummary:
    """What an import did; ``problems`` and ``conflicts`` hold ``FILE:LINE: …`` lines."""

    added: int = 0
    replaced: int = 0
    identical: int = 0
    conflicts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Lines that could not be imported at all."""
        return len(self.problems)


def _decode_line(raw: bytes, lineno: int, last: bool) -> Any:
    """The JSON value on one line; raises `Invalid` with what is wrong."""
    try:
        text = raw.rstrip(b"\r\n").decode("utf-8")  # columns count within the line
    except UnicodeDecodeError as exc:
        raise Invalid(f"not UTF-8 text (byte {exc.start + 1} of the line)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " — the file looks truncated" if last else ""
        raise Invalid(f"not valid JSON ({exc.msg} at column {exc.colno}){hint}") from None


def import_file(
    store: Store,
    path: Path,
    summary: ImportSummary,
    *,
    report: Callable[[str], None] | None = None,
) -> None:
    """Import every line of one JSON Lines file into *store*, counting into *summary*.

    *report* gets each problem or conflict line as it happens (for live output).
    """

    def note(bucket: list[str], message: str) -> None:
        bucket.append(message)
        if report is not None:
            report(message)

    with path.open("rb") as fh:
        lineno = 0
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            lineno += 1
            where = f"{path}:{lineno}"
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the giant line
                    raw = fh.readline(MAX_LINE_BYTES)
                note(summary.problems, f"{where}: line longer than {MAX_LINE_BYTES} bytes")
                continue
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            try:
                attempt, choices = parse_record(_decode_line(raw, lineno, not raw.endswith(b"\n")))
                outcome = store.import_attempt(attempt, choices)
            except (Invalid, ValueError, TypeError, StoreError) as exc:
                note(summary.problems, f"{where}: {exc}")
                continue
            if outcome == "inserted":
                summary.added += 1
            elif outcome == "replaced":
                summary.replaced += 1
            elif outcome == "identical":
                summary.identical += 1
            else:
                here = store.get_attempt(attempt.uuid)
                state = here.status if here is not None else "?"
                note(
                    summary.conflicts,
                    f"{where}: conflict: attempt {attempt.uuid} is already here ({state}) and "
                    f"differs from this one ({attempt.status}); kept the one here",
                )
