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


# -- par over competent paths (CONTRACTS "Par and the expert path") -------------------
#
# Pass mark 70 throughout. A reply's local score is (chosen − worst) / (best − worst)
# among the replies at its node; a path's empathy is the mean × 100.

HEADER = """
format: 1.1
id: par-{name}
title: Par
customer: {{name: Lee, mood: 50}}
start: ask
nodes:
"""


def reply(say: str, e: int, a: int, seconds: int, nxt: str, critical: str = "") -> str:
    extra = f"\n        critical: {critical}" if critical else ""
    return (
        f"      - say: {say}\n        empathy: {e}\n        assertiveness: {a}\n"
        f"        seconds: {seconds}\n        feedback: f{extra}\n        next: {nxt}\n"
    )


def node(name: str, *replies: str) -> str:
    return f"  {name}:\n    customer: Well?\n    choices:\n" + "".join(replies)


DONE = "  done:\n    customer: Thanks.\n    ending: resolved\n"

# ask: r1 weak (0, 0) 10 s, r2 strong (2, 2) 40 s; both → fix.
# fix: r1 strong (2, 2) 20 s, r2 weak (0, 0) 5 s; both → done.
# Local scores: the strong reply 1, the weak reply 0, in both dimensions.
#   [1,1] 30 s: empathy (0+1)/2 = 50   not competent
#   [1,2] 15 s: 0                      not competent (the fastest resolved path)
#   [2,1] 60 s: 100                    competent
#   [2,2] 45 s: 50                     not competent
# Par is 60 s, set by [2,1]; the old rule gave 15 s and marked the expert down to 25.
WEAK_IS_FASTER = (
    HEADER.format(name="weak")
    + node(
        "ask", reply("Account number?", 0, 0, 10, "fix"), reply("Sorry; let me.", 2, 2, 40, "fix")
    )
    + node("fix", reply("Fixed and checked.", 2, 2, 20, "done"), reply("Done.", 0, 0, 5, "done"))
    + DONE
)


def test_par_is_set_by_a_competent_path_not_a_faster_weak_one() -> None:
    scenario = scenario_from_text(WEAK_IS_FASTER)
    a = analyze(scenario)
    fastest = a.endings["resolved"]
    assert fastest is not None and fastest.choices == (1, 2) and fastest.seconds == 15
    assert par_for(scenario) == 60
    assert (a.par_seconds, a.par_rule, a.par_exact) == (60, "competent", True)
    # The expert path follows up, and is no longer marked down for it.
    assert a.expert is not None and a.expert.choices == (2, 1)
    assert a.expert.scores.speed == pytest.approx(100.0)
    assert a.expert.scores.overall == pytest.approx(100.0)


# Four steps, each with a strong reply (local 1, 30 s) and a weak one (local 0, 10 s).
# A path may make one weak reply and still average 75 ≥ 70, so par is 3×30 + 10 = 100 s:
# faster than the all-strong path (120 s) that the competent-replies-only search finds,
# slower than the all-weak one (40 s). Only the bounded search proves 100.
STEPS = (
    HEADER.format(name="steps")
    + node("ask", reply("Strong.", 2, 2, 30, "s1"), reply("Weak.", 0, 0, 10, "s1"))
    + node("s1", reply("Strong.", 2, 2, 30, "s2"), reply("Weak.", 0, 0, 10, "s2"))
    + node("s2", reply("Strong.", 2, 2, 30, "s3"), reply("Weak.", 0, 0, 10, "s3"))
    + node("s3", reply("Strong.", 2, 2, 30, "done"), reply("Weak.", 0, 0, 10, "done"))
    + DONE
)


def test_par_allows_a_weak_reply_when_the_path_still_reaches_the_mark() -> None:
    a = analyze(scenario_from_text(STEPS))
    assert (a.par_seconds, a.par_rule, a.par_exact) == (100, "competent", True)
    assert a.notes == ()


def test_par_falls_back_to_a_real_competent_path_when_the_search_runs_out() -> None:
    from simulator.par import find_par
    from simulator.statespace import StateGraph

    scenario = scenario_from_text(STEPS)
    par = find_par(StateGraph(scenario, explore=False), budget=3)
    # The all-strong path is competent, so 120 s is a true upper bound, but the
    # search could not rule out the 100 s paths: it says so.
    assert (par.seconds, par.rule, par.exact) == (120, "competent", False)
    assert "too complex to analyse exactly" in par.note and "40 s" in par.note
    assert par.path is not None and par.path[1] == (1, 1, 1, 1)
    a = analyze(scenario, par_budget=3)
    assert a.par_seconds == 120 and not a.par_exact
    assert any(note.startswith("par: too complex to analyse exactly") for note in a.notes)


