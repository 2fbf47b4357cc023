"""What the debrief says about a finished conversation (no Textual).

Turn by turn: what was said, its tags with their definitions, the coach's
feedback, and the strongest reply at that point when a better one existed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scoring.points import STRENGTH_EPSILON, reply_strengths, strongest_reply
from simulator.engine import Conversation, Event
from simulator.model import Node
from simulator.tags import SIN_ADVICE, describe, is_sin


@dataclass(frozen=True, slots=True)
class TagNote:
    """A tag on a reply, with what it means (and, for a sin, what to do instead)."""

    tag: str
    definition: str
    sin: bool
    advice: str = ""


@dataclass(frozen=True, slots=True)
class TurnReview:
    """One turn of the debrief."""

    seq: int
    node: str
    said: str
    silence: bool
    tags: tuple[TagNote, ...]
    feedback: str
    mood_before: int
    mood_after: int
    strongest: str | None  # the strongest reply's text, when it beat the one given
    reaction: str = ""  # what the customer said straight back
    critical: str = ""  # why this reply fails the call ("" when it does not)


def tag_notes(tags: tuple[str, ...]) -> tuple[TagNote, ...]:
    """Each tag with its definition; sins carry their advice."""
    return tuple(
        TagNote(t, describe(t), is_sin(t), SIN_ADVICE.get(t, "") if is_sin(t) else "") for t in tags
    )


def strongest_alternative(conv: Conversation, node: Node, event: Event) -> str | None:
    """The strongest reply at ``node`` (as said) when it is strictly better than the one given.

    A silence (no reply) counts as strength 0, the worst any reply can score.
    """
    weights = conv.scenario.scoring.weights
    if not node.choices:
        return None
    strengths = [
        r.strength
        for r in reply_strengths(event.offered_empathy, event.offered_assertiveness, weights)
    ]
    best = strongest_reply(event.offered_empathy, event.offered_assertiveness, weights)
    given = 0.0 if event.choice is None else strengths[event.choice - 1]
    if strengths[best] <= given + STRENGTH_EPSILON:
        return None  # a tie is not "better"
    return conv.text(node.choices[best].say)


def review_turns(conv: Conversation) -> list[TurnReview]:
    """The turn-by-turn review of a conversation."""
    scenario = conv.scenario
    out = []
    for e in conv.events:
        node = scenario.nodes[e.node]
        out.append(
            TurnReview(
                seq=e.seq,
                node=e.node,
                said=e.say,
                silence=e.choice is None,
                tags=tag_notes(e.tags),
                feedback=e.feedback,
                mood_before=e.mood_before,
                mood_after=e.mood_after,
                strongest=strongest_alternative(conv, node, e),
                reaction=e.reaction,
                critical=e.critical,
            )
        )
    return out


def sins_committed(conv: Conversation) -> list[tuple[TagNote, int]]:
    """Each sin committed, with how many times, most frequent first."""
    counts = Counter(t for e in conv.events for t in e.tags if is_sin(t))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(tag_notes((tag,))[0], n) for tag, n in ordered]
