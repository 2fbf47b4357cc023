"""The analysis checked against a brute-force search written plainly here.

Random small scenarios (from fixed seeds, so every run checks the same ones)
with up to eight flags, so both ways the analysis carries flags are used (the
first six as lanes of one integer, the rest in the group key), mood and flag
conditions, walkouts, 0-second replies, loops and critical replies.

The brute force knows nothing of masks, lanes, budgets or pruning: it plays
every feasible path one state at a time with the rule book
(:func:`simulator.rules.apply_reply`), never repeating a (node, mood, flags)
state (CONTRACTS.md), and computes each fact straight from its definition.
Every flag a reply raises is read by some condition, and no condition reads
turn or the score sums, so (node, mood, flags) is exactly the state the
analysis tracks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
import yaml

from scoring import Decision, Scores, score_attempt
from simulator.analysis import PATH_LIMIT, analyze
from simulator.loader import load_bytes
from simulator.model import Scenario
from simulator.rules import Vars, apply_reply

SEEDS = range(120)
ENDINGS = {"win": "resolved", "boss": "escalated", "gone": "lost"}
MAX_BRUTE_PATHS = 5_000  # bigger scenarios are skipped: brute force is slow


def random_scenario(seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    count = rng.randint(2, 5)
    ids = [f"n{i}" for i in range(count)]
    flags = [f"f{i}" for i in range(rng.randint(0, 8))]
    mood = rng.randint(30, 70)
    targets = [*ids, *ENDINGS]

    def condition() -> str:
        options = [f"mood >= {rng.randint(20, 90)}", f"mood < {rng.randint(20, 90)}"]
        if flags:
            flag = rng.choice(flags)
            options += [flag, f"not {flag}", f"{flag} and mood < {rng.randint(30, 90)}"]
        return rng.choice(options)

    nodes: dict[str, object] = {}
    replies: list[dict[str, object]] = []
    for node_id in ids:
        choices = []
        for r in range(rng.randint(1, 3)):
            reply: dict[str, object] = {
                "say": f"Reply {r} at {node_id}.",
                "empathy": rng.randint(-2, 2),
                "assertiveness": rng.randint(-2, 2),
                "mood": rng.choice((-20, -10, 0, 10, 20)),
                "seconds": rng.choice((0, 5, 10, 20, 30)),
                "feedback": "Why.",
            }
            if rng.random() < 0.1:
                reply["critical"] = "Fails a quality check."
            if flags and rng.random() < 0.4:
                reply["set"] = [rng.choice(flags)]
            if rng.random() < 0.5:
                reply["next"] = [
                    {"if": condition(), "goto": rng.choice(targets)},
                    {"goto": rng.choice(targets)},
                ]
            else:
                reply["next"] = rng.choice(targets)
            choices.append(reply)
        replies.extend(choices)
        nodes[node_id] = {"customer": "Well?", "choices": choices}
    # Every flag is raised by some reply and read by some condition (a route put
    # in front of a reply's others, so no flag's reader is lost).
    for flag in flags:
        rng.choice(replies).setdefault("set", []).append(flag)  # type: ignore[attr-defined]
        reader = rng.choice(replies)
        routes = reader["next"]
        rest = routes if isinstance(routes, list) else [{"goto": routes}]
        reader["next"] = [{"if": flag, "goto": rng.choice(targets)}, *rest]
    for ending_id, kind in ENDINGS.items():
        nodes[ending_id] = {"customer": "Bye.", "ending": kind, "outcome": "Done."}
    return {
        "format": "1.1",
        "id": f"oracle-{seed}",
        "title": "Oracle",
        "customer": {"name": "Sam", "mood": mood, "walkout_at": rng.randint(mood + 10, 100)},
        "scoring": {"pass_mark": rng.choice((0, 50, 70, 100))},
        "start": "n0",
        "nodes": nodes,
    }


@dataclass(frozen=True)
class BrutePath:
    choices: tuple[int, ...]
    decisions: tuple[Decision, ...]
    ending: str
    seconds: int
    critical: bool


def brute_paths(scenario: Scenario) -> list[BrutePath] | None:
    """Every feasible path, depth first in reply order; None if there are too many."""
    walkout = scenario.customer.walkout_at
    found: list[BrutePath] = []

    def visit(
        node_id: str, here: Vars, seen: set[tuple[str, int, frozenset[str]]],
        choices: tuple[int, ...], decisions: tuple[Decision, ...], seconds: int, critical: bool,
    ) -> bool:  # fmt: skip
        node = scenario.nodes[node_id]
        for number, choice in enumerate(node.choices, 1):
            after, nxt = apply_reply(here, choice, walkout)
            decision = Decision(
                tuple(c.empathy for c in node.choices),
                tuple(c.assertiveness for c in node.choices),
                number - 1,
                bool(choice.critical),
            )
            path = ((*choices, number), (*decisions, decision))
            spent = seconds + choice.seconds
            bad = critical or bool(choice.critical)
            ending = "lost" if nxt is None else scenario.nodes[nxt].ending
            if ending is not None:
                found.append(BrutePath(path[0], path[1], ending, spent, bad))
                if len(found) > MAX_BRUTE_PATHS:
                    return False
                continue
            assert nxt is not None
            state = (nxt, after.mood, after.flags)
            if state in seen:
                continue
            seen.add(state)
            if not visit(nxt, after, seen, *path, spent, bad):
                return False
            seen.discard(state)
        return True

    start = Vars(scenario.customer.mood)
    ok = visit(scenario.start, start, {(scenario.start, start.mood, start.flags)}, (), (), 0, False)
    return found if ok else None


def scores(scenario: Scenario, path: BrutePath, par: int | None) -> Scores:
    return score_attempt(
        path.decisions,
        ending=path.ending,
        taken_seconds=path.seconds,
        par_seconds=par,
        weights=scenario.scoring.weights,
        pass_mark=scenario.scoring.pass_mark,
    )


def brute_par(scenario: Scenario, paths: list[BrutePath]) -> tuple[int | None, str | None]:
    """CONTRACTS "Par and the expert path", word for word."""
    mark = scenario.scoring.pass_mark - 1e-9
    resolved = [p for p in paths if p.ending == "resolved"]
    competent = []
    for p in resolved:
        s = scores(scenario, p, None)
        reaches = all(v is None or v >= mark for v in (s.empathy, s.assertiveness))
        if reaches and not p.critical:
            competent.append(p)
    if competent:
        return min(p.seconds for p in competent), "competent"
    if resolved:
        return min(p.seconds for p in resolved), "resolved"
    return None, None


def checked_scenarios() -> list[tuple[int, Scenario, list[BrutePath]]]:
    out = []
    for seed in SEEDS:
        raw = yaml.safe_dump(random_scenario(seed), sort_keys=False).encode()
        result = load_bytes(raw, f"oracle-{seed}.yaml")
        assert result.scenario is not None, [str(p) for p in result.errors]
        paths = brute_paths(result.scenario)
        if paths is not None:
            out.append((seed, result.scenario, paths))
    return out


CHECKED = checked_scenarios()


def test_the_oracle_checks_enough_scenarios_with_flags_in_both_places() -> None:
    assert len(CHECKED) >= 100
    flag_counts = [len(s.flags_used) for _, s, _ in CHECKED]
    assert max(flag_counts) > 6  # some flags beyond the six lanes, in the group key
    assert sum(1 for _, _, paths in CHECKED if any(p.critical for p in paths)) >= 10
    assert sum(1 for _, _, paths in CHECKED if len(paths) > 50) >= 10


@pytest.mark.parametrize(
    ("seed", "scenario", "paths"), CHECKED, ids=[f"seed{s}" for s, *_ in CHECKED]
)
def test_analysis_agrees_with_brute_force(
    seed: int, scenario: Scenario, paths: list[BrutePath]
) -> None:
    a = analyze(scenario)
    assert len(paths) <= PATH_LIMIT
    assert a.exact and a.path_count_exact and a.path_count == len(paths)

    par, rule = brute_par(scenario, paths)
    assert (a.par_seconds, a.par_rule, a.par_exact) == (par, rule, True)

    for kind in ENDINGS.values():
        fastest = min((p.seconds for p in paths if p.ending == kind), default=None)
        found = a.endings[kind]
        assert (None if found is None else found.seconds) == fastest, kind

    scored = [(p, scores(scenario, p, par)) for p in paths]
    for dim in ("empathy", "assertiveness", "speed", "overall"):
        values = [getattr(s, dim) for _, s in scored if getattr(s, dim) is not None]
        best, worst = a.best[dim], a.worst[dim]
        if not values:
            assert best is None and worst is None
            continue
        assert best is not None and worst is not None
        assert getattr(best.scores, dim) == pytest.approx(max(values)), dim
        assert getattr(worst.scores, dim) == pytest.approx(min(values)), dim

    # Expert: highest overall among resolved paths with no critical reply; ties go
    # to fewer seconds, then lower reply numbers.
    candidates = [(p, s) for p, s in scored if p.ending == "resolved" and not p.critical]
    if not candidates:
        assert a.expert is None
    else:
        top = max(s.overall for _, s in candidates)
        tied = [p for p, s in candidates if s.overall >= top - 1e-9]
        expert = min(tied, key=lambda p: (p.seconds, p.choices))
        assert a.expert is not None and a.expert.choices == expert.choices

    reachable, stuck = brute_states(scenario)
    assert a.reachable_nodes == reachable
    assert a.stuck_nodes == stuck


def brute_states(scenario: Scenario) -> tuple[frozenset[str], tuple[str, ...]]:
    """Nodes some state reaches, and nodes with a reachable state that can never end."""
    walkout = scenario.customer.walkout_at
    start = (scenario.start, scenario.customer.mood, frozenset[str]())
    moves: dict[tuple[str, int, frozenset[str]], list[tuple[str, int, frozenset[str]] | None]] = {}
    todo = [start]
    while todo:
        state = todo.pop()
        if state in moves:
            continue
        node_id, mood, flags = state
        moves[state] = []
        for choice in scenario.nodes[node_id].choices:
            after, nxt = apply_reply(Vars(mood, flags=flags), choice, walkout)
            target = None if nxt is None else (nxt, after.mood, after.flags)
            moves[state].append(target)  # None: the customer walked out (an ending)
            if target is not None and scenario.nodes[target[0]].ending is None:
                todo.append(target)
            elif target is not None:
                moves.setdefault(target, [])
    ends = {state for state in moves if scenario.nodes[state[0]].ending is not None}
    changed = True
    while changed:  # states from which some ending is reachable
        changed = False
        for state, targets in moves.items():
            if state not in ends and any(t is None or t in ends for t in targets):
                ends.add(state)
                changed = True
    nodes = frozenset(state[0] for state in moves)
    stuck = sorted({state[0] for state in moves if state not in ends})
    return nodes, tuple(stuck)
