"""xAPI 1.0.3 statements for attempts (``talkdown export --format xapi``).

Per attempt, in this order:

* ``attempted`` the scenario — timestamp = start;
* ``answered`` per reply — object = that reply at that node (its authored
  number), ``result.response`` the words said, ``result.duration`` the reply
  latency (when measured), raw points, tags, mood and (when the replies were
  shuffled) the position it was shown at in ``result.extensions``; a reply that
  fails the call has ``result.success: false`` and its reason under
  ``<base>ext/critical``; timestamp = when recorded;
* once completed: ``completed`` and then ``passed`` or ``failed`` the scenario —
  ``result.score`` {scaled = overall/100, raw = overall, min 0, max 100},
  ``success``, ``completion``, ``duration`` (wall clock, ISO 8601), the
  three dimensions, the outcome shown and the critical replies (a list of
  ``{"node", "choice", "reason"}``) as extensions; timestamp = finish.

A typed reply (say mode) is exported as typed only with ``--include-typed``
(typed text is personal data): its ``answered`` statement's object is then the
node's ``long-fill-in`` interaction (``…/nodes/<node>/typed``),
``result.response`` is what the trainee typed, and ``result.extensions`` add
the reply it was heard as (``<base>ext/matched-reply``: that reply's IRI, or
null when not matched), the ``similarity`` (0–1), the reply said
(``<base>ext/reply``), whether the trainee ``overridden`` what was heard, and
the ``matcher`` (name and version). Without the flag it is the reply's
``choice`` interaction, exactly as a picked reply's.

Actor: ``mbox`` (``mailto:``) when the trainee's e-mail is known, else an
``account`` {``homePage``, ``name`` = ``<cohort>/<name>``} — exactly one IFI.
Object ids are IRIs under the IRI base (``scenarios/<id>``,
``scenarios/<id>/nodes/<node>/replies/<n>`` or ``…/silence``); extensions live
under ``<base>ext/``. ``context.registration`` is the attempt uuid. Statement
ids are uuid5(attempt uuid, ``"<verb>/<seq>"``), so exporting or sending the
same attempt again yields the same ids and an LRS can drop the repeats.

The file format is a JSON array with one statement per line (the body an LRS
accepts on ``POST /statements``, and still diff-friendly).
"""

from __future__ import annotations

import math
import uuid as uuid_mod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TextIO
from urllib.parse import quote

from scoring.vocabulary import DIMENSIONS
from simulator.export.jsonl import Record, iter_records
from simulator.export.progress import Tick, Ticker
from simulator.results import Filters, ResultsView
from simulator.terminal import dumps_json

DEFAULT_IRI_BASE: Final = "https://talkdown.invalid/"
DEFAULT_HOME_PAGE: Final = "https://talkdown.invalid"
ADL: Final = "http://adlnet.gov/expapi/verbs/"
VERBS: Final = ("attempted", "answered", "completed", "passed", "failed")
SIMULATION: Final = "http://adlnet.gov/expapi/activities/simulation"
INTERACTION: Final = "http://adlnet.gov/expapi/activities/interaction"
COHORT: Final = "http://adlnet.gov/expapi/activities/course"


@dataclass(frozen=True, slots=True)
class XapiOptions:
    """Where the statements' IRIs live."""

    iri_base: str = DEFAULT_IRI_BASE
    home_page: str = DEFAULT_HOME_PAGE
    include_typed: bool = False  # typed replies as long-fill-in (personal data: on request)

    def __post_init__(self) -> None:
        # Always one slash between the base and what follows it.
        if not self.iri_base.endswith("/"):
            object.__setattr__(self, "iri_base", self.iri_base + "/")

    def ext(self, name: str) -> str:
        """The IRI of extension *name*."""
        return f"{self.iri_base}ext/{name}"


def _segment(text: str) -> str:
    """*text* as one IRI path segment (``/``, spaces and the like percent-encoded)."""
    return quote(text, safe="-._~")


