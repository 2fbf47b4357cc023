"""What the debrief says about a finished conversation (no Textual).

Turn by turn: what was said, its tags with their definitions, the coach's
feedback, and the strongest reply at that point when a better one existed.
"Try this tomorrow": the few lessons worth most, from the weakest turns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from scoring.points import STRENGTH_EPSILON, reply_strengths, strongest_reply
from simulator.engine import Conversation, Event
from simulator.model import Node
from simulator.tags import SIN_ADVICE, TECHNIQUES, describe, is_sin
from simulator.typed import TypedReply


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
    typed: Typed | None = None  # how the reply was reached when it was typed


@dataclass(frozen=True, slots=True)
class Typed:
    """A typed turn in the debrief: the words typed and the reply they were heard as."""

    text: str
    heard_as: str | None  # the matched reply as said; None when it could not be matched
    overridden: bool  # the trainee said another reply (``said``) instead
    strongest: bool  # the reply said was the strongest on offer


def typed_turn(conv: Conversation, node: Node, record: TypedReply, strongest: str | None) -> Typed:
    """How a typed turn reads in the debrief."""
    heard = None if record.matched is None else conv.text(node.choices[record.matched - 1].say)
    return Typed(record.text, heard, record.overridden, strongest is None)


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


def review_turns(
    conv: Conversation, typed: Mapping[int, TypedReply] | None = None
) -> list[TurnReview]:
    """The turn-by-turn review of a conversation; ``typed``: its typed turns, by seq."""
    scenario = conv.scenario
    out = []
    for e in conv.events:
        node = scenario.nodes[e.node]
        strongest = strongest_alternative(conv, node, e)
        record = (typed or {}).get(e.seq)
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
                strongest=strongest,
                reaction=e.reaction,
                critical=e.critical,
                typed=None if record is None else typed_turn(conv, node, record, strongest),
            )
        )
    return out


def sins_committed(conv: Conversation) -> list[tuple[TagNote, int]]:
    """Each sin committed, with how many times, most frequent first."""
    counts = Counter(t for e in conv.events for t in e.tags if is_sin(t))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(tag_notes((tag,))[0], n) for tag, n in ordered]


@dataclass(frozen=True, slots=True)
class Lesson:
    """One thing to do differently next time, and the turn it comes from."""

    seq: int  # the turn
    text: str  # what to do
    because: str  # what happened on that turn, briefly


def _lesson(conv: Conversation, event: Event, strongest: int) -> tuple[str, str]:
    """What to do instead of ``event`` (and why), given the strongest reply's index."""
    node = conv.scenario.nodes[event.node]
    if event.critical:
        return (f"Never let this happen on a call: {event.critical}.", "failed the call")
    sins = [t for t in event.tags if is_sin(t)]
    if sins:
        return (SIN_ADVICE.get(sins[0], describe(sins[0])), sins[0])
    better = node.choices[strongest]
    techniques = [t for t in better.tags if t in TECHNIQUES and t not in event.tags]
    if techniques:
        name = techniques[0]
        return (f"{name.replace('-', ' ').capitalize()}: {TECHNIQUES[name]}", "a stronger reply")
    if event.feedback:
        return (event.feedback, "the coach's note")
    return (f"A stronger reply: {conv.text(better.say)}", "a stronger reply")


def lessons(conv: Conversation, limit: int = 3) -> list[Lesson]:
    """The ``limit`` most useful lessons from this attempt's weakest turns.

    A critical reply comes first (it fails a call on its own); then the turns
    that fell furthest short of the strongest reply on offer (the gap in
    reply strength, `scoring.points.reply_strengths`), earliest first on a tie.
    Each lesson is the advice against the sin committed, else the technique the
    strongest reply used and this one lacked, else the coach's note. The same
    advice twice counts once.
    """
    weights = conv.scenario.scoring.weights
    ranked: list[tuple[bool, float, int, Event, int]] = []
    for event in conv.events:
        if not event.offered_empathy:
            continue
        strengths = [
            r.strength
            for r in reply_strengths(event.offered_empathy, event.offered_assertiveness, weights)
        ]
        best = strongest_reply(event.offered_empathy, event.offered_assertiveness, weights)
        given = 0.0 if event.choice is None else strengths[event.choice - 1]
        gap = strengths[best] - given
        if gap <= STRENGTH_EPSILON and not event.critical:
            continue  # this turn was already as strong as it could be
        ranked.append((not event.critical, -gap, event.seq, event, best))
    out: list[Lesson] = []
    seen: set[str] = set()
    for _, _, seq, event, best in sorted(ranked, key=lambda r: r[:3]):
        text, because = _lesson(conv, event, best)
        if text in seen:
            continue
        seen.add(text)
        out.append(Lesson(seq, text, because))
        if len(out) == limit:
            break
    return out
