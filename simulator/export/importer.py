"""``talkdown import``: merge JSON Lines exports into this results database.

Idempotent by attempt uuid (the store decides, `ResultsStore.import_attempt`):

* new uuid → **added**;
* the same attempt already here → **skipped** (identical);
* here in progress, incoming completed or abandoned → **replaced** (it is further on);
* anything else → **conflict**, reported and skipped (nothing is overwritten).

Every line is parsed and validated on its own before anything is written
(`parse_record`), so one hostile line can never abort the run:

* JSON nested at most `MAX_JSON_DEPTH` deep; ``NaN``/``Infinity`` refused;
* required keys, types, enums, scores 0–100, moods 0–100, reply ``seq``
  running 1, 2, 3…, ``turns`` equal to the number of replies and ``seconds``
  to their sum;
* times between `EARLIEST` and `LATEST`, finished and updated not before started;
* consistency: passed only when resolved, an ending node unless the customer
  walked out;
* names, cohorts and e-mails without control characters; scenario and node
  ids spelled as in scenario files; and, when this library holds the very
  version of the scenario played (same content hash, `ScenarioIndex`), every
  node id and reply number must exist in it.

A bad line is reported as ``FILE:LINE: what is wrong`` and skipped; each
attempt is written in one transaction, so nothing is ever half-imported. Keys
this version does not know are ignored (a newer export stays importable where
it can be).

A trainee is (name, cohort): an attempt for a trainee already here whose
e-mail differs is imported under the e-mail *here* and reported as a conflict,
unless ``update_emails`` (``--update-emails``): the e-mail is the trainee's
xAPI identity, and a file must not silently change it.

A fault of the database itself (locked past the busy timeout, full disk,
read-only, damaged, a server gone — `simulator.results.StoreFault`) stops the import: every
later line would fail the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import uuid as uuid_mod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from scoring.vocabulary import SCORES
from simulator.export.jsonl import FORMAT
from simulator.results import (
    ENDINGS,
    MODES,
    STATUSES,
    AttemptRow,
    ChoiceRow,
    CriticalReply,
    ResultsStore,
    StoreError,
    StoreFault,
    parse_utc,
)
from simulator.results.checks import MAX_TYPED
from simulator.terminal import control_problem

#: Longest line read; a longer one is rejected without being held in memory.
MAX_LINE_BYTES: Final = 16 * 1024 * 1024
#: Tags are vocabulary words; the CSV sins count relies on it (see csv_export).
TAG_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")
_BOM: Final = b"\xef\xbb\xbf"
_INT64: Final = (-(2**63), 2**63 - 1)
#: Deepest JSON nesting accepted; a record is 4 deep (attempt, choices, reply, tags).
MAX_JSON_DEPTH: Final = 32
#: The range of times an attempt can have (talkdown did not exist before, nor will in 2100).
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC)
#: Ids as scenario files spell them (`simulator.loader`), so they never need escaping.
SCENARIO_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
NODE_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
EMAIL_RE: Final = re.compile(r"[^@\s]+@[^@\s]+\Z")


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
    if "\x00" in value:  # SQLite and C tools cut text at a NUL
        raise Invalid(f"'{where}{key}' holds a NUL character (U+0000)")
    return value


def _name(obj: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    """A name (trainee, cohort, e-mail): text without control characters."""
    value = _text(obj, key, where, optional=optional)
    if value is not None:
        problem = control_problem(value)
        if problem is not None:
            raise Invalid(f"'{where}{key}' cannot be a name: {problem}")
    return value


def _id(obj: Mapping[str, Any], key: str, where: str, pattern: re.Pattern[str], *,
        optional: bool = False) -> str | None:  # fmt: skip
    """A scenario or node id, spelled as scenario files allow."""
    value = _text(obj, key, where, optional=optional)
    if value is not None and pattern.match(value) is None:
        shown = value if len(value) <= 40 else value[:39] + "…"
        raise Invalid(
            f"'{where}{key}' is not an id (lowercase letters, digits, '-' or '_'): {shown!r}"
        )
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
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"'{where}{key}' must be a number or null, not {value!r} (not finite)")
    if isinstance(value, bool) or not isinstance(value, int | float):
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
    shown = value if len(value) <= 40 else value[:39] + "…"
    try:
        moment = parse_utc(value)
    except ValueError:
        raise Invalid(f"'{where}{key}' is not an ISO 8601 time: {shown!r}") from None
    except OverflowError:  # year 1 with a positive offset is before year 1 in UTC
        moment = EARLIEST - (LATEST - EARLIEST)  # reported as out of range below
    if not EARLIEST <= moment < LATEST:
        raise Invalid(
            f"'{where}{key}' is {shown}, outside {EARLIEST:%Y}–{LATEST:%Y}; "
            "the clock of the machine that recorded it was wrong"
        )
    return moment


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
    typed, matched, similarity = _typed(item, where, choice)
    return ChoiceRow(
        attempt_uuid=key,
        seq=seq,
        node=_id(item, "node", where, NODE_ID_RE) or "",
        choice=choice,
        say=_text(item, "say", where, empty=True) or "",
        empathy=_int(item, "empathy", where) or 0,
        assertiveness=_int(item, "assertiveness", where) or 0,
        tags=tuple(tags),
        mood_before=_int(item, "mood_before", where, low=0, high=100) or 0,
        mood_after=_int(item, "mood_after", where, low=0, high=100) or 0,
        seconds=_int(item, "seconds", where, low=0) or 0,
        latency_ms=_number(item, "latency_ms", where),
        next_node=_id(item, "next_node", where, NODE_ID_RE, optional=True),
        recorded_at=recorded,
        critical=critical,
        shown=_int(item, "shown", where, optional=True, low=1) if _newer(item, "shown") else None,
        typed=typed,
        matched=matched,
        similarity=similarity,
    )


def _typed(
    item: Mapping[str, Any], where: str, choice: int | None
) -> tuple[str | None, int | None, float | None]:
    """A reply's typed text, the reply it was heard as and the similarity (exported with
    ``--include-typed``; absent otherwise, and then nothing was typed as far as we know)."""
    if not _newer(item, "typed"):
        return None, None, None
    typed = _text(item, "typed", where, optional=True)
    if typed is None:
        for key in ("matched", "similarity"):
            if item.get(key) is not None:
                raise Invalid(f"'{where}{key}' must be null when nothing was typed")
        return None, None, None
    if choice is None:
        raise Invalid(f"'{where}typed' must be null for a silence (no reply was made)")
    if len(typed) > MAX_TYPED:
        raise Invalid(f"'{where}typed' is longer than {MAX_TYPED} characters")
    matched = _int(item, "matched", where, optional=True, low=1)
    similarity = _number(item, "similarity", where, high=1.0)
    if similarity is None:
        raise Invalid(f"'{where}similarity' must be a number from 0 to 1 for a typed reply")
    overridden = item.get("overridden")
    if overridden is not None and overridden != (matched != choice):
        raise Invalid(f"'{where}overridden' does not agree with 'matched' and 'choice'")
    return typed, matched, similarity


def _matcher(obj: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The attempt's matcher ``{"name", "version"}`` (absent or null: none)."""
    value = obj.get("matcher")
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise Invalid(f"'matcher' must be an object or null, not {_kind(value)}")
    return _name(value, "name", "matcher."), _name(value, "version", "matcher.")


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
    if passed is True and ending != "resolved":
        raise Invalid(f"'passed' is true but 'ending' is {ending}: only a resolved call passes")
    started = _time(obj, "started_at", "")
    finished = _time(obj, "finished_at", "", optional=True)
    if completed and finished is None:
        raise Invalid("'finished_at' must be set when 'status' is completed")
    updated = _time(obj, "updated_at", "")
    assert started is not None and updated is not None
    if finished is not None and finished < started:
        raise Invalid("'finished_at' is before 'started_at'")
    if updated < started:
        raise Invalid("'updated_at' is before 'started_at'")
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
    matcher, matcher_version = _matcher(obj)
    if matcher is None and any(c.typed is not None for c in choices):
        raise Invalid("'matcher' must name the matcher that heard the typed replies")
    seconds = _int(obj, "seconds", "", low=0) or 0
    if seconds != sum(c.seconds for c in choices):
        raise Invalid(
            f"'seconds' is {seconds} but the replies add up to {sum(c.seconds for c in choices)}"
        )
    ending_node = _id(obj, "ending_node", "", NODE_ID_RE, optional=True)
    if completed and ending != "lost" and ending_node is None:
        raise Invalid("'ending_node' must be set: only a walkout (lost) ends without one")
    email = _name(trainee, "email", "trainee.", optional=True)
    if email is not None and EMAIL_RE.match(email) is None:
        raise Invalid(f"'trainee.email' is not an e-mail address: {email!r}")
    attempt = AttemptRow(
        uuid=key,
        trainee_id=0,  # local id: the store matches the trainee by (name, cohort)
        trainee=_name(trainee, "name", "trainee.") or "",
        cohort=_name(trainee, "cohort", "trainee.") or "",
        email=email,
        scenario_id=_id(scenario, "id", "scenario.", SCENARIO_ID_RE) or "",
        scenario_title=_text(scenario, "title", "scenario.", empty=True) or "",
        content_hash=_text(scenario, "content_hash", "scenario.") or "",
        mode=_enum(obj, "mode", "", MODES) or "",
        timed_seconds=_int(obj, "timed_seconds", "", optional=True, low=1),
        start_node=_id(obj, "start_node", "", NODE_ID_RE) or "",
        started_at=started,
        finished_at=finished,
        status=status or "",
        ending=ending,
        ending_node=ending_node,
        empathy=values["empathy"],
        assertiveness=values["assertiveness"],
        speed=values["speed"],
        overall=values["overall"],
        passed=passed,
        seconds=seconds,
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
        matcher=matcher,
        matcher_version=matcher_version,
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
    #: Trainees whose e-mail conflict was reported (once each), and e-mails seen here.
    email_conflicts: set[tuple[str, str]] = field(default_factory=set)
    emails: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        """Lines that could not be imported at all."""
        return len(self.problems)


class ImportStopped(Exception):
    """The database failed (`StoreFault`) at ``where``; the lines before it were imported."""

    def __init__(self, where: str, fault: StoreFault) -> None:
        super().__init__(f"{where}: {fault}")
        self.where = where
        self.fault = fault


# --------------------------------------------------------------------------- scenarios here


@dataclass(frozen=True, slots=True)
class ScenarioVersion:
    """What an imported attempt is checked against: one version of a scenario here."""

    id: str
    replies: dict[str, int]  # node id -> number of replies it offers
    endings: dict[str, str]  # ending node id -> its kind


class ScenarioIndex:
    """The scenario files of this library, by content hash; each parsed when first needed.

    Hashing a file is cheap; only a version an imported attempt names is loaded.
    """

    def __init__(self, paths: Iterable[Path]) -> None:
        self._paths = list(paths)
        self._by_hash: dict[str, Path] | None = None
        self._versions: dict[str, ScenarioVersion | None] = {}

    @classmethod
    def from_library(cls, extra_dirs: Iterable[Path] = ()) -> ScenarioIndex:
        """The shipped scenarios and those in *extra_dirs* (the config's scenario_dirs)."""
        from simulator.library import scenario_paths, shipped_dir

        return cls(scenario_paths([*extra_dirs, shipped_dir()]))

    def version(self, content_hash: str) -> ScenarioVersion | None:
        """The scenario version with this content hash, if this library holds it."""
        if content_hash in self._versions:
            return self._versions[content_hash]
        if self._by_hash is None:
            self._by_hash = {}
            for path in self._paths:
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    continue
                self._by_hash.setdefault(digest, path)
        found = None
        source = self._by_hash.get(content_hash)
        if source is not None:
            from simulator.loader import read_file

            scenario = read_file(source).scenario
            if scenario is not None:
                found = ScenarioVersion(
                    scenario.id,
                    {n.id: len(n.choices) for n in scenario.nodes.values()},
                    {n.id: n.ending for n in scenario.nodes.values() if n.ending is not None},
                )
        self._versions[content_hash] = found
        return found


def check_against(attempt: AttemptRow, choices: list[ChoiceRow], known: ScenarioVersion) -> None:
    """Raise `Invalid` unless every id and reply number exists in the version played."""
    if attempt.scenario_id != known.id:
        raise Invalid(
            f"'scenario.id' is {attempt.scenario_id!r}, but the file with this content hash "
            f"here is scenario {known.id!r}"
        )

    def node(value: str | None, where: str) -> None:
        if value is not None and value not in known.replies:
            raise Invalid(
                f"'{where}' is {value!r}, which is not a node of {known.id} (this version)"
            )

    node(attempt.start_node, "start_node")
    for item in choices:
        where = f"choices[{item.seq - 1}]."
        node(item.node, where + "node")
        node(item.next_node, where + "next_node")
        offered = known.replies[item.node]
        for key, number in (("choice", item.choice), ("matched", item.matched)):
            if number is not None and number > offered:
                raise Invalid(
                    f"'{where}{key}' is {number}, but node {item.node!r} offers {offered}"
                )
    if attempt.ending_node is not None:
        node(attempt.ending_node, "ending_node")
        kind = known.endings.get(attempt.ending_node)
        if kind is None or (attempt.ending is not None and kind != attempt.ending):
            raise Invalid(
                f"'ending_node' {attempt.ending_node!r} is not a {attempt.ending} ending of "
                f"{known.id} (this version)"
            )


# --------------------------------------------------------------------------- files


def _depth_ok(value: Any, limit: int) -> bool:
    """True if *value* nests no deeper than *limit* (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def _no_constant(name: str) -> Any:
    raise Invalid(f"{name} is not a number JSON allows; write null or a number")


def _decode_line(raw: bytes, lineno: int, last: bool) -> Any:
    """The JSON value on one line; raises `Invalid` with what is wrong."""
    try:
        text = raw.rstrip(b"\r\n").decode("utf-8")  # columns count within the line
    except UnicodeDecodeError as exc:
        raise Invalid(f"not UTF-8 text (byte {exc.start + 1} of the line)") from None
    too_deep = f"nested more than {MAX_JSON_DEPTH} levels deep; an attempt is 4 deep"
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        hint = " — the file looks truncated" if last else ""
        raise Invalid(f"not valid JSON ({exc.msg} at column {exc.colno}){hint}") from None
    except RecursionError:  # deeper than the decoder's own limit
        raise Invalid(too_deep) from None
    if not _depth_ok(value, MAX_JSON_DEPTH):
        raise Invalid(too_deep)
    return value


def import_file(
    store: ResultsStore,
    path: Path,
    summary: ImportSummary,
    *,
    report: Callable[[str], None] | None = None,
    scenarios: ScenarioIndex | None = None,
    update_emails: bool = False,
) -> None:
    """Import every line of one JSON Lines file into *store*, counting into *summary*.

    *report* gets each problem or conflict line as it happens (for live output).
    *scenarios* (default: none) are the versions whose ids are checked.
    Raises `ImportStopped` when the database itself fails.
    """
    emails: dict[tuple[str, str], str | None] = summary.emails

    def note(bucket: list[str], message: str) -> None:
        bucket.append(message)
        if report is not None:
            report(message)

    def email_here(name: str, cohort: str) -> tuple[bool, str | None]:
        key = (name, cohort)
        if key not in emails:
            with store.snapshot() as view:
                here = view.find_trainee(name, cohort)
            if here is None:
                return False, None
            emails[key] = here.email
        return True, emails[key]

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
                known = None if scenarios is None else scenarios.version(attempt.content_hash)
                if known is not None:
                    check_against(attempt, choices, known)
                exists, email = email_here(attempt.trainee, attempt.cohort)
                if exists and attempt.email != email and not update_emails:
                    if attempt.email is not None and (attempt.trainee, attempt.cohort) not in (
                        summary.email_conflicts
                    ):
                        summary.email_conflicts.add((attempt.trainee, attempt.cohort))
                        note(
                            summary.conflicts,
                            f"{where}: conflict: trainee {attempt.trainee!r} ({attempt.cohort}) "
                            f"has the e-mail {email or '(none)'} here and {attempt.email} in "
                            "the file; kept the one here (--update-emails takes the file's)",
                        )
                    attempt = dataclasses.replace(attempt, email=email)
                outcome = store.import_attempt(attempt, choices)
            except StoreFault as fault:
                raise ImportStopped(where, fault) from None
            except (Invalid, ValueError, TypeError, StoreError) as exc:
                note(summary.problems, f"{where}: {exc}")
                continue
            if attempt.email is not None:
                emails[(attempt.trainee, attempt.cohort)] = attempt.email
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
