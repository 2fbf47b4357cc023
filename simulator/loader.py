"""Build a validated :class:`Scenario` from a YAML file, reporting every problem.

Each problem names ``file:line:col``, says what is wrong and what to do. The
structural checks live here; graph facts (reachability, stuck nodes) are in
:mod:`simulator.validate`, which runs after a successful build.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from scoring.vocabulary import DIMENSIONS
from simulator.conditions import FLAG_RE, Condition, ConditionError, parse_condition
from simulator.dialogue import placeholder_problem
from simulator.model import (
    CHANNELS,
    DEFAULT_MAX_BYTES,
    DEFAULT_PASS_MARK,
    DEFAULT_SECONDS,
    DEFAULT_SILENCE_MOOD,
    DEFAULT_WALKOUT_LINE,
    ENDINGS,
    FORMATS,
    LATEST_FORMAT,
    MAX_CHOICES,
    MAX_PARAPHRASES,
    MOOD_MAX,
    MOOD_MIN,
    Choice,
    Customer,
    Node,
    Outcome,
    Route,
    Scenario,
    ScoringSpec,
    Weights,
)
from simulator.problems import Problem, ScenarioError, Severity, did_you_mean
from simulator.tags import TAGS
from simulator.yamlload import MarkedList, MarkedMap, decode, parse_yaml, split_lines

SCENARIO_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
NODE_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
TOPIC_TAG_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
#: "[sighs]", "[On screen: …]": format 1's way of writing what isn't speech.
STAGE_DIRECTION_RE: Final = re.compile(r"\[[^\]\n]{2,}\]")

TOP_FIELDS: Final = (
    "format",
    "id",
    "title",
    "summary",
    "difficulty",
    "minutes",
    "channel",
    "tags",
    "customer",
    "scoring",
    "start",
    "nodes",
    "shuffle",
)
CUSTOMER_FIELDS: Final = ("name", "persona", "mood", "walkout_at", "walkout_line", "silence_mood")
SCORING_FIELDS: Final = ("weights", "pass_mark")
WEIGHT_FIELDS: Final = DIMENSIONS  # one weight per scored dimension
NODE_FIELDS: Final = (
    "customer",
    "choices",
    "ending",
    "outcome",
    "speaker",
    "narration",
    "screen",
)
CHOICE_FIELDS: Final = (
    "say",
    "empathy",
    "assertiveness",
    "mood",
    "seconds",
    "tags",
    "feedback",
    "set",
    "next",
    "reaction",
    "critical",
    "paraphrases",
)
ROUTE_FIELDS: Final = ("if", "goto")
OUTCOME_FIELDS: Final = ("if", "text")
#: Fields a format 1 file may not use: they arrived with format 1.1.
NEW_IN_1_1: Final = frozenset(
    {"shuffle", "speaker", "narration", "screen", "reaction", "critical", "paraphrases"}
)
POINTS_LIMIT: Final = 100
SECONDS_LIMIT: Final = 24 * 3600

Mark = tuple[int, int]


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A scenario (None when it has errors) and every problem found."""

    path: str
    scenario: Scenario | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that make the file unusable."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems worth fixing that do not stop the file from being played."""
        return tuple(p for p in self.problems if p.severity == "warning")


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (read as yes/no)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 30 else value[:27] + "..."
        return f"the text {short!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


