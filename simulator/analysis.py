"""Graph facts about a scenario over its *feasible* paths.

Mood, flags and the counters a condition reads are fixed by the path taken, so
reachability, par and best/worst are computed over states
``(node, mood, flags, turn, empathy, assertiveness)`` — not bare nodes. Only
what some condition reads is tracked (an unread flag or counter cannot change
any route), and ``turn`` is capped just past the largest number compared with
it (it only grows, so every larger value routes the same way). Each step uses
:func:`simulator.rules.apply_reply`, the same rule the engine plays by.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from scoring import Decision, Scores, score_attempt
from scoring.points import local_score, overall_score
from simulator.model import Scenario
from simulator.rules import Vars, apply_reply

WALKOUT: Final = "__walkout__"
PATH_LIMIT: Final = 100_000  # complete paths enumerated exactly (CONTRACTS.md)
STATE_BUDGET: Final = 1_000_000  # states explored before giving up on exactness

# node, mood, flags, turn, empathy, assertiveness
Key = tuple[str, int, frozenset[str], int, int, int]
# reply number, seconds, successor
Edge = tuple[int, int, Key]


@dataclass(frozen=True, slots=True)
class PathResult:
    """One complete path: nodes visited, replies made, where it ended, its scores."""

    nodes: tuple[str, ...]
    choices: tuple[int, ...]
    ending: str
    ending_node: str | None
    seconds: int
    scores: Scores

    def to_json(self) -> dict[str, Any]:
        """Plain-data form for ``--format json``."""
        return {
            "path": list(self.nodes),
            "choices": list(self.choices),
            "ending": self.ending,
            "ending_node": self.ending_node,
            "seconds": self.seconds,
            "empathy": self.scores.empathy,
            "assertiveness": self.scores.assertiveness,
            "speed": self.scores.speed,
            "overall": self.scores.overall,
            "passed": self.scores.passed,
        }


@dataclass(slots=True)
class StateGraph:
    """Every state reachable from a start, with its outgoing replies."""

    scenario: Scenario
    start: Key
    succ: dict[Key, list[Edge]]
    complete: bool  # False when the state budget ran out

    def is_terminal(self, key: Key) -> bool:
        """True for a walkout or an ending-node state."""
        node = key[0]
        return node == WALKOUT or self.scenario.nodes[node].is_ending

    def ending_of(self, key: Key) -> str:
        """The ending kind of a terminal state."""
        node = key[0]
        if node == WALKOUT:
            return "lost"
        ending = self.scenario.nodes[node].ending
        assert ending is not None
        return ending

    @property
    def states(self) -> int:
        """How many states were explored."""
        return len(self.succ)


def _tracking(scenario: Scenario) -> tuple[frozenset[str], set[str], int]:
    flags: set[str] = set()
    variables: set[str] = set()
    turn_cap = 0
    for node in scenario.nodes.values():
        for choice in node.choices:
            for r in choice.routes:
                if r.condition is None:
                    continue
                flags |= r.condition.flags
                variables |= r.condition.variables
                for var, value in r.condition.constants:
                    if var == "turn":
                        turn_cap = max(turn_cap, value + 1)
    return frozenset(flags), variables, turn_cap


def explore(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
    budget: int = STATE_BUDGET,
) -> StateGraph:
    """Breadth-first exploration of every feasible state from ``start``."""
    tracked_flags, variables, turn_cap = _tracking(scenario)
    track_turn = "turn" in variables
    track_emp = "empathy" in variables
    track_ass = "assertiveness" in variables
    walkout_at = scenario.customer.walkout_at
    nodes = scenario.nodes
    start_node = start or scenario.start
    start_mood = scenario.customer.mood if mood is None else mood
    start_key: Key = (start_node, start_mood, frozenset(flags) & tracked_flags, 0, 0, 0)
    succ: dict[Key, list[Edge]] = {}
    queue: deque[Key] = deque([start_key])
    seen: set[Key] = {start_key}
    complete = True
    while queue:
        key = queue.popleft()
        node_id, m, fl, turn, emp, ass = key
        edges: list[Edge] = []
        succ[key] = edges
        if node_id == WALKOUT:
            continue
        node = nodes[node_id]
        if node.ending is not None:
            continue
        before = Vars(m, turn, emp, ass, fl)
        for number, choice in enumerate(node.choices, 1):
            after, dest = apply_reply(before, choice, walkout_at)
            nxt: Key = (
                WALKOUT if dest is None else dest,
                after.mood,
                after.flags & tracked_flags if choice.set_flags else fl,
                min(after.turn, turn_cap) if track_turn else 0,
                after.empathy if track_emp else 0,
                after.assertiveness if track_ass else 0,
            )
            edges.append((number, choice.seconds, nxt))
            if nxt not in seen:
                if len(seen) >= budget:
                    complete = False
                    continue
                seen.add(nxt)
                queue.append(nxt)
    return StateGraph(scenario, start_key, succ, complete)


def _reverse_reach(graph: StateGraph, targets: Iterable[Key]) -> set[Key]:
    """States from which some state in ``targets`` can be reached."""
    preds: dict[Key, list[Key]] = {}
    for key, edges in graph.succ.items():
        for _, _, nxt in edges:
            preds.setdefault(nxt, []).append(key)
    found = set(targets)
    queue = deque(found)
    while queue:
        key = queue.popleft()
        for p in preds.get(key, ()):
            if p not in found:
                found.add(p)
                queue.append(p)
    return found


@dataclass(frozen=True, slots=True)
class Reachability:
    """What the validator needs: reachable nodes and endings, stuck nodes."""

    reachable_nodes: frozenset[str]
    endings: frozenset[str]  # kinds reachable (walkout counts as lost)
    stuck_nodes: tuple[str, ...]  # reachable decision nodes with a state that can't end
    can_resolve: frozenset[Key]
    states: int
    complete: bool


def reachability(graph: StateGraph) -> Reachability:
    """Reachable nodes, reachable ending kinds, and nodes where a trainee gets stuck."""
    terminals = [k for k in graph.succ if graph.is_terminal(k)]
    can_end = _reverse_reach(graph, terminals)
    resolved = [k for k in terminals if graph.ending_of(k) == "resolved"]
    can_resolve = _reverse_reach(graph, resolved)
    stuck = sorted(
        {k[0] for k in graph.succ if k not in can_end and not graph.is_terminal(k)}
    ) if graph.complete else []
    return Reachability(
        reachable_nodes=frozenset(k[0] for k in graph.succ if k[0] != WALKOUT),
        endings=frozenset(graph.ending_of(k) for k in terminals),
        stuck_nodes=tuple(stuck),
        can_resolve=frozenset(can_resolve),
        states=graph.states,
        complete=graph.complete,
    )


def shortest_paths(graph: StateGraph) -> tuple[dict[Key, int], dict[Key, tuple[Key, int]]]:
    """Dijkstra over simulated seconds: distance and predecessor of every state.

    Ties prefer lower reply numbers, so the path found is the one a trainee
    reading top to bottom would take.
    """
    dist: dict[Key, int] = {graph.start: 0}
    pred: dict[Key, tuple[Key, int]] = {}
    order: dict[Key, tuple[int, ...]] = {graph.start: ()}
    heap: list[tuple[int, tuple[int, ...], int, Key]] = [(0, (), 0, graph.start)]
    counter = 0
    done: set[Key] = set()
    while heap:
        d, seq, _, key = heapq.heappop(heap)
        if key in done:
            continue
        done.add(key)
        for number, seconds, nxt in graph.succ.get(key, ()):
            nd = d + seconds
            nseq = (*seq, number)
            old = dist.get(nxt)
            if old is None or nd < old or (nd == old and nseq < order[nxt]):
                dist[nxt] = nd
                order[nxt] = nseq
                pred[nxt] = (key, number)
                counter += 1
                heapq.heappush(heap, (nd, nseq, counter, nxt))
    return dist, pred


def _walk_back(pred: dict[Key, tuple[Key, int]], end: Key) -> tuple[list[Key], list[int]]:
    keys = [end]
    numbers: list[int] = []
    while keys[-1] in pred:
        prev, number = pred[keys[-1]]
        keys.append(prev)
        numbers.append(number)
    keys.reverse()
    numbers.reverse()
    return keys, numbers


def par_seconds(graph: StateGraph) -> int | None:
    """The fastest feasible resolved path's simulated seconds (None: none exists)."""
    dist, _ = shortest_paths(graph)
    best = [d for k, d in dist.items() if graph.is_terminal(k) and graph.ending_of(k) == "resolved"]
    return min(best) if best else None


