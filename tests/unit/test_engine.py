"""The engine on tests/fixtures/mini.yaml; expected numbers worked out by hand.

mini.yaml, start mood 60, walkout at 90:
  opening: 1) +2 emp +1 ass, mood -20, 20 s, sets promised -> check
           2) -1 emp  0 ass, mood +10, 10 s -> angry if mood >= 70 else check
  check:   1) +1 emp +2 ass, mood -10, 30 s -> happy if promised else meh
           2) -2 emp -1 ass, mood +40,  5 s -> meh
  angry:   1)  0 emp, mood 0, 60 s -> escalated   2) +1 emp, mood -10, 30 s -> check
  happy: resolved; meh: lost; escalated: escalated.  Par = 20 + 30 = 50 s.
"""

from __future__ import annotations

import pytest

from simulator.engine import WALKOUT_STATE, Conversation, ConversationOver, InvalidChoice
from simulator.loader import load_scenario
from simulator.model import Scenario
from tests.helpers import fixture

PAR = 50


@pytest.fixture(scope="module")
def mini() -> Scenario:
    return load_scenario(fixture("mini.yaml"))


def play(scenario: Scenario, *numbers: int, **kwargs: object) -> Conversation:
    conv = Conversation(scenario, clock=lambda: 0.0, **kwargs)  # type: ignore[arg-type]
    for n in numbers:
        conv.choose(n)
    return conv


def test_resolved(mini: Scenario) -> None:
    conv = play(mini, 1, 1)
    assert conv.finished and conv.ending == "resolved" and conv.ending_node == "happy"
    assert conv.path == ["opening", "check", "happy"]
    assert conv.mood_history == [60, 40, 30]
    assert conv.seconds == 50 and conv.turn == 2
    assert conv.flags == {"promised"}
    scores = conv.score(PAR)
    assert (scores.empathy, scores.assertiveness, scores.speed, scores.overall) == (
        100.0,
        100.0,
        100.0,
        100.0,
    )
    assert scores.passed


def test_lost_by_route(mini: Scenario) -> None:
    conv = play(mini, 1, 2)  # check reply 2: mood 40 + 40 = 80 < 90, routes to meh
    assert conv.ending == "lost" and conv.ending_node == "meh"
    scores = conv.score(PAR)
    # empathy: opening 1.0, check 0.0 -> 50; assertiveness likewise; speed 0
    assert scores.empathy == pytest.approx(50.0)
    assert scores.assertiveness == pytest.approx(50.0)
    assert scores.speed == 0.0
    assert scores.overall == pytest.approx(100 / 3)
    assert not scores.passed


def test_escalated_through_mood_guard(mini: Scenario) -> None:
    conv = play(mini, 2, 1)  # mood 60 + 10 = 70 >= 70 -> angry; then escalate
    assert conv.path == ["opening", "angry", "escalated"]
    assert conv.ending == "escalated"
    scores = conv.score(PAR)
    # opening: empathy 0 (chose -1 of 2,-1), assertiveness 0 (0 of 1,0);
    # angry: empathy 0 (0 of 0,1), assertiveness equal -> not counted
    assert scores.empathy == 0.0 and scores.assertiveness == 0.0 and scores.overall == 0.0


def test_same_reply_lands_differently_on_a_calmer_customer(mini: Scenario) -> None:
    conv = play(mini, 2, mood=50)  # 50 + 10 = 60 < 70 -> check, not angry
    assert conv.node_id == "check"


def test_walkout_wins_over_route(mini: Scenario) -> None:
    conv = play(mini, 2, 2, 2)  # 70 angry; 60 check; +40 = 100 >= 90 -> walkout
    assert conv.walked_out and conv.ending == "lost" and conv.ending_node is None
    assert conv.path == ["opening", "angry", "check"]
    assert conv.mood_history == [60, 70, 60, 100]
    assert conv.machine.get_model_state(conv.machine.models[0]).name == WALKOUT_STATE
    assert conv.closing_line == mini.customer.walkout_line
    scores = conv.score(PAR)
    # empathy: opening 0, angry 1 (chose 1 of 0,1), check 0 -> 33.33
    # assertiveness: opening 0, check 0 (angry not counted) -> 0
    assert scores.empathy == pytest.approx(100 / 3)
    assert scores.assertiveness == 0.0
    assert scores.overall == pytest.approx(100 / 9)


def test_a_promise_made_changes_a_later_node(mini: Scenario) -> None:
    kept = play(mini, 1, 1)
    broken = play(mini, 2, 2, 1)  # reached check without promising: same reply -> meh
    assert kept.ending_node == "happy"
    assert broken.ending_node == "meh"
    assert play(mini, 1, flags=()).flags == {"promised"}
    assert play(mini, start="check", flags=["promised"]).choose(1).next_node == "happy"


def test_events_record_what_happened(mini: Scenario) -> None:
    times = iter([0.0, 1.5, 4.0])
    conv = Conversation(mini, clock=lambda: next(times))
    first = conv.choose(1)
    assert first.seq == 1 and first.node == "opening" and first.choice == 1
    assert first.tags == ("apologise", "take-ownership")
    assert (first.mood_before, first.mood_after, first.seconds) == (60, 40, 20)
    assert first.latency_ms == pytest.approx(1500.0)
    assert first.offered_empathy == (2, -1) and first.next_node == "check"


def test_silence_scores_worst_and_angers(mini: Scenario) -> None:
    conv = Conversation(mini, clock=lambda: 0.0)
    event = conv.silence(15)
    assert event.choice is None and event.tags == ("apathy",)
    assert conv.node_id == "opening" and conv.mood == 70 and conv.seconds == 15
    assert event.decision.empathy == 0.0 and event.decision.assertiveness == 0.0
    conv.silence(15)
    conv.silence(15)  # 80 -> 90 >= 90: the customer hangs up
    assert conv.walked_out and conv.ending == "lost"


def test_invalid_and_late_replies(mini: Scenario) -> None:
    conv = play(mini)
    with pytest.raises(InvalidChoice, match="choose 1 to 2"):
        conv.choose(3)
    with pytest.raises(InvalidChoice):
        conv.choose(0)
    conv.choose(1)
    conv.choose(1)
    with pytest.raises(ConversationOver):
        conv.choose(1)
    assert conv.choices == ()


def test_machine_is_built_as_designed(mini: Scenario) -> None:
    conv = play(mini)
    model = conv.machine.models[0]
    assert not hasattr(model, "to_check")  # auto_transitions=False
    triggers = set(conv.machine.get_triggers("opening"))
    assert triggers == {"choice_1", "choice_2"}
    assert conv.machine.get_state("happy").final
    assert conv.machine.get_state(WALKOUT_STATE).final


def test_deterministic(mini: Scenario) -> None:
    a = play(mini, 2, 2, 1)
    b = play(mini, 2, 2, 1)
    assert a.path == b.path and a.mood_history == b.mood_history and a.events == b.events
