"""Analysis over feasible paths, checked against hand-worked scenarios."""

from __future__ import annotations

import pytest

from simulator.analysis import analyze, count_paths, explore, par_for, preimage, shift
from simulator.loader import load_scenario
from simulator.model import Scenario
from tests.helpers import fixture, scenario_from_text

# A loop that only ends by resolving or by the customer walking out:
# ask (mood 50, walkout 80): 1) "clarify" +10 mood, 10 s -> ask   2) solve, 20 s -> done
# Feasible paths: [2], [1,2], [1,1,2], [1,1,1] (70 + 10 = 80 walks out) = 4.
LOOP = """
format: 1
id: loop
title: Loop
customer: {name: Lee, mood: 50, walkout_at: 80}
start: ask
nodes:
  ask:
    customer: Well?
    choices:
      - say: Could you say that again?
        mood: 10
        seconds: 10
        feedback: Makes them repeat.
        tags: [runaround]
        next: ask
      - say: Done, refunded now.
        empathy: 1
        seconds: 20
        feedback: Solves it.
        next: done
  done:
    customer: Thanks.
    ending: resolved
"""


@pytest.fixture(scope="module")
def mini() -> Scenario:
    return load_scenario(fixture("mini.yaml"))


def test_mood_shift_clamps_and_preimage_inverts() -> None:
    moods = (1 << 0) | (1 << 50) | (1 << 95)
    assert shift(moods, 10) == (1 << 10) | (1 << 60) | (1 << 100)
    assert shift(moods, -10) == (1 << 0) | (1 << 40) | (1 << 85)
    # everything at or above 90 lands on 100 after +10
    assert preimage(1 << 100, 10) == sum(1 << m for m in range(90, 101))
    assert preimage(1 << 0, -10) == sum(1 << m for m in range(0, 11))


def test_mini_endings_par_and_paths(mini: Scenario) -> None:
    a = analyze(mini)
    assert a.par_seconds == 50  # opening 1 (20 s) + check 1 (30 s)
    assert a.exact and a.path_count == 5 and a.path_count_exact
    resolved, escalated, lost = (a.endings[k] for k in ("resolved", "escalated", "lost"))
    assert resolved is not None and resolved.choices == (1, 1) and resolved.seconds == 50
    assert escalated is not None and escalated.choices == (2, 1) and escalated.seconds == 70
    # fastest loss: opening 1 (20 s) then check 2 (5 s) = 25 s
    assert lost is not None and lost.choices == (1, 2) and lost.seconds == 25
    assert a.expert is not None and a.expert.choices == (1, 1)
    best, worst = a.best["overall"], a.worst["overall"]
    assert best is not None and best.scores.overall == 100.0
    assert worst is not None and worst.choices == (2, 1) and worst.scores.overall == 0.0
    assert a.stuck_nodes == () and a.unreachable_nodes == ()
    # without the promise nothing from 'angry' or the second replies resolves
    assert set(a.dead_replies) == {("opening", 2), ("check", 2), ("angry", 1), ("angry", 2)}


def test_preview_par_respects_flags(mini: Scenario) -> None:
    assert par_for(mini, start="check", flags=["promised"]) == 30
    assert par_for(mini, start="check") is None  # the promise was never made
    assert par_for(mini, mood=50) == 50


def test_cycle_is_enumerated_without_repeating_states() -> None:
    a = analyze(scenario_from_text(LOOP))
    assert a.path_count == 4 and a.exact
    assert a.par_seconds == 20
    lost = a.endings["lost"]
    assert lost is not None and lost.choices == (1, 1, 1) and lost.ending_node is None
    worst = a.worst["overall"]
    assert worst is not None and worst.choices == (1, 1, 1) and worst.scores.overall == 0.0
    assert a.expert is not None and a.expert.choices == (2,)
    # [1,2]: 30 s vs par 20 -> speed 66.67; empathy: ask twice, 0 then 1 -> 50
    assert a.endings["resolved"] is not None
    slow = next(p for p in _all_resolved(a) if p.choices == (1, 2))
    assert slow.scores.speed == pytest.approx(200 / 3)
    assert slow.scores.empathy == pytest.approx(50.0)


def _all_resolved(a):  # type: ignore[no-untyped-def]
    from simulator.analysis import enumerate_paths, path_result

    graph = explore(scenario_from_text(LOOP))
    return [
        path_result(graph, list(s), list(n), a.par_seconds)
        for s, n in enumerate_paths(graph, 100)
        if graph.ending_of(s[-1][0]) == "resolved"
    ]


def test_a_loop_without_mood_change_is_not_counted_twice() -> None:
    flat_loop = LOOP.replace("mood: 10", "mood: 0")
    a = analyze(scenario_from_text(flat_loop))
    # the loop returns to the same (node, mood, flags): only [2] is a path
    assert a.path_count == 1
    assert a.stuck_nodes == ()


def test_infeasible_condition_makes_nothing_resolvable() -> None:
    text = LOOP.replace(
        "next: done",
        "next:\n          - if: mood >= 95\n            goto: done\n          - goto: ask",
    )
    graph = explore(scenario_from_text(text))
    from simulator.analysis import reachability

    reach = reachability(graph)
    assert "resolved" not in reach.endings  # 95 is never reached before walkout at 80


def test_path_count_is_not_quadratic_on_a_long_chain() -> None:
    # 3 replies per node all going to the next node: 3^n paths, counted without listing
    nodes = [
        "format: 1",
        "id: chain",
        "title: C",
        "customer: {name: X, mood: 50}",
        "start: n0",
        "nodes:",
    ]
    for i in range(30):
        nxt = f"n{i + 1}" if i < 29 else "end"
        nodes.append(f"  n{i}:\n    customer: hi\n    choices:")
        for r in range(3):
            nodes.append(f"      - say: r{r}\n        empathy: {r}\n        next: {nxt}")
    nodes.append("  end:\n    customer: bye\n    ending: resolved")
    graph = explore(scenario_from_text("\n".join(nodes)))
    count, exact = count_paths(graph, 100_000)
    assert count > 100_000 and not exact
    a = analyze(scenario_from_text("\n".join(nodes)))
    assert not a.exact
    assert a.expert is not None and set(a.expert.choices) == {3}  # always the best reply
    low, high = a.bounds["best"]["empathy"]
    assert low == pytest.approx(100.0) and high == pytest.approx(100.0)