def par_for(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
) -> int | None:
    """Par from a start state (the scenario's own start by default)."""
    return par_seconds(explore(scenario, start=start, mood=mood, flags=flags))


# -- scoring whole paths --------------------------------------------------------


def _decisions(scenario: Scenario, keys: list[Key], numbers: list[int]) -> list[Decision]:
    out = []
    for key, number in zip(keys, numbers, strict=False):
        node = scenario.nodes[key[0]]
        out.append(
            Decision(
                tuple(c.empathy for c in node.choices),
                tuple(c.assertiveness for c in node.choices),
                number - 1,
            )
        )
    return out


def path_result(
    graph: StateGraph, keys: list[Key], numbers: list[int], par: int | None
) -> PathResult:
    """Score the path through ``keys`` (the last one terminal) made by ``numbers``."""
    scenario = graph.scenario
    end = keys[-1]
    ending = graph.ending_of(end)
    seconds = 0
    for key, number in zip(keys, numbers, strict=False):
        seconds += scenario.nodes[key[0]].choices[number - 1].seconds
    scores = score_attempt(
        _decisions(scenario, keys, numbers),
        ending=ending,
        taken_seconds=seconds,
        par_seconds=par,
        weights=scenario.scoring.weights,
        pass_mark=scenario.scoring.pass_mark,
    )
    return PathResult(
        nodes=tuple(k[0] for k in keys if k[0] != WALKOUT),
        choices=tuple(numbers),
        ending=ending,
        ending_node=None if end[0] == WALKOUT else end[0],
        seconds=seconds,
        scores=scores,
    )


