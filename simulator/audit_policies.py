"""Naive policies: thoughtless trainees played through the real engine.

Each policy looks only at what a trainee could see without thinking (the
surface facts of :mod:`simulator.audit_surface`) or, for ``warm_caver``, at a
reply's raw points, and picks one reply per turn. Every run is a real
:class:`simulator.engine.Conversation`, scored by ``Conversation.score`` with
the scenario's par, so the audit can never disagree with the game.

Ties always go to the reply written first (after the tie-breaks each policy
names), so every policy but ``random`` is deterministic; ``random`` draws
from :class:`random.Random` seeded 0, 1, … so its runs are reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from simulator.audit_surface import ReplyFacts
from simulator.engine import Conversation
from simulator.model import Scenario

#: A policy: the facts of the replies offered now → the 0-based index it picks.
Policy = Callable[[Sequence[ReplyFacts], random.Random], int]

#: A run stops after this many replies per node of the scenario …
TURNS_PER_NODE: Final = 3
#: … but never before this many: a run that reaches it went round in a loop.
MIN_TURN_CAP: Final = 100


def _best(replies: Sequence[ReplyFacts], key: Callable[[ReplyFacts], tuple[int, ...]]) -> int:
    """The index with the largest ``key``; ties go to the earlier reply."""
    best = 0
    for i in range(1, len(replies)):
        if key(replies[i]) > key(replies[best]):
            best = i
    return best


def longest(replies: Sequence[ReplyFacts], rng: random.Random) -> int:
    """The reply with the most words."""
    return _best(replies, lambda r: (r.words,))


def shortest(replies: Sequence[ReplyFacts], rng: random.Random) -> int:
    """The reply with the fewest words."""
    return _best(replies, lambda r: (-r.words,))


def first(replies: Sequence[ReplyFacts], rng: random.Random) -> int:
    """Always reply 1."""
    return 0


def last(replies: Sequence[ReplyFacts], rng: random.Random) -> int:
    """Always the last reply offered."""
    return len(replies) - 1


def always_apologise(replies: Sequence[ReplyFacts], rng: random.Random) -> int:
    """The most apology words, then the most words."""
    return _best(replies, lambda r: (r.apology_words, r.words))


def warm_caver(replies: Sequence[ReplyFacts], rng: random.Random) -> int:
    """The least assertive reply among those with empathy ≥ 0, then the most empathetic.

    Raw points, as written in the file. When every reply has negative
    empathy, the least assertive of them all.
    """
    warm = [i for i, r in enumerate(replies) if r.empathy >= 0] or range(len(replies))
    best = warm[0]
    for i in warm[1:]:
        here, there = replies[i], replies[best]
        if (-here.assertiveness, here.empathy) > (-there.assertiveness, there.empathy):
            best = i
    return best


def random_pick(replies: Sequence[ReplyFacts], rng: random.Random) -> int:
    """Any reply, uniformly."""
    return rng.randrange(len(replies))


#: The policies in report order; every one but ``random`` is deterministic.
POLICIES: Final[Mapping[str, Policy]] = {
    "longest": longest,
    "shortest": shortest,
    "first": first,
    "last": last,
    "always_apologise": always_apologise,
    "warm_caver": warm_caver,
    "random": random_pick,
}
DETERMINISTIC: Final[tuple[str, ...]] = tuple(name for name in POLICIES if name != "random")


@dataclass(frozen=True, slots=True)
class Run:
    """One play-through: did it pass, its overall (0 when it looped), did it loop."""

    passed: bool
    overall: float
    looped: bool


def turn_cap(scenario: Scenario) -> int:
    """Replies after which a run counts as going round in a loop."""
    return max(MIN_TURN_CAP, TURNS_PER_NODE * len(scenario.nodes))


def play(
    conv: Conversation,
    policy: Policy,
    facts: Mapping[str, Sequence[ReplyFacts]],
    *,
    par: int | None,
    seed: int = 0,
) -> Run:
    """Play ``conv``'s scenario again from its start with ``policy``, scored against ``par``.

    ``conv`` is restarted first, so one Conversation serves every run (its
    Machine is built once). ``facts`` holds every decision node's reply
    facts. A run that reaches :func:`turn_cap` replies never ended: it is not
    passed and scores 0, as a call that is never closed earns nothing.
    """
    rng = random.Random(seed)
    conv.restart()
    cap = turn_cap(conv.scenario)
    while not conv.finished:
        if conv.turn >= cap:
            return Run(passed=False, overall=0.0, looped=True)
        conv.choose(policy(facts[conv.node_id], rng) + 1, latency_ms=0.0)
    scores = conv.score(par)
    return Run(passed=scores.passed, overall=scores.overall, looped=False)
