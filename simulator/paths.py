"""Paths through the state space: shortest ones, and depth-first walks over all of them.

Both kinds of search take a work budget and say whether they finished, so a
file with astronomically many paths costs a bounded amount of time and the
caller can say "not proven" instead of hanging.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from scoring import Decision, Scores, score_attempt
from scoring.points import reply_strengths
from simulator.model import Scenario
from simulator.statespace import (
    WALKOUT,
    Group,
    GroupEdge,
    Skip,
    State,
    StateGraph,
    paused_gc,
    positions,
    step,
)

#: Work units a shortest-path search may spend before it stops: ``graph.unit``
#: per settled mask, and again per group whose replies it works out.
SEARCH_BUDGET: Final = 500_000
#: Work units a depth-first walk over paths may spend before it stops: one per
#: reply tried, plus ``graph.unit`` for each group whose replies it works out.
WALK_BUDGET: Final = 250_000
#: Strengths and scores closer than this are equal (they are sums of fractions).
EPSILON: Final = 1e-9

#: Per node id, per reply: local empathy, local assertiveness (None: the node
#: does not count for it), weighted strength.
LocalTable = dict[str, list[tuple[float | None, float | None, float]]]
#: A path kept while walking: (state, reply number that led here, previous cell).
#: Cells share their prefixes, so keeping a path costs nothing until it is unwound.
Cell = tuple[State, int, Any]


def local_tables(scenario: Scenario) -> LocalTable:
    """Per node and reply: local empathy, local assertiveness, weighted strength."""
    w = scenario.scoring.weights
    return {
        node.id: [
            (r.empathy, r.assertiveness, r.strength)
            for r in reply_strengths(
                [c.empathy for c in node.choices], [c.assertiveness for c in node.choices], w
            )
        ]
        for node in scenario.nodes.values()
    }


def critical_replies(scenario: Scenario) -> dict[str, frozenset[int]]:
    """Per node id, the numbers of its replies marked ``critical``."""
    out: dict[str, frozenset[int]] = {}
    for node in scenario.nodes.values():
        numbers = frozenset(n for n, c in enumerate(node.choices, 1) if c.critical)
        if numbers:
            out[node.id] = numbers
    return out


# -- a scored path ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathResult:
    """One complete path: nodes visited, replies made, where it ended, its scores."""

    nodes: tuple[str, ...]
    choices: tuple[int, ...]
    ending: str
    ending_node: str | None
    seconds: int
    scores: Scores
    critical: tuple[tuple[str, int, str], ...] = ()  # (node, reply number, reason)

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
            "critical": [
                {"node": node, "choice": number, "reason": reason}
                for node, number, reason in self.critical
            ],
        }


def path_result(
    graph: StateGraph, states: list[State], numbers: list[int], par: int | None
) -> PathResult:
    """Score the path through ``states`` (the last one terminal) made by ``numbers``."""
    scenario = graph.scenario
    end = states[-1][0]
    ending = graph.ending_of(end)
    decisions = []
    seconds = 0
    critical = []
    for (group, _), number in zip(states, numbers, strict=False):
        node = scenario.nodes[group[0]]
        choice = node.choices[number - 1]
        seconds += choice.seconds
        if choice.critical:
            critical.append((node.id, number, choice.critical))
        decisions.append(
            Decision(
                tuple(c.empathy for c in node.choices),
                tuple(c.assertiveness for c in node.choices),
                number - 1,
                bool(choice.critical),
            )
        )
    scores = score_attempt(
        decisions,
        ending=ending,
        taken_seconds=seconds,
        par_seconds=par,
        weights=scenario.scoring.weights,
        pass_mark=scenario.scoring.pass_mark,
    )
    return PathResult(
        nodes=tuple(g[0] for g, _ in states if g[0] != WALKOUT),
        choices=tuple(numbers),
        ending=ending,
        ending_node=None if end[0] == WALKOUT else end[0],
        seconds=seconds,
        scores=scores,
        critical=tuple(critical),
    )


def unwind(cell: Cell) -> tuple[list[State], list[int]]:
    """The states and reply numbers of the path ending in ``cell``."""
    states: list[State] = []
    numbers: list[int] = []
    while cell is not None:
        state, number, parent = cell
        states.append(state)
        if parent is not None:
            numbers.append(number)
        cell = parent
    states.reverse()
    numbers.reverse()
    return states, numbers


def greedy_path(
    graph: StateGraph,
    table: LocalTable,
    allowed: dict[Group, int] | None,
    strongest: bool,
    skip: Skip | None = None,
) -> tuple[list[State], list[int]] | None:
    """Follow the strongest (or weakest) reply, staying inside ``allowed`` states if given.

    Replies in ``skip`` are not taken; a state is never repeated. None when the
    path gets stuck (every reply leads somewhere it has been, or outside
    ``allowed``). Ties: the faster reply, then the lower number.
    """
    state: State = (graph.start, graph.start_pos)
    states = [state]
    numbers: list[int] = []
    seen = {state}
    sign = 1.0 if strongest else -1.0
    skip = skip or {}
    while not graph.is_terminal(state[0]):
        group, mood = state
        rows = table[group[0]]
        skipped = skip.get(group[0], frozenset())
        options = []
        for edge in graph.edges(group):
            if edge.number in skipped:
                continue
            nxt = step(graph, group, mood, edge)
            if nxt in seen:
                continue
            if allowed is not None and not allowed.get(nxt[0], 0) >> nxt[1] & 1:
                continue
            options.append((sign * rows[edge.number - 1][2], -edge.seconds, -edge.number, nxt))
        if not options:
            return None
        _, _, neg_number, state = max(options, key=lambda o: o[:3])
        states.append(state)
        numbers.append(-neg_number)
        seen.add(state)
    return states, numbers


# -- shortest paths --------------------------------------------------------------

# A relaxation that fed a bucket: (group, index of its settled piece, reply, positions).
Source = tuple[Group, int, GroupEdge, int]
# One settled piece of a group: distance, the positions first settled at it, its sources.
Settled = tuple[int, int, list[Source]]
# Per group, the positions reached at one distance and the relaxations that fed them.
Bucket = dict[Group, tuple[int, list[Source]]]


def seconds_to(scenario: Scenario, kinds: frozenset[str], skip: Skip) -> dict[str, int]:
    """Per node, the fewest seconds to an ending of ``kinds``, ignoring conditions and mood.

    Every route is taken to be open and every reply to be one that may end in
    a walkout (which is "lost"), so this never overestimates: a lower bound,
    and a consistent one (it is an exact distance in a graph with more edges
    and the same costs). Nodes missing from the result cannot reach such an
    ending at all. Replies in ``skip`` are left out.
    """
    into: dict[str, list[tuple[str, int]]] = {}
    best: dict[str, int] = {}
    heap: list[tuple[int, str]] = []
    for node in scenario.nodes.values():
        if node.ending is not None:
            if node.ending in kinds:
                heap.append((0, node.id))
            continue
        skipped = skip.get(node.id, frozenset())
        offered = [(n, c) for n, c in enumerate(node.choices, 1) if n not in skipped]
        for _, choice in offered:
            for r in choice.routes:
                into.setdefault(r.goto, []).append((node.id, choice.seconds))
        if "lost" in kinds and offered:
            heap.append((min(c.seconds for _, c in offered), node.id))
    heapq.heapify(heap)
    while heap:
        dist, node_id = heapq.heappop(heap)
        if node_id in best:
            continue
        best[node_id] = dist
        for pred, seconds in into.get(node_id, ()):
            if pred not in best:
                heapq.heappush(heap, (dist + seconds, pred))
    return best


def bounds_to(graph: StateGraph, kinds: frozenset[str], skip: Skip) -> dict[str, int]:
    """:func:`seconds_to` for ``graph``'s scenario, worked out once per question.

    The walkout counts as an ending of kind "lost" (0 seconds left).
    """
    key = ("seconds_to", kinds, tuple(sorted((n, tuple(sorted(v))) for n, v in skip.items() if v)))
    found: dict[str, int] | None = graph.memo.get(key)
    if found is None:
        found = seconds_to(graph.scenario, kinds, skip)
        if "lost" in kinds:
            found[WALKOUT] = 0
        graph.memo[key] = found
    return found


class Distances:
    """Shortest simulated seconds from the start to endings (bucketed A*).

    States are settled in order of their distance plus a lower bound on what
    is left to an ending in ``stop_when`` (:func:`seconds_to`); the bound is
    consistent, so a state's distance is final when it is settled, exactly as
    in Dijkstra's algorithm, but states that cannot lead to a wanted ending
    sooner are never settled, and those that cannot lead to one at all are
    never reached.

    Each bucket holds, per group, the positions first reached at one
    distance, so one heap entry settles many states at once. A settled piece
    remembers the relaxations that fed it; each came from a piece settled in
    an earlier round (even across replies that cost 0 seconds), which is what
    lets :meth:`path_to` walk back without going round in circles or needing
    the whole graph explored.

    The search stops once every ending kind in ``stop_when`` has been reached,
    when nothing is left to settle (``exhausted``: the kinds not reached are
    unreachable), or when ``budget`` work units are spent (``cut``). Replies
    in ``skip`` are never taken.
    """

    def __init__(
        self,
        graph: StateGraph,
        *,
        stop_when: frozenset[str] = frozenset({"resolved"}),
        skip: Skip | None = None,
        budget: int = SEARCH_BUDGET,
    ) -> None:
        self.graph = graph
        self.settled: dict[Group, list[Settled]] = {}
        #: kind -> (distance, group, position, index of the settled piece)
        self.first: dict[str, tuple[int, Group, int, int]] = {}
        self.cut = False
        self.exhausted = False
        self.spent = 0  # work units used
        with paused_gc():
            self._search(stop_when, skip or {}, budget)

    def _search(self, stop_when: frozenset[str], skip: Skip, budget: int) -> None:
        graph = self.graph
        to_go = bounds_to(graph, stop_when, skip)
        done: dict[Group, int] = {}
        buckets: dict[int, Bucket] = {}
        heap: list[int] = []
        start_bound = to_go.get(graph.start[0])
        if start_bound is not None:
            buckets[start_bound] = {graph.start: (1 << graph.start_pos, [])}
            heap.append(start_bound)
        after_of = graph.after
        unit = graph.unit
        spent = 0
        work0 = graph.edge_work
        while heap:
            if stop_when <= self.first.keys():
                break
            estimate = heapq.heappop(heap)
            bucket = buckets.pop(estimate)
            for group, (mask, sources) in bucket.items():
                new = mask & ~done.get(group, 0)
                if not new:
                    continue
                if spent + unit + graph.edge_work - work0 > budget:
                    self.cut = True  # everything settled so far is still exact
                    break
                spent += unit
                dist = estimate - to_go[group[0]]
                done[group] = done.get(group, 0) | new
                pieces = self.settled.setdefault(group, [])
                index = len(pieces)
                pieces.append((dist, new, sources))
                if graph.is_terminal(group):
                    kind = graph.ending_of(group)
                    if kind not in self.first:
                        low = new & -new
                        self.first[kind] = (dist, group, low.bit_length() - 1, index)
                    continue
                skipped = skip.get(group[0], frozenset())
                for edge in graph.edges(group):
                    if edge.number in skipped:
                        continue
                    after = after_of(new, edge)
                    nd = dist + edge.seconds
                    if after & edge.walkout and WALKOUT in to_go:
                        self._feed(buckets, heap, nd, graph.walkout_group, after & edge.walkout,
                                   (group, index, edge, after & edge.walkout))  # fmt: skip
                    for sel, target in edge.routes:
                        part = after & sel
                        bound = to_go.get(target[0])
                        if part and bound is not None:
                            self._feed(buckets, heap, nd + bound, target, part,
                                       (group, index, edge, part))  # fmt: skip
            if self.cut:
                break
        else:
            self.exhausted = True
        self.spent = spent + graph.edge_work - work0

    @staticmethod
    def _feed(
        buckets: dict[int, Bucket],
        heap: list[int],
        estimate: int,
        target: Group,
        part: int,
        source: Source,
    ) -> None:
        """Add ``part`` of ``target`` to the bucket of ``estimate``."""
        bucket = buckets.get(estimate)
        if bucket is None:
            bucket = buckets[estimate] = {}
            heapq.heappush(heap, estimate)
        entry = bucket.get(target)
        if entry is None:
            bucket[target] = (part, [source])
        else:
            entry[1].append(source)
            bucket[target] = (entry[0] | part, entry[1])

    def seconds(self, kind: str) -> int | None:
        """The fewest seconds to an ending of ``kind``, or None if none was reached."""
        found = self.first.get(kind)
        return found[0] if found else None

    def path_to(self, kind: str) -> tuple[list[State], list[int]] | None:
        """A shortest path to an ending of ``kind``: states and reply numbers."""
        if kind not in self.first:
            return None
        _, group, pos, index = self.first[kind]
        graph = self.graph
        states: list[State] = [(group, pos)]
        numbers: list[int] = []
        while True:
            _, _, sources = self.settled[group][index]
            if not sources:  # the start
                break
            bit = 1 << pos
            found = None
            for pgroup, pindex, edge, part in sources:
                if not part & bit:
                    continue
                pmask = self.settled[pgroup][pindex][1]
                for pp in positions(graph.before(bit, edge) & pmask):
                    if graph.after(1 << pp, edge) == bit:
                        found = (pgroup, pp, pindex, edge)
                        break
                if found:
                    break
            assert found is not None, "every settled position was fed by a relaxation"
            group, pos, index, edge = found
            states.append((group, pos))
            numbers.append(edge.number)
        states.reverse()
        numbers.reverse()
        return states, numbers


# -- depth-first walks over complete paths ----------------------------------------

#: Called at each complete path: its last cell, seconds, empathy sum and count,
#: assertiveness sum and count (local scores), and how many critical replies.
OnPath = Callable[[Cell, int, float, int, float, int, int], None]
#: Called before extending a path to ``(state, seconds so far)``: True prunes it.
Prune = Callable[[State, int], bool]


@dataclass(frozen=True, slots=True)
class Walk:
    """How a walk went: complete paths visited, replies tried, work units spent, and
    whether it saw every path."""

    paths: int
    steps: int
    complete: bool
    work: int = 0


def walk(
    graph: StateGraph,
    table: LocalTable,
    on_path: OnPath,
    *,
    limit: int,
    budget: int = WALK_BUDGET,
    skip: Skip | None = None,
    prune: Prune | None = None,
) -> Walk:
    """Visit complete paths depth first, in reply order; a path never repeats a state.

    The state that may not repeat is (node, mood, flags) as CONTRACTS.md says,
    plus the counters (turn, empathy, assertiveness) that some condition reads:
    those change where replies lead, so a loop that raises them is progress,
    and shortest paths, exploration and walks then agree on what a path is. A
    file whose conditions read no counter gets exactly the contract. Running
    score sums travel with the walk, so a path costs one step per reply that
    differs from the path before it. The walk stops after ``limit`` paths or
    ``budget`` work units (``complete`` is then False), whichever comes first:
    each reply tried costs one unit, working out a newly met group's replies
    ``graph.unit`` more (wide flag lanes make that the dearer part).
    """
    with paused_gc():
        return _walk(graph, table, on_path, limit, budget, skip or {}, prune)


def _walk(
    graph: StateGraph,
    table: LocalTable,
    on_path: OnPath,
    limit: int,
    budget: int,
    skip: Skip,
    prune: Prune | None,
) -> Walk:
    critical = critical_replies(graph.scenario)
    start: State = (graph.start, graph.start_pos)
    root: Cell = (start, 0, None)
    terminal = graph.terminal_nodes
    if graph.start[0] in terminal:
        on_path(root, 0, 0.0, 0, 0.0, 0, 0)
        return Walk(1, 0, limit >= 1, 0)
    # Each state's replies, where they lead and what they score, worked out once:
    # a walk meets the same state again and again along different paths.
    moves: dict[State, list[tuple[int, State, int, float | None, float | None, bool]]] = {}

    def successors(state: State) -> list[tuple[int, State, int, float | None, float | None, bool]]:
        found = moves.get(state)
        if found is None:
            group, pos = state
            node = group[0]
            skipped = skip.get(node, ())
            rows = table[node]
            crit = critical.get(node, ())
            found = moves[state] = [
                (
                    edge.number,
                    step(graph, group, pos, edge),
                    edge.seconds,
                    rows[edge.number - 1][0],
                    rows[edge.number - 1][1],
                    edge.number in crit,
                )
                for edge in graph.edges(group)
                if edge.number not in skipped
            ]
        return found

    on_stack = {start}
    # frame: state, its moves, next move index, seconds, e sum, e count, a sum, a count,
    # critical count, cell
    frames: list[list[Any]] = [[start, successors(start), 0, 0, 0.0, 0, 0.0, 0, 0, root]]
    steps = 0
    paths = 0
    work0 = graph.edge_work
    while frames:
        frame = frames[-1]
        options = frame[1]
        i = frame[2]
        if i >= len(options):
            frames.pop()
            on_stack.discard(frame[0])
            continue
        frame[2] = i + 1
        if steps + 1 + graph.edge_work - work0 > budget:
            return Walk(paths, steps, False, steps + graph.edge_work - work0)
        steps += 1
        number, nxt, seconds, e, a, bad = options[i]
        if nxt in on_stack:
            continue
        secs = frame[3] + seconds
        if prune is not None and prune(nxt, secs):
            continue
        se, ce, sa, ca = frame[4], frame[5], frame[6], frame[7]
        if e is not None:
            se += e
            ce += 1
        if a is not None:
            sa += a
            ca += 1
        crit = frame[8] + bad
        cell: Cell = (nxt, number, frame[9])
        if nxt[0][0] in terminal:
            paths += 1
            if paths > limit:  # one more than asked for: there are more than ``limit``
                return Walk(paths, steps, False, steps + graph.edge_work - work0)
            on_path(cell, secs, se, ce, sa, ca, crit)
            continue
        on_stack.add(nxt)
        frames.append([nxt, successors(nxt), 0, secs, se, ce, sa, ca, crit, cell])
    return Walk(paths, steps, True, steps + graph.edge_work - work0)