def iso_duration(seconds: float) -> str:
    """Seconds as an ISO 8601 duration, 0.01 s precision as xAPI allows: ``PT1M23.45S``."""
    hundredths = max(0, math.floor(seconds * 100 + 1e-6))
    hours, rest = divmod(hundredths, 360_000)
    minutes, rest = divmod(rest, 6_000)
    whole, frac = divmod(rest, 100)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if whole or frac or out == "PT":
        out += f"{whole}.{frac:02d}S" if frac else f"{whole}S"
    return out


def _seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def statement_id(attempt_uuid: str, verb: str, seq: int = 0) -> str:
    """The deterministic id of an attempt's *verb* statement (*seq*: the reply, else 0)."""
    return str(uuid_mod.uuid5(uuid_mod.UUID(attempt_uuid), f"{verb}/{seq}"))


def actor(record: Record, options: XapiOptions) -> dict[str, Any]:
    """The trainee as an xAPI Agent with exactly one inverse functional identifier."""
    trainee = record["trainee"]
    agent: dict[str, Any] = {"objectType": "Agent", "name": trainee["name"]}
    if trainee.get("email"):
        agent["mbox"] = "mailto:" + trainee["email"]
    else:
        agent["account"] = {
            "homePage": options.home_page,
            "name": f"{trainee['cohort']}/{trainee['name']}",
        }
    return agent


def _verb(name: str) -> dict[str, Any]:
    return {"id": ADL + name, "display": {"en-US": name}}


def _scenario_iri(record: Record, options: XapiOptions) -> str:
    return f"{options.iri_base}scenarios/{_segment(record['scenario']['id'])}"


def _scenario_activity(record: Record, options: XapiOptions) -> dict[str, Any]:
    scenario = record["scenario"]
    return {
        "objectType": "Activity",
        "id": _scenario_iri(record, options),
        "definition": {
            "type": SIMULATION,
            "name": {"en-US": scenario["title"]},
        },
    }


def _context(record: Record, options: XapiOptions, *, parent: bool) -> dict[str, Any]:
    cohort_iri = f"{options.iri_base}cohorts/{_segment(record['trainee']['cohort'])}"
    activities: dict[str, Any] = {"grouping": [{"objectType": "Activity", "id": cohort_iri}]}
    if parent:
        activities["parent"] = [{"objectType": "Activity", "id": _scenario_iri(record, options)}]
    extensions: dict[str, Any] = {
        options.ext("mode"): record["mode"],
        options.ext("content-hash"): record["scenario"]["content_hash"],
    }
    if record["timed_seconds"] is not None:
        extensions[options.ext("timed-seconds")] = record["timed_seconds"]
    return {
        "registration": record["uuid"],
        "platform": "talkdown",
        "contextActivities": activities,
        "extensions": extensions,
    }


def _final_result(record: Record, options: XapiOptions) -> dict[str, Any]:
    scores = record["scores"]
    result: dict[str, Any] = {}
    if scores["overall"] is not None:
        overall = float(scores["overall"])
        result["score"] = {"scaled": overall / 100, "raw": overall, "min": 0, "max": 100}
    result["success"] = bool(record["passed"])
    result["completion"] = True
    # A batch run (``talkdown run --record``) is not timed by a person: its wall
    # clock is the program's, so no duration is claimed for it.
    if record["finished_at"] is not None and record["mode"] != "batch":
        result["duration"] = iso_duration(
            _seconds_between(record["started_at"], record["finished_at"])
        )
    extensions = {
        options.ext(name): scores[name]
        for name in DIMENSIONS
        if scores[name] is not None  # not assessed: left out rather than null
    }
    extensions[options.ext("ending")] = record["ending"]
    extensions[options.ext("call-seconds")] = record["seconds"]
    extensions[options.ext("critical")] = record["critical"]
    if record["outcome"] is not None:
        extensions[options.ext("outcome")] = record["outcome"]
    result["extensions"] = extensions
    return result


