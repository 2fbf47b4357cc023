"""Which replies at a node a matcher mixes up: for ``talkdown audit`` and ``validate --strict``.

Three measures, all with the matcher's own scores and decision rule:

* **margin between two replies** A and B: over A's texts (its authored text
  and paraphrases) typed word for word, the least lead of A's score over B's.
  It is 1 for replies with nothing in common and falls as they share words.
  The node's margin is its smallest pair margin.
* **word-for-word confusion** (``validate --strict``): a reply's own text,
  typed exactly, is rejected as ambiguous or heard as another reply: the two
  replies are closer than the reject margin.
* **mix-ups** (the audit): each text of a reply that has paraphrases, matched
  with that one text left out, as a trainee's fresh wording of it would be;
  heard as another reply, or ambiguous, it is a mix-up.

A pair whose margin is under :data:`CLOSE_PAIR` says much the same words
(typically the right content said coldly and said well): a trainee's own
wording of one can easily land on the other. The audit asks for paraphrases
on both, saying what sets each apart, until each has some and none of their
texts is mixed up with the other's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Final

from simulator.matching.base import Matcher
from simulator.model import Choice, Node, Scenario
from simulator.problems import Problem

#: Pairs whose margin is under this are close enough to need paraphrases (audit).
CLOSE_PAIR: Final = 0.5


@dataclass(frozen=True, slots=True)
class MixUp:
    """One of a reply's texts that the matcher hears as another reply (or can't tell)."""

    reply: int  # authored number, from 1
    text: str
    heard_as: int  # the reply it was heard as, or the runner-up when ambiguous
    reason: str  # "heard-as" or "ambiguous"

    def to_json(self) -> dict[str, Any]:
        return {
            "reply": self.reply,
            "text": self.text,
            "heard_as": self.heard_as,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class NodeConfusion:
    """The confusion check of one decision node."""

    node: str
    margin: float  # smallest pair margin (1.0 for a single reply)
    closest: tuple[int, int] | None  # the pair with that margin
    mixups: tuple[MixUp, ...]
    close_pairs: tuple[tuple[int, int, float], ...]  # pairs under CLOSE_PAIR
    needs_paraphrases: tuple[tuple[int, int], ...]  # close pairs not yet told apart

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "margin": round(self.margin, 3),
            "closest": list(self.closest) if self.closest else None,
            "mixups": [m.to_json() for m in self.mixups],
            "close_pairs": [[a, b, round(m, 3)] for a, b, m in self.close_pairs],
            "needs_paraphrases": [list(p) for p in self.needs_paraphrases],
        }


def _texts(choice: Choice) -> list[str]:
    return [choice.say, *choice.paraphrases]


def pair_margins(matcher: Matcher, node: Node) -> dict[tuple[int, int], float]:
    """Margin of every pair (a < b, authored numbers): the smaller of A-over-B and B-over-A."""
    margins: dict[tuple[int, int], float] = {}
    for a, choice in enumerate(node.choices, 1):
        for text in _texts(choice):
            scores = matcher.scores(node, text)
            for b in range(1, len(node.choices) + 1):
                if b == a:
                    continue
                key = (min(a, b), max(a, b))
                lead = scores[a - 1] - scores[b - 1]
                margins[key] = min(margins.get(key, lead), lead)
    return margins


def word_for_word(matcher: Matcher, node: Node) -> list[MixUp]:
    """Replies whose own text, typed exactly, is not heard as that reply."""
    out: list[MixUp] = []
    for number, choice in enumerate(node.choices, 1):
        found = matcher.match(node, choice.say)
        top = found.ranked[0].number if found.ranked else number
        if found.reason == "ambiguous" or (not found.rejected and top != number):
            other = top if top != number else found.ranked[1].number
            reason = "ambiguous" if found.rejected else "heard-as"
            out.append(MixUp(number, choice.say, other, reason))
    return out


def left_out(matcher: Matcher, node: Node) -> list[MixUp]:
    """Each text of a reply with paraphrases, matched with that text left out."""
    out: list[MixUp] = []
    for number, choice in enumerate(node.choices, 1):
        texts = _texts(choice)
        if len(texts) < 2:
            continue
        for i, text in enumerate(texts):
            rest = texts[:i] + texts[i + 1 :]
            without = replace(choice, say=rest[0], paraphrases=tuple(rest[1:]))
            probe = replace(
                node, choices=(*node.choices[: number - 1], without, *node.choices[number:])
            )
            found = matcher.match(probe, text)
            if found.reason == "ambiguous" and number in {c.number for c in found.ranked[:2]}:
                other = next(c.number for c in found.ranked[:2] if c.number != number)
                out.append(MixUp(number, text, other, "ambiguous"))
            elif not found.rejected and found.ranked[0].number != number:
                out.append(MixUp(number, text, found.ranked[0].number, "heard-as"))
    return out


def check_node(matcher: Matcher, node: Node) -> NodeConfusion:
    """The audit's confusion check of one decision node."""
    margins = pair_margins(matcher, node)
    mixups = tuple(word_for_word(matcher, node) + left_out(matcher, node))
    closest = min(margins, key=lambda k: (margins[k], k)) if margins else None
    close = tuple((a, b, m) for (a, b), m in sorted(margins.items()) if m < CLOSE_PAIR)
    mixed = {(min(m.reply, m.heard_as), max(m.reply, m.heard_as)) for m in mixups}
    needs = tuple(
        (a, b)
        for a, b, _ in close
        if not (node.choices[a - 1].paraphrases and node.choices[b - 1].paraphrases)
        or (a, b) in mixed
    )
    return NodeConfusion(
        node=node.id,
        margin=margins[closest] if closest else 1.0,
        closest=closest,
        mixups=mixups,
        close_pairs=close,
        needs_paraphrases=needs,
    )


def check_nodes(matcher: Matcher, nodes: Iterable[Node]) -> list[NodeConfusion]:
    """The confusion check of each decision node given."""
    return [check_node(matcher, n) for n in nodes if n.choices]


def confusable_problems(scenario: Scenario, matcher: Matcher) -> list[Problem]:
    """``validate --strict``: replies whose exact text the matcher would not hear as theirs."""
    out: list[Problem] = []
    threshold = matcher.settings.margin
    for node in scenario.nodes.values():
        for mix in word_for_word(matcher, node):
            choice = node.choices[mix.reply - 1]
            out.append(
                Problem(
                    scenario.source,
                    choice.line,
                    1,
                    f"replies {mix.reply} and {mix.heard_as} of node '{node.id}' are closer "
                    f"than the reply matcher's margin ({threshold:g}): typed word for word, "
                    f"reply {mix.reply} "
                    + (
                        "could be either"
                        if mix.reason == "ambiguous"
                        else f"is heard as reply {mix.heard_as}"
                    ),
                    "reword one of them so they differ in more than a few words "
                    "(see 'Say it your way' in docs/authoring.md)",
                    "warning",
                    "confusable-replies",
                )
            )
    return out