class _Builder:
    """Walks the marked YAML tree, collecting problems and building the model."""

    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.lines = split_lines(text)  # editor lines: U+2028 does not end one
        self.problems: list[Problem] = []
        self.declared: set[str] = set()  # every node id written, even a broken node's
        self.condition_at: dict[int, Mark] = {}  # id(condition) -> where its text starts
        self.format = LATEST_FORMAT  # set from the file's 'format:' before anything else

    def report(
        self,
        mark: Mark,
        message: str,
        hint: str = "",
        code: str = "invalid",
        severity: Severity = "error",
    ) -> None:
        self.problems.append(Problem(self.path, mark[0], mark[1], message, hint, severity, code))

    # -- generic field readers -------------------------------------------------

    def check_fields(
        self, data: MarkedMap, allowed: tuple[str, ...], where: str, extra: str = ""
    ) -> None:
        for key in data:
            if key in NEW_IN_1_1 and self.format == "1" and key in allowed:
                self.report(
                    data.key_at(key),
                    f"'{key}' in {where} is new in format 1.1",
                    "write 'format: 1.1' at the top of the file to use it",
                    "format",
                )
            elif key not in allowed:
                hint = did_you_mean(str(key), allowed, "fields")
                if extra and "did you mean" not in hint:
                    hint = extra
                self.report(
                    data.key_at(key), f"unknown field '{key}' in {where}", hint, "unknown-field"
                )

    def require(self, data: MarkedMap, key: str, where: str) -> bool:
        if key in data and data[key] is not None:
            return True
        self.report(
            (data.line, data.col),
            f"{where} is missing the required field '{key}'",
            f"add '{key}:'",
            "missing-field",
        )
        return False

    def text(
        self, data: MarkedMap, key: str, where: str, *, required: bool = False, default: str = ""
    ) -> str:
        if key not in data or data[key] is None:
            if required:
                self.require(data, key, where)
            return default
        value = data[key]
        if isinstance(value, str):
            if required and not value.strip():
                self.report(data.value_at(key), f"'{key}' in {where} is empty", "write the text")
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        hint = "put the text in quotes"
        if isinstance(value, bool):
            hint = (
                f'YAML reads an unquoted yes/no/on/off as true/false; write {key}: "..." in quotes'
            )
        elif isinstance(value, list):
            hint = "text that starts with '[' must be quoted, e.g. \"[sighs] Fine.\""
        self.report(
            data.value_at(key),
            f"'{key}' in {where} must be text, not {_type_name(value)}",
            hint,
            "type",
        )
        return default

    def dialogue(
        self, data: MarkedMap, key: str, where: str, *, required: bool = False, default: str = ""
    ) -> str:
        """Text a trainee sees: like :meth:`text`, and in format 1.1 its braces are checked.

        A number is refused here (``text`` accepts one elsewhere): YAML reads
        ``21:05.`` as 1265.0 and ``3.50`` as 3.5, so a line written unquoted
        would reach the trainee changed.
        """
        raw = data.get(key)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            self.report(
                data.value_at(key),
                f"'{key}' in {where} was read as the number {raw!r}, not as text",
                f'put the text in quotes, e.g. {key}: "..."',
                "type",
            )
            return default
        value = self.text(data, key, where, required=required, default=default)
        if self.format != "1" and value is not default:
            self.check_placeholders(value, data.value_at(key), f"'{key}' in {where}")
        return value

    def check_placeholders(self, value: str, mark: Mark, what: str) -> None:
        found = placeholder_problem(value)
        if found is None:
            return
        offset, token = found
        line, col = self._text_start(mark)
        before = value[:offset]
        if "\n" not in before and self._on_one_line(mark, value):
            col += offset  # point at the brace itself when the text sits on one line
        self.report(
            (line, col),
            f"{what} holds {token!r}; only {{agent}} is replaced in dialogue",
            "write {agent} for the trainee's first name, or {{ and }} for a literal brace",
            "placeholder",
        )

    def _on_one_line(self, mark: Mark, value: str) -> bool:
        """True when ``value`` is written verbatim on the line where ``mark`` starts it."""
        line, col = self._text_start(mark)
        return 0 < line <= len(self.lines) and self.lines[line - 1][col - 1 :].startswith(value)

    def integer(
        self,
        data: MarkedMap,
        key: str,
        where: str,
        *,
        default: int,
        low: int,
        high: int,
        required: bool = False,
    ) -> int:
        if key not in data or data[key] is None:
            if required:
                self.require(data, key, where)
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.report(
                    data.value_at(key),
                    f"'{key}' in {where} must be a whole number, not {_type_name(value)}",
                    f"write e.g. {key}: {max(low, min(high, default))}",
                    "type",
                )
                return default
        if not low <= value <= high:
            self.report(
                data.value_at(key),
                f"'{key}' in {where} is {value}, outside {low}..{high}",
                f"use a number from {low} to {high}",
                "range",
            )
            return max(low, min(high, value))
        return int(value)

    def number(
        self, data: MarkedMap, key: str, where: str, *, default: float, low: float, high: float
    ) -> float:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.report(
                data.value_at(key),
                f"'{key}' in {where} must be a number, not {_type_name(value)}",
                f"write e.g. {key}: {default:g}",
                "type",
            )
            return default
        if not low <= value <= high:
            self.report(
                data.value_at(key),
                f"'{key}' in {where} is {value:g}, outside {low:g}..{high:g}",
                f"use a number from {low:g} to {high:g}",
                "range",
            )
            return default
        return float(value)

    def flag(self, data: MarkedMap, key: str, where: str, *, default: bool) -> bool:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        if isinstance(value, bool):
            return value
        self.report(
            data.value_at(key),
            f"'{key}' in {where} must be true or false, not {_type_name(value)}",
            f"write {key}: true or {key}: false",
            "type",
        )
        return default

    def mapping(self, data: MarkedMap, key: str, where: str) -> MarkedMap | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, MarkedMap):
            self.report(
                data.value_at(key),
                f"'{key}' in {where} must be a mapping of fields, not {_type_name(value)}",
                "indent the fields under it, one 'name: value' per line",
                "type",
            )
            return None
        return value

    def string_list(
        self,
        data: MarkedMap,
        key: str,
        where: str,
        check: Callable[[str, Mark], bool],
    ) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):  # a lone value is a list of one
            return (value,) if check(value, data.value_at(key)) else ()
        if not isinstance(value, MarkedList):
            self.report(
                data.value_at(key),
                f"'{key}' in {where} must be a list, not {_type_name(value)}",
                f"write e.g. {key}: [one, two]",
                "type",
            )
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            mark = value.item_at(i)
            if not isinstance(item, str):
                self.report(
                    mark,
                    f"'{key}' in {where} holds {_type_name(item)}; expected a name",
                    "list names only",
                    "type",
                )
            elif check(item, mark):
                if item in out:
                    self.report(
                        mark,
                        f"'{item}' is listed twice in '{key}'",
                        "remove the repeat",
                        "duplicate",
                        "warning",
                    )
                else:
                    out.append(item)
        return tuple(out)

    # -- the scenario ------------------------------------------------------------

    def build(self, data: Any, duplicates: Any, content_hash: str) -> Scenario | None:
        for dup in duplicates:
            self.report(
                (dup.line, dup.col),
                f"'{dup.key}' is defined twice (first at line {dup.first_line}); "
                "YAML would silently keep only the last one",
                "rename or remove one of them",
                "duplicate-key",
            )
        if not isinstance(data, MarkedMap):
            self.report(
                (getattr(data, "line", 1), getattr(data, "col", 1)),
                f"a scenario file must be a mapping of fields, not {_type_name(data)}",
                "start from 'talkdown new ID' or the example in docs/scenario-format.md",
                "type",
            )
            return None
        if self.require(data, "format", "the scenario"):
            fmt = _format_of(data["format"])
            if fmt is None:
                self.report(
                    data.value_at("format"),
                    f"unsupported format {data['format']!r}",
                    "this version of talkdown reads 'format: 1' and 'format: 1.1'",
                    "format",
                )
            else:
                self.format = fmt
        self.check_fields(data, TOP_FIELDS, "the scenario")
        scenario_id = self.text(data, "id", "the scenario", required=True)
        if scenario_id and not SCENARIO_ID_RE.match(scenario_id):
            self.report(
                data.value_at("id"),
                f"scenario id '{scenario_id}' is not a valid id",
                "use lowercase letters, digits and hyphens, e.g. late-birthday-parcel",
                "id",
            )
        title = self.text(data, "title", "the scenario", required=True)
        summary = self.text(data, "summary", "the scenario")
        difficulty = self.integer(data, "difficulty", "the scenario", default=1, low=1, high=5)
        minutes = self.integer(data, "minutes", "the scenario", default=5, low=1, high=600)
        channel = self.text(data, "channel", "the scenario")
        if channel and channel not in CHANNELS:
            self.report(
                data.value_at("channel"),
                f"unknown channel '{channel}'",
                did_you_mean(channel, CHANNELS, "channels"),
                "channel",
            )
        topic_tags = self.string_list(data, "tags", "the scenario", self._topic_tag_ok)
        shuffle = self.flag(data, "shuffle", "the scenario", default=self.format != "1")
        customer = self.customer(data)
        scoring = self.scoring(data)
        nodes = self.nodes(data)
        start = self.text(data, "start", "the scenario", required=True)
        if start and nodes is not None and start not in self.declared:
            self.report(
                data.value_at("start"),
                f"start node '{start}' does not exist",
                did_you_mean(start, nodes, "nodes"),
                "unknown-node",
            )
        if nodes is not None:
            self.check_routes(nodes)
            self.check_flags(nodes)
        if any(p.severity == "error" for p in self.problems) or customer is None or not nodes:
            return None
        return Scenario(
            id=scenario_id,
            title=title,
            summary=summary,
            difficulty=difficulty,
            minutes=minutes,
            customer=customer,
            start=start,
            nodes=nodes,
            tags=topic_tags,
            channel=channel,
            scoring=scoring,
            format=self.format,
            source=self.path,
            content_hash=content_hash,
            shuffle=shuffle,
        )

    def _topic_tag_ok(self, tag: str, mark: Mark) -> bool:
        if TOPIC_TAG_RE.match(tag):
            return True
        self.report(
            mark,
            f"scenario tag '{tag}' is not a valid tag",
            "use lowercase letters, digits and hyphens",
            "tag",
        )
        return False

    def customer(self, data: MarkedMap) -> Customer | None:
        if not self.require(data, "customer", "the scenario"):
            return None
        spec = self.mapping(data, "customer", "the scenario")
        if spec is None:
            return None
        where = "customer"
        self.check_fields(spec, CUSTOMER_FIELDS, where)
        name = self.text(spec, "name", where, required=True)
        persona = self.text(spec, "persona", where)
        mood = self.integer(
            spec, "mood", where, default=50, low=MOOD_MIN, high=MOOD_MAX, required=True
        )
        walkout = self.integer(
            spec, "walkout_at", where, default=MOOD_MAX, low=MOOD_MIN, high=MOOD_MAX
        )
        if walkout <= mood and "mood" in spec:
            self.report(
                spec.value_at("walkout_at") if "walkout_at" in spec else spec.value_at("mood"),
                f"walkout_at ({walkout}) must be above the starting mood ({mood})",
                "raise walkout_at (at most 100) or lower the starting mood",
                "walkout",
            )
        line = self.dialogue(spec, "walkout_line", where, default=DEFAULT_WALKOUT_LINE)
        silence = self.integer(
            spec, "silence_mood", where, default=DEFAULT_SILENCE_MOOD, low=0, high=MOOD_MAX
        )
        return Customer(name, persona, mood, walkout, line or DEFAULT_WALKOUT_LINE, silence)

    def scoring(self, data: MarkedMap) -> ScoringSpec:
        spec = self.mapping(data, "scoring", "the scenario")
        if spec is None:
            return ScoringSpec()
        self.check_fields(spec, SCORING_FIELDS, "scoring")
        weights = Weights()
        raw = self.mapping(spec, "weights", "scoring")
        if raw is not None:
            self.check_fields(raw, WEIGHT_FIELDS, "scoring weights")
            values = [
                self.number(raw, k, "scoring weights", default=1.0, low=0.0, high=1000.0)
                for k in WEIGHT_FIELDS
            ]
            if all(v == 0 for v in values):
                self.report(
                    (raw.line, raw.col),
                    "the scoring weights are all zero",
                    "give at least one dimension a positive weight",
                    "weights",
                )
            weights = Weights(*values)
        pass_mark = self.number(
            spec, "pass_mark", "scoring", default=DEFAULT_PASS_MARK, low=0.0, high=100.0
        )
        return ScoringSpec(weights, pass_mark)

    def nodes(self, data: MarkedMap) -> dict[str, Node] | None:
        if not self.require(data, "nodes", "the scenario"):
            return None
        spec = self.mapping(data, "nodes", "the scenario")
        if spec is None:
            return None
        if not spec:
            self.report(spec.key_at(None), "the scenario has no nodes", "add at least one", "empty")
            return None
        nodes: dict[str, Node] = {}
        self.declared = {n for n in spec if isinstance(n, str)}
        for node_id, raw in spec.items():
            mark = spec.key_at(node_id)
            if not isinstance(node_id, str) or not NODE_ID_RE.match(node_id):
                self.report(
                    mark,
                    f"node id {node_id!r} is not a valid id",
                    "use lowercase letters, digits, underscores and hyphens, e.g. opening",
                    "id",
                )
                continue
            if not isinstance(raw, MarkedMap):
                self.report(
                    spec.value_at(node_id),
                    f"node '{node_id}' must be a mapping with 'customer' and "
                    "'choices' or 'ending', "
                    f"not {_type_name(raw)}",
                    "indent its fields under the node id",
                    "type",
                )
                continue
            node = self.node(node_id, raw, mark)
            if node is not None:
                nodes[node_id] = node
        return nodes

    def node(self, node_id: str, raw: MarkedMap, mark: Mark) -> Node | None:
        where = f"node '{node_id}'"
        self.check_fields(raw, NODE_FIELDS, where)
        narration = self.dialogue(raw, "narration", where)
        # A 1.1 node may only narrate ("The line goes quiet."); otherwise someone speaks.
        line = self.dialogue(raw, "customer", where, required=not narration.strip())
        if self.format != "1" and STAGE_DIRECTION_RE.search(line):
            self.report(
                raw.value_at("customer"),
                f"'customer' in {where} holds a [bracketed] stage direction",
                "in format 1.1 the line is only what is said: move actions to 'narration:' "
                "and what the agent's system shows to 'screen:'",
                "stage-direction",
                "warning",
            )
        speaker = self.dialogue(raw, "speaker", where).strip()
        if "speaker" in raw and not speaker and raw["speaker"] is not None:
            self.report(
                raw.value_at("speaker"),
                f"'speaker' in {where} is empty",
                "name who speaks, or remove 'speaker' for the customer",
            )
        screen = self.dialogue(raw, "screen", where)
        has_choices = "choices" in raw
        ending = self.text(raw, "ending", where) or None
        outcomes = self.outcomes(raw, where)
        if ending is not None and ending not in ENDINGS:
            self.report(
                raw.value_at("ending"),
                f"unknown ending '{ending}' in {where}",
                did_you_mean(ending, ENDINGS, "endings"),
                "ending",
            )
            ending = None
        if ending is not None and has_choices:
            self.report(
                raw.key_at("choices"),
                f"{where} is an ending ({ending}) but also has choices",
                "remove 'choices' or 'ending': an ending node offers no replies",
                "ending-with-choices",
            )
            return None
        if ending is None and not has_choices:
            if "ending" not in raw:
                self.report(
                    mark,
                    f"{where} has neither choices nor an ending",
                    "add 'choices:' with replies, or 'ending: resolved|escalated|lost'",
                    "dead-end",
                )
            return None
        if "outcome" in raw and ending is None:
            self.report(
                raw.key_at("outcome"),
                f"'outcome' in {where} only applies to ending nodes",
                "remove it, or make the node an ending",
                "unknown-field",
            )
        extras = {"speaker": speaker, "narration": narration, "screen": screen}
        if ending is not None:
            return Node(node_id, line, (), ending, outcomes, mark[0], **extras)
        choices = self.choices(node_id, raw)
        return Node(node_id, line, choices, None, (), mark[0], **extras)

    def outcomes(self, raw: MarkedMap, where: str) -> tuple[Outcome, ...]:
        """An ending's ``outcome``: one text, or (1.1) ``{if, text}`` variants."""
        if "outcome" not in raw or raw["outcome"] is None:
            return ()
        value = raw["outcome"]
        if not isinstance(value, MarkedList):
            text = self.dialogue(raw, "outcome", where)
            return (Outcome(text, None, raw.value_at("outcome")[0]),) if text else ()
        if self.format == "1":
            self.report(
                raw.value_at("outcome"),
                f"'outcome' in {where} is a list of variants, which is new in format 1.1",
                "write 'format: 1.1' at the top of the file, or make the outcome one text",
                "format",
            )
            return ()
        if not value:
            self.report(
                raw.value_at("outcome"),
                f"'outcome' in {where} is an empty list",
                "write one text, or '- if: ...' variants ending with '- text: ...'",
            )
            return ()
        out: list[Outcome] = []
        for i, item in enumerate(value):
            imark = value.item_at(i)
            last = i == len(value) - 1
            owhere = f"outcome {i + 1} of {where}"
            if not isinstance(item, MarkedMap):
                self.report(
                    imark,
                    f"{owhere} must be '- if: ...' with 'text:', not {_type_name(item)}",
                    "write '- if: kept_promise' and 'text: ...' below it; the last has only "
                    "'text:'",
                    "type",
                )
                continue
            self.check_fields(item, OUTCOME_FIELDS, owhere)
            text = self.dialogue(item, "text", owhere, required=True)
            condition = self.condition(item, owhere) if "if" in item else None
            if last and "if" in item:
                self.report(
                    imark,
                    f"the last outcome of {where} has a condition",
                    "end the list with an unconditional '- text: ...' so an outcome is "
                    "always shown",
                    "outcome-fallback",
                )
            elif not last and "if" not in item:
                self.report(
                    imark,
                    f"{owhere} has no 'if:' but is not the last",
                    "outcomes after an unconditional one are never shown; move it last "
                    "or add a condition",
                    "outcome-order",
                )
            if text:
                out.append(Outcome(text, condition, imark[0]))
        return tuple(out)

    def choices(self, node_id: str, raw: MarkedMap) -> tuple[Choice, ...]:
        items = raw["choices"]
        where = f"node '{node_id}'"
        if not isinstance(items, MarkedList):
            self.report(
                raw.value_at("choices"),
                f"'choices' in {where} must be a list of replies, not {_type_name(items)}",
                "start each reply with '- say: ...'",
                "type",
            )
            return ()
        if not items:
            self.report(
                raw.value_at("choices"), f"{where} has an empty list of choices", "add replies"
            )
            return ()
        if len(items) > MAX_CHOICES:
            self.report(
                items.item_at(MAX_CHOICES),
                f"{where} offers {len(items)} replies; at most {MAX_CHOICES} fit the number keys",
                "split the decision or drop the weakest replies",
                "too-many-choices",
            )
        out: list[Choice] = []
        for i, item in enumerate(items[:MAX_CHOICES]):
            cwhere = f"reply {i + 1} of node '{node_id}'"
            if not isinstance(item, MarkedMap):
                self.report(
                    items.item_at(i),
                    f"{cwhere} must be a mapping starting with 'say:', not {_type_name(item)}",
                    "write '- say: ...' and its fields below it",
                    "type",
                )
                continue
            choice = self.choice(item, cwhere)
            if choice is not None:
                out.append(choice)
        return tuple(out)

    def choice(self, raw: MarkedMap, where: str) -> Choice | None:
        self.check_fields(raw, CHOICE_FIELDS, where)
        say = self.dialogue(raw, "say", where, required=True)
        ints = {
            key: self.integer(raw, key, where, default=0, low=-POINTS_LIMIT, high=POINTS_LIMIT)
            for key in ("empathy", "assertiveness", "mood")
        }
        seconds = self.integer(
            raw, "seconds", where, default=DEFAULT_SECONDS, low=0, high=SECONDS_LIMIT
        )
        tags = self.string_list(raw, "tags", where, self._tag_ok)
        feedback = self.dialogue(raw, "feedback", where)
        reaction = self.dialogue(raw, "reaction", where)
        critical = self.text(raw, "critical", where).strip()
        if "critical" in raw and raw["critical"] is not None and not critical:
            self.report(
                raw.value_at("critical"),
                f"'critical' in {where} is empty",
                "say why this reply fails the call, e.g. critical: skipped the identity check",
                "critical",
            )
        flags = self.string_list(raw, "set", where, self._flag_ok)
        paraphrases = self.paraphrases(raw, where, say) if self.format != "1" else ()
        routes = self.routes(raw, where)
        if routes is None:
            return None
        return Choice(
            say=say,
            routes=routes,
            empathy=ints["empathy"],
            assertiveness=ints["assertiveness"],
            mood=ints["mood"],
            seconds=seconds,
            tags=tags,
            feedback=feedback,
            set_flags=frozenset(flags),
            line=raw.line,
            reaction=reaction,
            critical=critical,
            paraphrases=paraphrases,
        )

    def paraphrases(self, raw: MarkedMap, where: str, say: str) -> tuple[str, ...]:
        """A reply's ``paraphrases:``: other ways a trainee might say it (format 1.1)."""
        value = raw.get("paraphrases")
        if value is None:
            return ()
        items: list[tuple[Any, Mark]]
        if isinstance(value, str):  # a lone text is a list of one
            items = [(value, raw.value_at("paraphrases"))]
        elif isinstance(value, MarkedList):
            items = [(item, value.item_at(i)) for i, item in enumerate(value)]
        else:
            self.report(
                raw.value_at("paraphrases"),
                f"'paraphrases' in {where} must be a list of texts, not {_type_name(value)}",
                'write e.g. paraphrases: ["I can see it\'s stuck", "It\'s held at the depot"]',
                "type",
            )
            return ()
        if len(items) > MAX_PARAPHRASES:
            self.report(
                items[MAX_PARAPHRASES][1],
                f"{where} has {len(items)} paraphrases; at most {MAX_PARAPHRASES} are read",
                "keep the ones that say the reply most differently",
                "too-many-paraphrases",
            )
            items = items[:MAX_PARAPHRASES]
        seen = {" ".join(say.split()).casefold(): "the reply's own text"}
        out: list[str] = []
        for item, mark in items:
            if isinstance(item, int | float) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                self.report(
                    mark,
                    f"a paraphrase in {where} must be text, not {_type_name(item)}",
                    "put the text in quotes",
                    "type",
                )
                continue
            if not item.strip():
                self.report(
                    mark, f"a paraphrase in {where} is empty", "write the text or remove it"
                )
                continue
            self.check_placeholders(item, mark, f"a paraphrase in {where}")
            key = " ".join(item.split()).casefold()
            if key in seen:
                self.report(
                    mark,
                    f"a paraphrase in {where} repeats {seen[key]}",
                    "remove it, or say it differently",
                    "duplicate",
                    "warning",
                )
                continue
            seen[key] = "an earlier paraphrase"
            out.append(item)
        return tuple(out)

    def _tag_ok(self, tag: str, mark: Mark) -> bool:
        if tag in TAGS:
            return True
        self.report(
            mark,
            f"unknown tag '{tag}'",
            did_you_mean(tag, TAGS, "tags") + " (the vocabulary is in docs/scenario-format.md)",
            "unknown-tag",
        )
        return False

    def _flag_ok(self, flag: str, mark: Mark) -> bool:
        if FLAG_RE.match(flag) and flag not in (
            "and",
            "or",
            "not",
            "mood",
            "turn",
            "empathy",
            "assertiveness",
        ):
            return True
        self.report(
            mark,
            f"'{flag}' is not a valid flag name",
            "use lowercase letters, digits and underscores (not hyphens), not a keyword",
            "flag",
        )
        return False

    def routes(self, raw: MarkedMap, where: str) -> tuple[Route, ...] | None:
        if not self.require(raw, "next", where):
            return None
        value = raw["next"]
        mark = raw.value_at("next")
        if isinstance(value, str):
            return (Route(value, None, *mark),)
        if not isinstance(value, MarkedList) or not value:
            self.report(
                mark,
                f"'next' in {where} must be a node id or a list of 'if:/goto:' routes, "
                f"not {_type_name(value)}",
                "write 'next: node_id', or a list ending with '- goto: node_id'",
                "type",
            )
            return None
        routes: list[Route] = []
        ok = True
        for i, item in enumerate(value):
            imark = value.item_at(i)
            last = i == len(value) - 1
            if isinstance(item, str) and last:
                routes.append(Route(item, None, *imark))
                continue
            if not isinstance(item, MarkedMap):
                self.report(
                    imark,
                    f"route {i + 1} of {where} must be '- if: ...' with 'goto:', "
                    f"not {_type_name(item)}",
                    "write '- if: mood >= 70' and 'goto: node_id' below it",
                    "type",
                )
                ok = False
                continue
            rwhere = f"route {i + 1} of {where}"
            self.check_fields(item, ROUTE_FIELDS, rwhere)
            goto = self.text(item, "goto", rwhere, required=True)
            condition = None
            if "if" in item:
                condition = self.condition(item, rwhere)
                ok = ok and condition is not None
                if last and condition is not None:
                    self.report(
                        imark,
                        f"the last route of {where} has a condition",
                        "end the list with an unconditional '- goto: node_id' "
                        "so the conversation always has somewhere to go",
                        "route-fallback",
                    )
                    ok = False
            elif not last:
                self.report(
                    imark,
                    f"{rwhere} has no 'if:' but is not the last route",
                    "routes after an unconditional goto can never be taken; move it last "
                    "or add a condition",
                    "route-order",
                )
                ok = False
            if goto:
                routes.append(Route(goto, condition, *item.value_at("goto")))
        return tuple(routes) if ok and routes else None

    def condition(self, item: MarkedMap, where: str) -> Condition | None:
        """Parse ``item``'s ``if:`` (reporting where it fails); None when it is broken."""
        text = item["if"]
        cmark = item.value_at("if")
        if isinstance(text, bool) or not isinstance(text, str):
            self.report(
                cmark,
                f"the condition in {where} must be text, not {_type_name(text)}",
                "write e.g. if: mood >= 70",
                "condition",
            )
            return None
        cmark = self._text_start(cmark)
        try:
            condition = parse_condition(text)
        except ConditionError as exc:
            shown = text if len(text) <= 60 else text[:57] + "..."  # a hostile one can be huge
            self.report(
                (cmark[0], cmark[1] + exc.offset),
                f"condition {shown!r}: {exc.message}",
                exc.hint or "see the condition language in docs/scenario-format.md",
                "condition",
            )
            return None
        self.condition_at[id(condition)] = cmark
        return condition

    def _text_start(self, mark: Mark) -> Mark:
        """Where a scalar's text begins: one column on when it is quoted."""
        line, col = mark
        if 0 < line <= len(self.lines) and self.lines[line - 1][col - 1 : col] in ("'", '"'):
            return (line, col + 1)
        return mark

    def check_routes(self, nodes: dict[str, Node]) -> None:
        for node in nodes.values():
            for number, choice in enumerate(node.choices, 1):
                for route in choice.routes:
                    # A node written in the file but broken has its own error already.
                    if route.goto not in self.declared:
                        self.report(
                            (route.line, route.col or 1),
                            f"reply {number} of node '{node.id}' goes to unknown node "
                            f"'{route.goto}'",
                            did_you_mean(route.goto, nodes, "nodes"),
                            "unknown-node",
                        )

    def _flag_mark(self, condition: Condition, flag: str, fallback: Mark) -> Mark:
        start = self.condition_at.get(id(condition))
        if start is None:
            return fallback
        return (start[0], start[1] + _word_offset(condition.text, flag))

    def check_flags(self, nodes: dict[str, Node]) -> None:
        raised = {f for n in nodes.values() for c in n.choices for f in c.set_flags}
        read: set[str] = set()
        for condition, fallback in _conditions(nodes):
            read |= condition.flags
            for flag in sorted(condition.flags - raised):
                self.report(
                    self._flag_mark(condition, flag, fallback),
                    f"condition {condition.text!r} reads flag '{flag}', "
                    "which no reply raises, so it can never be true",
                    did_you_mean(flag, raised, "flags")
                    if raised
                    else f"add 'set: [{flag}]' to the reply that should raise it",
                    "unknown-flag",
                )
        for node in nodes.values():
            for choice in node.choices:
                for flag in sorted(choice.set_flags - read):
                    self.report(
                        (choice.line, 1),
                        f"flag '{flag}' is raised but no condition reads it",
                        "use it in an 'if:' (of a route or an outcome) or remove it from 'set:'",
                        "unused-flag",
                        "warning",
                    )