# ask: r1 skips the security check: as warm and firm as r2 and faster, but critical.
#   r1 (2, 2) 10 s critical; r2 (2, 2) 40 s; r3 (0, 0) 60 s. All → done.
# Local scores: r1 and r2 1, r3 0. [1] is the fastest resolved path and scores 100,
# but a critical reply fails the call, so par and the expert path are [2] (40 s).
CRITICAL_IS_FASTER = (
    HEADER.format(name="critical")
    + node(
        "ask",
        reply("Let's skip the security check.", 2, 2, 10, "done", "skipped the identity check"),
        reply("First, let me verify you.", 2, 2, 40, "done"),
        reply("Please hold.", 0, 0, 60, "done"),
    )
    + DONE
)


def test_a_critical_reply_never_sets_par_nor_makes_the_expert_path() -> None:
    scenario = scenario_from_text(CRITICAL_IS_FASTER)
    a = analyze(scenario)
    fastest = a.endings["resolved"]
    assert fastest is not None and fastest.choices == (1,)
    assert fastest.critical == (("ask", 1, "skipped the identity check"),)
    assert not fastest.scores.passed
    assert (a.par_seconds, a.par_rule, a.par_exact) == (40, "competent", True)
    assert a.expert is not None and a.expert.choices == (2,) and a.expert.critical == ()
    assert a.expert.scores.speed == pytest.approx(100.0)
    best = a.best["overall"]  # best scores are over every path, critical or not
    assert best is not None and best.choices == (1,)


# ask: r1 warm but not firm (2, 0) 10 s; r2 firm but cold (0, 2) 20 s. Both → done.
# Local scores: r1 (1, 0), r2 (0, 1): each path has one dimension at 0, so no path
# is competent and par falls back to the fastest resolved path, [1] at 10 s.
NONE_COMPETENT = (
    HEADER.format(name="none")
    + node(
        "ask", reply("I hear you.", 2, 0, 10, "done"), reply("Policy is clear.", 0, 2, 20, "done")
    )
    + DONE
)


def test_with_no_competent_path_par_is_the_fastest_resolved_path() -> None:
    a = analyze(scenario_from_text(NONE_COMPETENT))
    assert (a.par_seconds, a.par_rule, a.par_exact) == (10, "resolved", True)
    assert a.notes == ()


def test_when_every_resolution_is_critical_par_falls_back_too() -> None:
    # Only [1] resolves, through a critical reply: no competent path exists.
    text = (
        HEADER.format(name="allcritical")
        + node(
            "ask",
            reply("I'll refund £500 myself.", 2, 2, 10, "done", "money beyond authority"),
            reply("Goodbye.", 0, 0, 5, "lost"),
        )
        + DONE
        + "  lost:\n    customer: Bye.\n    ending: lost\n"
    )
    a = analyze(scenario_from_text(text))
    assert (a.par_seconds, a.par_rule, a.par_exact) == (10, "resolved", True)
    assert a.expert is None  # the only resolved path makes a critical reply


# ask: assertiveness is the same for both replies, so it is not assessed on any path.
#   r1 (2, 1) 10 s; r2 (0, 1) 5 s. Both → done.
# [1] has empathy 100 and assertiveness not assessed: it counts as reaching the mark
# (it cannot pull the path below it), so par is 10 s. Were "not assessed" a failure,
# no path would qualify and par would be [2]'s 5 s.
NOT_ASSESSED = (
    HEADER.format(name="unassessed")
    + node("ask", reply("I'm sorry.", 2, 1, 10, "done"), reply("OK.", 0, 1, 5, "done"))
    + DONE
)


def test_a_dimension_not_assessed_counts_as_reaching_the_pass_mark() -> None:
    a = analyze(scenario_from_text(NOT_ASSESSED))
    assert (a.par_seconds, a.par_rule) == (10, "competent")
    assert a.expert is not None and a.expert.scores.assertiveness is None


def test_the_expert_path_of_a_well_built_scenario_scores_100_on_speed(mini: Scenario) -> None:
    # mini.yaml: the strongest replies (opening 1, check 1) are also the fastest
    # competent resolution, 50 s, so the expert path is par's path.
    a = analyze(mini)
    assert (a.par_seconds, a.par_rule, a.par_exact) == (50, "competent", True)
    assert a.expert is not None and a.expert.seconds == 50
    assert a.expert.scores.speed == pytest.approx(100.0)
