"""Typed replies in the play service (no Textual): heard, confirmed, overridden, unmatched.

A typed reply is made through the same `Session` path as a picked one, so its
event must be exactly the event of picking that reply; the record says how it
was reached. The scenario is hand-built, its replies worded apart so that the
default ``ngram`` matcher's answers can be checked by reading them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from simulator.engine import Conversation
from simulator.loader import load_scenario
from simulator.matching import get_matcher
from simulator.tui.review import review_turns
from simulator.tui.session import Session, new_session
from simulator.tui.settings import PlaySettings
from simulator.typed import MAX_TYPED_CHARS, TypedReply
from tests.helpers import fixture

# tests/fixtures/typed_parcel.yaml, by hand. Start mood 50, walkout 90.
#   a1 (sorry, find the parcel, call back by five): E 2, A 1, mood -20 → 30; strongest at a
#   a2 (the courier's job): E -1, mood +10 → 60; runaround; critical "blamed the courier"
#   a3 (order number): A 1, mood 0
#   b1 then ends resolved; b2 too.
PARCEL = fixture("typed_parcel.yaml")

SORRY = "so sorry, I'll find the parcel now and ring you back by five"  # a1's words
OFF_TOPIC = "what is the weather like on mars"  # no reply's words at all


def session() -> Session:
    scenario = load_scenario(PARCEL)
    return new_session(scenario, PlaySettings(say=True), store=None, identity=None,
                       matcher=get_matcher("ngram"))  # fmt: skip


def picked(number: int) -> Conversation:
    """The same scenario with reply ``number`` picked at the first node."""
    conv = Conversation(load_scenario(PARCEL))
    conv.choose(number, latency_ms=0.0)
    return conv


def same_effects(mine: Conversation, theirs: Conversation) -> None:
    a, b = mine.events[-1], theirs.events[-1]
    fields = ("choice", "say", "empathy", "assertiveness", "tags", "feedback", "mood_after",
              "seconds", "next_node", "critical", "reaction")  # fmt: skip
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    assert mine.vars == theirs.vars


def test_a_confirmed_typed_reply_is_the_reply_picked() -> None:
    s = session()
    heard = s.hear(SORRY)
    assert heard.best is not None and heard.best.number == 1 and not heard.rejected
    event = s.say_shown(heard, 1)  # Enter on the heard reply: authored 1, shown first
    same_effects(s.conv, picked(1))
    assert (event.mood_before, event.mood_after, event.feedback) == (50, 30, "You owned it.")
    record = s.typed[1]
    assert (record.text, record.matched, record.chosen, record.overridden) == (SORRY, 1, 1, False)
    assert record.node == "a" and record.matcher == "ngram" and record.version
    assert record.similarity == round(heard.score, 4) and 0 < record.similarity < 1


def test_an_override_says_the_other_reply_and_its_critical_error_counts() -> None:
    s = session()
    heard = s.hear(SORRY)  # heard as a1 ...
    event = s.say_shown(heard, 2)  # ... but the trainee says a2 instead
    same_effects(s.conv, picked(2))
    assert (event.mood_after, event.critical, event.tags) == (60, "blamed the courier",
                                                               ("runaround",))  # fmt: skip
    record = s.typed[1]
    assert (record.matched, record.chosen, record.overridden) == (1, 2, True)
    s.choose(1)  # b1: resolved, but a critical reply fails the call
    scores = s.finish()
    assert s.conv.ending == "resolved" and not scores.passed and scores.critical == 1


def test_text_that_cannot_be_matched_is_picked_from_the_list() -> None:
    s = session()
    heard = s.hear(OFF_TOPIC)
    assert heard.rejected and heard.reason == "no-match" and heard.best is None
    s.say_shown(heard, 3)
    record = s.typed[1]
    assert (record.matched, record.chosen) == (None, 3)
    assert record.overridden  # nothing was heard, so the reply is the trainee's pick


def test_a_match_from_another_node_is_refused_and_nothing_is_said() -> None:
    s = session()
    stale = s.hear(SORRY)
    s.choose(1)  # now at b
    with pytest.raises(ValueError, match="another node"):
        s.say_shown(stale, 1)
    assert s.conv.turn == 1 and s.typed == {}


def test_typed_text_is_cut_and_a_session_without_a_matcher_hears_nothing() -> None:
    s = session()
    assert len(s.hear("sorry " * 200).text) == MAX_TYPED_CHARS
    bare = new_session(load_scenario(PARCEL), PlaySettings(), store=None, identity=None)
    with pytest.raises(RuntimeError, match="no reply matcher"):
        bare.hear(SORRY)


def test_the_debrief_shows_typed_beside_heard_and_the_strongest_reply() -> None:
    s = session()
    s.say_shown(s.hear(SORRY), 2)  # heard as a1, overridden with the weak a2
    s.say_shown(s.hear("thanks for waiting, it comes tomorrow"), 1)  # b1, confirmed
    first, second = review_turns(s.conv, s.typed)
    assert first.typed is not None and second.typed is not None
    assert first.typed.text == SORRY and first.said.startswith("Deliveries")
    assert first.typed.heard_as is not None and first.typed.heard_as.startswith("I'm so sorry")
    assert first.typed.overridden and not first.typed.strongest
    assert first.strongest is not None and first.strongest.startswith("I'm so sorry")  # a1
    assert not second.typed.overridden and second.typed.strongest  # b1 is b's strongest
    assert review_turns(s.conv)[0].typed is None  # picked turns have no typed part


def test_an_unmatched_record_reads_as_no_match() -> None:
    record = TypedReply(seq=1, node="a", text="x", matched=None, similarity=0.0,
                        chosen=2, matcher="ngram", version="1")  # fmt: skip
    assert record.overridden
    assert not replace(record, matched=2).overridden  # heard as the reply said: confirmed