def _conditions(nodes: dict[str, Node]) -> Iterator[tuple[Condition, Mark]]:
    """Every condition in the file (routes and outcome variants), with a fallback mark."""
    for node in nodes.values():
        for choice in node.choices:
            for route in choice.routes:
                if route.condition is not None:
                    yield route.condition, (route.line, route.col or 1)
        for outcome in node.outcomes:
            if outcome.condition is not None:
                yield outcome.condition, (outcome.line or node.line, 1)


def _format_of(value: Any) -> str | None:
    """The format version a file declares ("1" or "1.1"), or None if unsupported.

    YAML reads ``format: 1.1`` as a number, so both numbers and text are taken.
    """
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    if text in ("1", "1.0"):
        return "1"
    return text if text in FORMATS else None


def _word_offset(text: str, word: str) -> int:
    match = re.search(rf"(?<![a-z0-9_]){re.escape(word)}(?![a-z0-9_])", text)
    return match.start() if match else 0


def _size_problem(path: str, size: int, max_bytes: int) -> Problem:
    return Problem(
        path,
        1,
        1,
        f"the file is {size:,} bytes, over the {max_bytes:,}-byte limit",
        "split the scenario, or raise the limit with --max-bytes",
        "error",
        "too-large",
    )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building one file's objects.

    Loading creates tens of thousands of objects that all stay alive, so each
    automatic collection would rescan a growing heap for nothing (measured: a
    third of the load time). Reference counting still frees what is dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_bytes(raw: bytes, path: str) -> LoadResult:
    """Build a scenario from the bytes of a file (no size check here)."""
    with _gc_paused():
        return _load_bytes(raw, path)


