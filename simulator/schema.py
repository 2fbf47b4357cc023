"""The JSON Schema of scenario formats 1 and 1.1, for editors (yaml-language-server).

The loader is the authority (it also checks the graph and conditions); the
schema gives authors completion and early red squiggles for the same fields.
"""

from __future__ import annotations

import json
import re
from typing import Any

from simulator.loader import NODE_ID_RE, SCENARIO_ID_RE
from simulator.model import CHANNELS, ENDINGS, MAX_CHOICES, MAX_PARAPHRASES
from simulator.tags import TAGS

SCHEMA_ID = "https://talkdown.invalid/scenario.schema.json"


def _pattern(regex: re.Pattern[str]) -> str:
    return "^" + regex.pattern.removesuffix("\\Z") + "$"


def _int(description: str, low: int, high: int, default: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "integer",
        "minimum": low,
        "maximum": high,
        "description": description,
    }
    if default is not None:
        out["default"] = default
    return out


def scenario_schema() -> dict[str, Any]:
    """The schema as a dict (stable key order, so the shipped file can be compared)."""
    text = {"type": "string"}
    node_id = {"type": "string", "pattern": _pattern(NODE_ID_RE)}
    tag = {
        "type": "string",
        "enum": list(TAGS),
        "description": "A sin of service or a technique: "
        + "; ".join(f"{k}: {v}" for k, v in TAGS.items()),
    }
    route = {
        "type": "object",
        "additionalProperties": False,
        "required": ["goto"],
        "properties": {
            "if": {**text, "description": "Condition, e.g. 'mood >= 70 and not promised'."},
            "goto": {**node_id, "description": "Node to go to."},
        },
    }
    choice = {
        "type": "object",
        "additionalProperties": False,
        "required": ["say", "next"],
        "properties": {
            "say": {**text, "description": "What the trainee says ({agent} = their first name)."},
            "empathy": _int("Empathy points for this reply.", -100, 100, 0),
            "assertiveness": _int(
                "Assertiveness points: calm firmness scores high; caving in and hostility low.",
                -100,
                100,
                0,
            ),
            "mood": _int("Change in the customer's anger (negative calms).", -100, 100, 0),
            "seconds": _int("Simulated call time this reply costs.", 0, 86400, 30),
            "tags": {"type": "array", "items": tag, "uniqueItems": True},
            "feedback": {**text, "description": "Why this reply helps or hurts."},
            "reaction": {
                **text,
                "description": "Format 1.1: the customer's immediate spoken reaction to this "
                "reply, shown right after it.",
            },
            "critical": {
                **text,
                "minLength": 1,
                "description": "Format 1.1: why this reply fails the call whatever the score "
                "(e.g. 'skipped the identity check'); an attempt that makes it cannot pass.",
            },
            "paraphrases": {
                "type": "array",
                "items": {**text, "minLength": 1},
                "maxItems": MAX_PARAPHRASES,
                "description": "Format 1.1: other ways a trainee might say this reply, so a "
                "typed reply is matched to it (say it your way); never shown.",
            },
            "set": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "description": "Flags this reply raises (never lowered).",
            },
            "next": {
                "description": (
                    "A node id, or routes: '- if: ... goto: ...' ending in '- goto: ...'."
                ),
                "oneOf": [node_id, {"type": "array", "minItems": 1, "items": route}],
            },
        },
    }
    variant = {
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {
            "if": {**text, "description": "Condition on the final variables, e.g. 'promised'."},
            "text": {**text, "description": "The outcome shown when the condition holds."},
        },
    }
    node = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "customer": {
                **text,
                "description": "What is said at this node (shown literally; no stage "
                "directions in format 1.1: use 'narration').",
            },
            "speaker": {
                **text,
                "description": "Format 1.1: who says the line when it is not the customer.",
            },
            "narration": {
                **text,
                "description": "Format 1.1: stage directions, shown as narration.",
            },
            "screen": {
                **text,
                "description": "Format 1.1: what the agent's own system shows from now on.",
            },
            "choices": {"type": "array", "minItems": 1, "maxItems": MAX_CHOICES, "items": choice},
            "ending": {"enum": list(ENDINGS), "description": "Makes this an ending node."},
            "outcome": {
                "description": "What happened, shown in the debrief: a text, or (format 1.1) "
                "'- if: ... text: ...' variants ending with an unconditional '- text: ...'.",
                "oneOf": [text, {"type": "array", "minItems": 1, "items": variant}],
            },
        },
        "anyOf": [{"required": ["customer"]}, {"required": ["narration"]}],
        "oneOf": [
            {"required": ["choices"], "not": {"required": ["ending"]}},
            {"required": ["ending"], "not": {"required": ["choices"]}},
        ],
    }
    weight = {"type": "number", "minimum": 0, "default": 1}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "talkdown scenario (format 1 or 1.1)",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "id", "title", "customer", "start", "nodes"],
        "properties": {
            "format": {"enum": [1, 1.1], "description": "1, or 1.1 for the newer fields."},
            "id": {"type": "string", "pattern": _pattern(SCENARIO_ID_RE)},
            "title": text,
            "summary": text,
            "difficulty": _int("1 (easy) to 5 (hard).", 1, 5, 1),
            "minutes": _int("Estimated play time in minutes.", 1, 600, 5),
            "channel": {"enum": list(CHANNELS)},
            "tags": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            },
            "customer": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "mood"],
                "properties": {
                    "name": text,
                    "persona": text,
                    "mood": _int("Starting anger, 0 calm .. 100 furious.", 0, 100),
                    "walkout_at": _int("Mood at which the customer leaves (lost).", 0, 100, 100),
                    "walkout_line": text,
                    "silence_mood": _int("Pressure mode: anger added by a silence.", 0, 100, 10),
                },
            },
            "scoring": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "weights": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"empathy": weight, "assertiveness": weight, "speed": weight},
                    },
                    "pass_mark": {"type": "number", "minimum": 0, "maximum": 100, "default": 70},
                },
            },
            "shuffle": {
                "type": "boolean",
                "description": "Format 1.1: show replies in a per-attempt shuffled order "
                "(default true in format 1.1).",
            },
            "start": node_id,
            "nodes": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": node_id,
                "additionalProperties": node,
            },
        },
    }


def schema_text() -> str:
    """The schema as pretty-printed JSON with a trailing newline."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