def _typed(
    record: Record, reply: dict[str, Any], options: XapiOptions, node_iri: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A typed reply's ``long-fill-in`` object, and what its result adds."""
    matched = reply["matched"]
    matcher = record.get("matcher") or {}
    activity = {
        "objectType": "Activity",
        "id": f"{node_iri}/typed",
        "definition": {
            "type": INTERACTION,
            "interactionType": "long-fill-in",
            "name": {"en-US": f"Typed reply at {reply['node']}"},
        },
    }
    extensions = {
        options.ext("matched-reply"): None if matched is None else f"{node_iri}/replies/{matched}",
        options.ext("similarity"): reply["similarity"],
        options.ext("reply"): f"{node_iri}/replies/{reply['choice']}",
        options.ext("said"): reply["say"],
        options.ext("overridden"): reply["overridden"],
        options.ext("matcher"): f"{matcher.get('name', '')} {matcher.get('version', '')}".strip(),
    }
    return activity, extensions


def _answered(record: Record, reply: dict[str, Any], options: XapiOptions) -> dict[str, Any]:
    node_iri = f"{_scenario_iri(record, options)}/nodes/{_segment(reply['node'])}"
    which = "silence" if reply["choice"] is None else str(reply["choice"])
    said = reply["say"] if reply["choice"] is not None else "(silence: the timer ran out)"
    result: dict[str, Any] = {
        "response": said,
        "extensions": {
            options.ext("empathy-points"): reply["empathy"],
            options.ext("assertiveness-points"): reply["assertiveness"],
            options.ext("tags"): list(reply["tags"]),
            options.ext("mood-before"): reply["mood_before"],
            options.ext("mood-after"): reply["mood_after"],
            options.ext("call-seconds"): reply["seconds"],
        },
    }
    if reply["shown"] is not None:
        result["extensions"][options.ext("shown")] = reply["shown"]
    if reply["critical"] is not None:
        result["success"] = False
        result["extensions"][options.ext("critical")] = reply["critical"]
    if reply["latency_ms"] is not None:
        result["duration"] = iso_duration(reply["latency_ms"] / 1000)
    context = _context(record, options, parent=True)
    context["extensions"][options.ext("seq")] = reply["seq"]
    activity: dict[str, Any] = {
        "objectType": "Activity",
        "id": f"{node_iri}/replies/{which}",
        "definition": {"type": INTERACTION, "name": {"en-US": said}},
    }
    if options.include_typed and reply.get("typed") is not None:
        activity, typed_extensions = _typed(record, reply, options, node_iri)
        result["response"] = reply["typed"]
        result["extensions"].update(typed_extensions)
    return {
        "id": statement_id(record["uuid"], "answered", reply["seq"]),
        "actor": actor(record, options),
        "verb": _verb("answered"),
        "object": activity,
        "result": result,
        "context": context,
        "timestamp": reply["recorded_at"],
    }


def statements_for(record: Record, options: XapiOptions) -> list[dict[str, Any]]:
    """All statements of one exported attempt (a `jsonl` record), in time order."""
    who = actor(record, options)
    activity = _scenario_activity(record, options)
    out = [
        {
            "id": statement_id(record["uuid"], "attempted"),
            "actor": who,
            "verb": _verb("attempted"),
            "object": activity,
            "context": _context(record, options, parent=False),
            "timestamp": record["started_at"],
        }
    ]
    out.extend(_answered(record, reply, options) for reply in record["choices"])
    if record["status"] == "completed":
        result = _final_result(record, options)
        verdict = "passed" if record["passed"] else "failed"
        for verb in ("completed", verdict):
            out.append({
                "id": statement_id(record["uuid"], verb),
                "actor": who,
                "verb": _verb(verb),
                "object": activity,
                "result": result,
                "context": _context(record, options, parent=False),
                "timestamp": record["finished_at"],
            })  # fmt: skip
    return out


def iter_statements(
    view: ResultsView, filters: Filters, options: XapiOptions, *, tick: Tick | None = None
) -> Iterator[dict[str, Any]]:
    """Statements of every matching attempt, attempt by attempt (*tick* counts attempts)."""
    ticker = Ticker(tick)
    for record in iter_records(view, filters, include_typed=options.include_typed):
        yield from statements_for(record, options)
        ticker.step()
    ticker.done()


def write_statements(statements: Iterator[dict[str, Any]], out: TextIO) -> int:
    """Write *statements* as a JSON array, one per line; return how many."""
    count = 0
    out.write("[")
    for statement in statements:
        out.write(",\n" if count else "\n")
        out.write(dumps_json(statement, separators=(",", ":")))  # C1 escaped, value unchanged
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