def _load_bytes(raw: bytes, path: str) -> LoadResult:
    text, problem = decode(raw)
    if text is None:
        assert problem is not None
        return LoadResult(
            path,
            None,
            (
                Problem(
                    path,
                    problem.line,
                    problem.col,
                    problem.message,
                    problem.hint,
                    "error",
                    problem.code,
                ),
            ),
        )
    doc = parse_yaml(text)
    if doc.problem is not None:
        p = doc.problem
        return LoadResult(
            path, None, (Problem(path, p.line, p.col, p.message, p.hint, "error", p.code),)
        )
    builder = _Builder(path, text)
    scenario = builder.build(doc.data, doc.duplicates, hashlib.sha256(raw).hexdigest())
    return LoadResult(path, scenario, tuple(builder.problems))


def read_file(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """Read and build one scenario file, refusing oversized files before parsing."""
    shown = str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                return LoadResult(shown, None, (_size_problem(shown, size, max_bytes),))
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return LoadResult(
            shown,
            None,
            (
                Problem(
                    shown, 1, 1, f"cannot read the file: {reason}", "check the path", "error", "io"
                ),
            ),
        )
    if len(raw) > max_bytes:  # grew while we read it
        return LoadResult(shown, None, (_size_problem(shown, len(raw), max_bytes),))
    return load_bytes(raw, shown)


def load_scenario(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """Load a scenario file; raise :class:`ScenarioError` listing every error."""
    result = read_file(path, max_bytes=max_bytes)
    if result.scenario is None or result.errors:
        raise ScenarioError(result.errors or result.problems)
    return result.scenario
