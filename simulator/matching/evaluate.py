"""Measuring a matcher on a labelled set of typed replies (tests/paraphrases/).

A set is a folder of YAML files: one per scenario (``scenario``, ``nodes``:
per node a list of ``{reply, say, typed: [...]}``), optionally a ``tier``
(``main`` when absent), and ``off-topic.yaml`` (``off_topic: [...]``), whose
inputs are matched at every decision node of the folder's scenarios.
:func:`evaluate` reports what a trainee would meet: how often the top reply is
the one meant, how often it is heard as that reply (not rejected), and how
often off-topic input is rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.matching.base import Match, Matcher
from simulator.model import Node, Scenario


class SetError(Exception):
    """The labelled set does not fit the scenarios it names."""


@dataclass(frozen=True, slots=True)
class Typed:
    """One typed line and the reply it means."""

    scenario: str
    node: str
    reply: int  # authored number, from 1
    text: str
    tier: str


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """Typed replies with their answers, and off-topic inputs, over some scenarios."""

    scenarios: dict[str, Scenario]
    typed: tuple[Typed, ...]
    off_topic: tuple[str, ...]


def _items(raw: Any, key: str, where: str) -> list[Any]:
    value = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(value, list):
        raise SetError(f"{where}: '{key}' must be a list")
    return value


def load_set(folder: Path, scenario_for: Callable[[str], Scenario]) -> LabelledSet:
    """Read a labelled set, checking every entry against its scenario's authored text."""
    scenarios: dict[str, Scenario] = {}
    typed: list[Typed] = []
    off: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and "off_topic" in raw:
            off.extend(str(x) for x in _items(raw, "off_topic", str(path)))
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), dict):
            raise SetError(f"{path}: expected 'scenario' and 'nodes'")
        sid = str(raw.get("scenario"))
        scenario = scenarios.setdefault(sid, scenario_for(sid))
        tier = str(raw.get("tier", "main"))
        for node_id, replies in raw["nodes"].items():
            node = scenario.nodes.get(node_id)
            if node is None or not node.choices:
                raise SetError(f"{path}: '{node_id}' is not a decision node of {sid}")
            for entry in replies:
                number = int(entry["reply"])
                if not 1 <= number <= len(node.choices):
                    raise SetError(f"{path}: {node_id} has no reply {number}")
                authored = " ".join(node.choices[number - 1].say.split())
                if " ".join(str(entry["say"]).split()) != authored:
                    raise SetError(
                        f"{path}: reply {number} of {node_id} now reads {authored!r}; "
                        "the typed lines were written for the old text — rewrite them"
                    )
                for text in _items(entry, "typed", f"{path}: {node_id} reply {number}"):
                    typed.append(Typed(sid, node_id, number, str(text), tier))
    return LabelledSet(scenarios, tuple(typed), tuple(off))


@dataclass(slots=True)
class Tally:
    """Counts for one group of typed replies."""

    total: int = 0
    top1: int = 0  # the top-ranked reply is the one meant (rejected or not)
    heard: int = 0  # accepted as the reply meant
    wrong: int = 0  # accepted as another reply
    rejected: int = 0

    def add(self, match: Match, meant: int) -> None:
        self.total += 1
        right = bool(match.ranked) and match.ranked[0].number == meant
        self.top1 += right
        if match.rejected:
            self.rejected += 1
        elif right:
            self.heard += 1
        else:
            self.wrong += 1

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0


@dataclass(slots=True)
class Result:
    """A matcher's figures on a labelled set."""

    matcher: str
    version: str
    in_scope: Tally = field(default_factory=Tally)
    tiers: dict[str, Tally] = field(default_factory=dict)
    off_topic: Tally = field(default_factory=Tally)  # 'rejected' is the count that matters
    misses: list[tuple[Typed, Match]] = field(default_factory=list)

    @property
    def off_topic_rejected(self) -> float:
        return self.off_topic.share(self.off_topic.rejected)


def decision_nodes(scenarios: Iterable[Scenario]) -> Iterator[Node]:
    for scenario in scenarios:
        yield from (n for n in scenario.nodes.values() if n.choices)


def evaluate(matcher: Matcher, data: LabelledSet, *, keep_misses: bool = False) -> Result:
    """Match every typed line at its node and every off-topic input at every node."""
    result = Result(matcher.name, matcher.version)
    for item in data.typed:
        node = data.scenarios[item.scenario].nodes[item.node]
        found = matcher.match(node, item.text)
        result.in_scope.add(found, item.reply)
        result.tiers.setdefault(item.tier, Tally()).add(found, item.reply)
        if keep_misses and (found.rejected or found.ranked[0].number != item.reply):
            result.misses.append((item, found))
    for node in decision_nodes(data.scenarios.values()):
        for text in data.off_topic:
            result.off_topic.add(matcher.match(node, text), 0)
    return result