DIMENSIONS: Final = ("empathy", "assertiveness", "speed", "overall")


@dataclass(slots=True)
class Analysis:
    """Everything ``talkdown analyze`` reports, feasible-path aware."""

    scenario_id: str
    start: str
    states: int
    complete: bool
    reachable_nodes: frozenset[str]
    unreachable_nodes: tuple[str, ...]
    stuck_nodes: tuple[str, ...]
    endings: dict[str, PathResult | None]  # fastest path to each ending kind
    par_seconds: int | None
    path_count: int
    path_count_exact: bool
    exact: bool  # best/worst found by enumerating every feasible path
    best: dict[str, PathResult | None]
    worst: dict[str, PathResult | None]
    bounds: dict[str, dict[str, tuple[float, float]]]  # when not exact: best/worst ranges
    expert: PathResult | None
    flat_nodes: tuple[str, ...]
    dead_replies: tuple[tuple[str, int], ...]
    ending_nodes: dict[str, str] = field(default_factory=dict)


def _local_tables(
    scenario: Scenario,
) -> dict[str, list[tuple[float | None, float | None, float]]]:
    """Per node and reply: local empathy, local assertiveness, weighted strength."""
    w = scenario.scoring.weights
    table: dict[str, list[tuple[float | None, float | None, float]]] = {}
    for node in scenario.nodes.values():
        emps = [c.empathy for c in node.choices]
        asss = [c.assertiveness for c in node.choices]
        rows = []
        for c in node.choices:
            e = local_score(c.empathy, emps)
            a = local_score(c.assertiveness, asss)
            strength = (w.empathy * e if e is not None else 0.0) + (
                w.assertiveness * a if a is not None else 0.0
            )
            rows.append((e, a, strength))
        table[node.id] = rows
    return table


def count_paths(graph: StateGraph, limit: int) -> tuple[int, bool]:
    """Number of complete feasible paths; exact (possibly huge) on an acyclic graph.

    On a cyclic state graph paths never repeat a ``(node, mood, flags)`` state
    and are counted by bounded enumeration: the count stops at ``limit + 1``.
    """
    counts: dict[Key, int] = {}
    visiting: set[Key] = set()
    # Iterative post-order DFS; a back edge means the graph has a cycle.
    stack: list[tuple[Key, int]] = [(graph.start, 0)]
    visiting.add(graph.start)
    while stack:
        key, i = stack[-1]
        edges = graph.succ.get(key, [])
        if graph.is_terminal(key):
            counts[key] = 1
            visiting.discard(key)
            stack.pop()
            continue
        if i < len(edges):
            stack[-1] = (key, i + 1)
            nxt = edges[i][2]
            if nxt in counts:
                continue
            if nxt in visiting:
                total = _count_cyclic(graph, limit)
                return total, total <= limit
            visiting.add(nxt)
            stack.append((nxt, 0))
            continue
        counts[key] = sum(counts[e[2]] for e in edges)
        visiting.discard(key)
        stack.pop()
    return counts.get(graph.start, 0), True


def _count_cyclic(graph: StateGraph, limit: int) -> int:
    total = 0
    for _ in _enumerate(graph, limit + 1):
        total += 1
    return total


def _enumerate(graph: StateGraph, limit: int) -> Any:
    """Yield (keys, numbers) of complete paths, depth first in reply order.

    A path never repeats a (node, mood, flags) state.
    """
    produced = 0
    start = graph.start
    keys: list[Key] = [start]
    numbers: list[int] = []
    on_path = {start[:3]}
    stack: list[int] = [0]
    while stack:
        key = keys[-1]
        if graph.is_terminal(key):
            yield keys, numbers
            produced += 1
            if produced >= limit:
                return
            stack.pop()
            on_path.discard(keys.pop()[:3])
            if numbers:
                numbers.pop()
            continue
        edges = graph.succ.get(key, [])
        i = stack[-1]
        if i >= len(edges):
            stack.pop()
            on_path.discard(keys.pop()[:3])
            if numbers:
                numbers.pop()
            continue
        stack[-1] = i + 1
        number, _, nxt = edges[i]
        proj = nxt[:3]
        if proj in on_path:
            continue
        on_path.add(proj)
        keys.append(nxt)
        numbers.append(number)
        stack.append(0)


def _better(a: PathResult, b: PathResult | None, dim: str, highest: bool) -> bool:
    """True when ``a`` beats ``b`` on ``dim`` (ties: fewer seconds; then earlier)."""
    if b is None:
        return True
    va = getattr(a.scores, dim)
    vb = getattr(b.scores, dim)
    if va is None:
        return False
    if vb is None:
        return True
    if abs(va - vb) > 1e-9:
        return va > vb if highest else va < vb
    return a.seconds < b.seconds


def _greedy_path(
    graph: StateGraph,
    table: dict[str, list[tuple[float | None, float | None, float]]],
    allowed: frozenset[Key] | None,
    strongest: bool,
) -> tuple[list[Key], list[int]] | None:
    """Follow the strongest (or weakest) reply, staying inside ``allowed`` if given."""
    keys = [graph.start]
    numbers: list[int] = []
    seen = {graph.start}
    while not graph.is_terminal(keys[-1]):
        key = keys[-1]
        options = [
            e for e in graph.succ.get(key, [])
            if (allowed is None or e[2] in allowed) and e[2] not in seen
        ]  # fmt: skip
        if not options:
            return None
        rows = table[key[0]]
        sign = 1.0 if strongest else -1.0
        number, _, nxt = max(options, key=lambda e: (sign * rows[e[0] - 1][2], -e[1], -e[0]))
        keys.append(nxt)
        numbers.append(number)
        seen.add(nxt)
    return keys, numbers


def analyze(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
    path_limit: int = PATH_LIMIT,
    budget: int = STATE_BUDGET,
) -> Analysis:
    """Full analysis from a start state: endings, par, best/worst, expert path."""
    graph = explore(scenario, start=start, mood=mood, flags=flags, budget=budget)
    reach = reachability(graph)
    dist, pred = shortest_paths(graph)
    terminals = [k for k in dist if graph.is_terminal(k)]
    par_candidates = [dist[k] for k in terminals if graph.ending_of(k) == "resolved"]
    par = min(par_candidates) if par_candidates else None

    endings: dict[str, PathResult | None] = {"resolved": None, "escalated": None, "lost": None}
    for kind in endings:
        ends = [k for k in terminals if graph.ending_of(k) == kind]
        if ends:
            end = min(ends, key=lambda k: (dist[k], _walk_back(pred, k)[1]))
            keys, numbers = _walk_back(pred, end)
            endings[kind] = path_result(graph, keys, numbers, par)

    count, count_exact = count_paths(graph, path_limit)
    exact = graph.complete and count <= path_limit
    best: dict[str, PathResult | None] = dict.fromkeys(DIMENSIONS)
    worst: dict[str, PathResult | None] = dict.fromkeys(DIMENSIONS)
    bounds: dict[str, dict[str, tuple[float, float]]] = {}
    expert: PathResult | None = None
    table = _local_tables(scenario)
    if exact:
        for keys, numbers in _enumerate(graph, path_limit):
            result = path_result(graph, keys, numbers, par)
            for dim in DIMENSIONS:
                if _better(result, best[dim], dim, True):
                    best[dim] = result
                if _better(result, worst[dim], dim, False):
                    worst[dim] = result
            if result.ending == "resolved" and _better(result, expert, "overall", True):
                expert = result
    else:
        resolved_ok = reach.can_resolve
        found = _greedy_path(graph, table, resolved_ok, True)
        if found is not None:
            expert = path_result(graph, *found, par)
            for dim in DIMENSIONS:
                best[dim] = expert
        low = _greedy_path(graph, table, None, False)
        if low is not None:
            weak = path_result(graph, *low, par)
            for dim in DIMENSIONS:
                worst[dim] = weak
        bounds = _bounds(graph, table, best, worst)

    flat = tuple(
        n.id
        for n in scenario.nodes.values()
        if n.choices
        and len({(c.empathy, c.assertiveness, c.mood) for c in n.choices}) == 1
    )
    dead: list[tuple[str, int]] = []
    useful: set[tuple[str, int]] = set()
    for key, edges in graph.succ.items():
        for number, _, nxt in edges:
            if nxt in reach.can_resolve:
                useful.add((key[0], number))
    for node in scenario.nodes.values():
        if node.id not in reach.reachable_nodes:
            continue
        for number in range(1, len(node.choices) + 1):
            if (node.id, number) not in useful:
                dead.append((node.id, number))
    start_id = start or scenario.start
    return Analysis(
        scenario_id=scenario.id,
        start=start_id,
        states=graph.states,
        complete=graph.complete,
        reachable_nodes=reach.reachable_nodes,
        unreachable_nodes=tuple(n for n in scenario.nodes if n not in reach.reachable_nodes),
        stuck_nodes=reach.stuck_nodes,
        endings=endings,
        par_seconds=par,
        path_count=count,
        path_count_exact=count_exact,
        exact=exact,
        best=best,
        worst=worst,
        bounds=bounds,
        expert=expert,
        flat_nodes=flat,
        dead_replies=tuple(dead),
    )


def _bounds(
    graph: StateGraph,
    table: dict[str, list[tuple[float | None, float | None, float]]],
    best: dict[str, PathResult | None],
    worst: dict[str, PathResult | None],
) -> dict[str, dict[str, tuple[float, float]]]:
    """Ranges that contain the true best and worst when paths are too many to list.

    The best lies between the greedy strongest path's value and the highest
    local score any reachable reply earns; the worst between the lowest such
    score and the greedy weakest path's value.
    """
    hi_e = hi_a = 0.0
    lo_e = lo_a = 1.0
    for key, edges in graph.succ.items():
        if not edges:
            continue
        for number, _, _ in edges:
            e, a, _ = table[key[0]][number - 1]
            if e is not None:
                hi_e, lo_e = max(hi_e, e), min(lo_e, e)
            if a is not None:
                hi_a, lo_a = max(hi_a, a), min(lo_a, a)
    w = graph.scenario.scoring.weights
    top = {
        "empathy": 100 * hi_e,
        "assertiveness": 100 * hi_a,
        "speed": 100.0,
        "overall": overall_score(100 * hi_e, 100 * hi_a, 100.0, w),
    }
    bottom = {
        "empathy": 100 * min(lo_e, hi_e),
        "assertiveness": 100 * min(lo_a, hi_a),
        "speed": 0.0,
        "overall": overall_score(100 * min(lo_e, hi_e), 100 * min(lo_a, hi_a), 0.0, w),
    }
    out: dict[str, dict[str, tuple[float, float]]] = {"best": {}, "worst": {}}
    for dim in DIMENSIONS:
        b = best.get(dim)
        bv = getattr(b.scores, dim) if b is not None else None
        out["best"][dim] = (bv if bv is not None else bottom[dim], top[dim])
        wv_res = worst.get(dim)
        wv = getattr(wv_res.scores, dim) if wv_res is not None else None
        out["worst"][dim] = (bottom[dim], wv if wv is not None else top[dim])
    return out
