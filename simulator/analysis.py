"""Graph facts about a scenario over its *feasible* paths.

Mood, flags and the counters a condition reads are fixed by the path taken, so
reachability, par and best/worst are computed over states
``(node, mood, flags, turn, empathy, assertiveness)``, not bare nodes.

Three reductions keep that fast without losing exactness:

* Only what some condition reads is tracked (an unread flag or counter cannot
  change any route), and ``turn`` is capped just past the largest number it is
  compared with (it only grows, so every larger value routes the same way).
* States that differ only in mood travel together: the reachable moods of one
  flag combination are a 101-bit integer, a reply's mood change is a clamped
  bit shift, a route's condition a bit mask, walkout the mask of moods ≥
  ``walkout_at``.
* Flag combinations are *lanes* of the same integer (lane ``c`` starts at bit
  ``c × 256``), so raising a flag moves bits between lanes and one big-integer
  operation handles every flag combination at once. A state is then a *group*
  ``(node, other flags, turn, empathy, assertiveness)`` plus a bit *position*
  ``lane × 256 + mood``.

Every mask is built by evaluating the scenario's own conditions, and the
non-mood effects come from :func:`simulator.rules.apply_reply`, the rule book
the engine plays by, so the two agree.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from scoring import Decision, Scores, score_attempt
from scoring.points import overall_score, reply_strengths, speed_score
from scoring.vocabulary import SCORES
from simulator.model import MOOD_MAX, Route, Scenario
from simulator.rules import Vars, apply_reply

WALKOUT: Final = "__walkout__"
PATH_LIMIT: Final = 100_000  # complete paths enumerated exactly (CONTRACTS.md)
GROUP_BUDGET: Final = 250_000  # groups explored before giving up on exactness
COUNT_CAP: Final = 10**18  # path counts saturate here ("more than")
EXACT_COUNT_STATES: Final = 400_000  # above this, paths are counted by lower bounds only
MOODS: Final = MOOD_MAX + 1
FULL: Final = (1 << MOODS) - 1
TOP: Final = 1 << MOOD_MAX
STRIDE: Final = 256  # bits per lane: 101 moods, then room for shifted-out bits
LANE_SHIFT: Final = 8  # log2(STRIDE)
MAX_LANE_FLAGS: Final = 6  # up to 64 lanes; further flags go into the group key

# node, flags kept in the key, turn, empathy, assertiveness
Group = tuple[str, frozenset[str], int, int, int]
# a single state: group + bit position (lane * STRIDE + mood)
State = tuple[Group, int]


class Lanes:
    """Bit-parallel mood arithmetic over ``count`` lanes packed in one integer."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.rep = sum(1 << (i * STRIDE) for i in range(count))
        self.data = FULL * self.rep
        self.top = TOP * self.rep
        self.bit0 = self.rep
        # Bits 101..200 of each lane catch what a left shift pushes past 100.
        self.pad = (((1 << MOOD_MAX) - 1) << MOODS) * self.rep
        self.pad_carry = (1 << (MOODS + MOOD_MAX)) * self.rep
        self._low: dict[int, tuple[int, int]] = {}
        self._raise: dict[int, list[tuple[int, int]]] = {}
        self._fixed: dict[int, int] = {}

    def _low_masks(self, k: int) -> tuple[int, int]:
        found = self._low.get(k)
        if found is None:
            found = self._low[k] = (((1 << k) - 1) * self.rep, (1 << k) * self.rep)
        return found

    def shift(self, mask: int, delta: int) -> int:
        """Every mood plus ``delta``, clamped to 0..100, lane by lane."""
        if delta > 0:
            moved = mask << delta
            out = moved & self.data
            over = moved & self.pad
            if over:
                # Adding all-ones to a lane's overflow field carries into bit 201
                # exactly when the field is non-zero; that bit becomes mood 100.
                out |= ((over + self.pad) & self.pad_carry) >> MOOD_MAX + 1
            return out
        if delta < 0:
            k = -delta
            low, carry = self._low_masks(k)
            under = mask & low
            out = (mask >> k) & self.data
            if under:
                out |= ((under + low) & carry) >> k  # any mood below k becomes 0
            return out
        return mask

    def preimage(self, after: int, delta: int) -> int:
        """Moods that land in ``after`` once ``delta`` is added (with clamping)."""
        if delta > 0:
            pre = (after >> delta) & self.data
            top = after & self.top
            if top:
                pre |= (top >> delta) * ((1 << (delta + 1)) - 1)
            return pre
        if delta < 0:
            k = -delta
            pre = (after << k) & self.data
            bottom = after & self.bit0
            if bottom:
                pre |= bottom * ((1 << (k + 1)) - 1)
            return pre
        return after

    def _moves(self, flags: int) -> list[tuple[int, int]]:
        found = self._raise.get(flags)
        if found is None:
            found = self._raise[flags] = [
                (c * STRIDE, (c | flags) * STRIDE) for c in range(self.count) if c | flags != c
            ]
        return found

    def raise_flags(self, mask: int, flags: int) -> int:
        """Move each lane ``c`` to lane ``c | flags`` (the flags are now raised)."""
        if not flags or not mask:
            return mask
        out = mask
        for src, dst in self._moves(flags):
            lane = (mask >> src) & FULL
            if lane:
                out &= ~(FULL << src)
                out |= lane << dst
        return out

    def lower_flags(self, after: int, flags: int) -> int:
        """Positions whose lane, once ``flags`` are raised, lands in ``after``."""
        if not flags or not after:
            return after
        fixed = self._fixed.get(flags)
        if fixed is None:  # lanes that already hold every flag stay where they are
            fixed = self._fixed[flags] = sum(
                FULL << (c * STRIDE) for c in range(self.count) if c | flags == c
            )
        out = after & fixed
        for src, dst in self._moves(flags):
            out |= ((after >> dst) & FULL) << src
        return out


_ONE_LANE: Final = Lanes(1)


def shift(mask: int, delta: int) -> int:
    """Moods after adding ``delta`` to every mood in ``mask``, clamped to 0..100."""
    return _ONE_LANE.shift(mask, delta)


def preimage(after: int, delta: int) -> int:
    """Moods that land in ``after`` once ``delta`` is added (with clamping)."""
    return _ONE_LANE.preimage(after, delta)


def positions(mask: int) -> Iterator[int]:
    """The bit positions set in ``mask``, ascending."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


@dataclass(frozen=True, slots=True)
class GroupEdge:
    """One reply from a group: number, cost, mood change, flags raised, destinations.

    ``routes`` pairs a mask of *after* positions with the group they reach;
    positions in ``walkout`` end the call instead.
    """

    number: int
    seconds: int
    delta: int
    raises: int  # lane bits of the flags this reply raises
    walkout: int
    routes: tuple[tuple[int, Group], ...]


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


class StateGraph:
    """Every feasible state reachable from a start, as position masks per group."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        start: str | None = None,
        mood: int | None = None,
        flags: Iterable[str] = (),
        budget: int = GROUP_BUDGET,
    ) -> None:
        self.scenario = scenario
        tracked, variables, turn_cap = _tracking(scenario)
        self.lane_flags = tracked[:MAX_LANE_FLAGS]
        self.key_flags = frozenset(tracked[MAX_LANE_FLAGS:])
        self.lanes = Lanes(1 << len(self.lane_flags))
        self.track_turn = "turn" in variables
        self.track_emp = "empathy" in variables
        self.track_ass = "assertiveness" in variables
        self.turn_cap = turn_cap
        walk = FULL & ~((1 << scenario.customer.walkout_at) - 1)
        self.walkout_mask = walk * self.lanes.rep
        start_node = start or scenario.start
        start_flags = frozenset(flags)
        self.start_mood = scenario.customer.mood if mood is None else mood
        self.start_pos = self.lane_of(start_flags) * STRIDE + self.start_mood
        self.start: Group = self._group(start_node, start_flags & self.key_flags, 0, 0, 0)
        self.walkout_group: Group = (WALKOUT, frozenset(), 0, 0, 0)
        self._edges: dict[Group, tuple[GroupEdge, ...]] = {}
        self._cond_masks: dict[tuple[int, frozenset[str], int, int, int], int] = {}
        self._preds: dict[Group, list[tuple[Group, GroupEdge]]] | None = None
        self._order: list[Group] | bool | None = False  # False: not computed yet
        self.reach: dict[Group, int] = {}
        self.complete = True
        self._explore(budget)

    # -- building ----------------------------------------------------------------

    def lane_of(self, flags: Iterable[str]) -> int:
        """The lane index of a set of flags."""
        raised = set(flags)
        return sum(1 << i for i, f in enumerate(self.lane_flags) if f in raised)

    def lane_flag_set(self, lane: int) -> frozenset[str]:
        """The flags raised in ``lane``."""
        return frozenset(f for i, f in enumerate(self.lane_flags) if lane >> i & 1)

    def _group(self, node: str, flags: frozenset[str], turn: int, emp: int, ass: int) -> Group:
        if node == WALKOUT or self.scenario.nodes[node].is_ending:
            return (node, frozenset(), 0, 0, 0)  # endings: only the node matters
        return (node, flags, turn, emp, ass)

    def is_terminal(self, group: Group) -> bool:
        """True for the walkout and for ending nodes."""
        return group[0] == WALKOUT or self.scenario.nodes[group[0]].is_ending

    def ending_of(self, group: Group) -> str:
        """The ending kind of a terminal group."""
        if group[0] == WALKOUT:
            return "lost"
        ending = self.scenario.nodes[group[0]].ending
        assert ending is not None
        return ending

    def _cond_mask(self, route: Route, after: Vars) -> int:
        """Positions (every lane) whose state satisfies ``route``'s condition."""
        condition = route.condition
        assert condition is not None
        reads = condition.variables
        # Key the cache on what this condition reads, so a mood-only condition
        # is evaluated once however many groups reach it.
        key = (
            id(route),
            after.flags & condition.flags,
            after.turn if "turn" in reads else 0,
            after.empathy if "empathy" in reads else 0,
            after.assertiveness if "assertiveness" in reads else 0,
        )
        cached = self._cond_masks.get(key)
        if cached is not None:
            return cached
        lane_masks: dict[frozenset[str], int] = {}
        out = 0
        for lane in range(self.lanes.count):
            flags = after.flags | self.lane_flag_set(lane)
            relevant = flags & condition.flags
            mask = lane_masks.get(relevant)
            if mask is None:
                mask = 0
                if "mood" not in reads:
                    probe = Vars(0, after.turn, after.empathy, after.assertiveness, flags)
                    mask = FULL if condition(probe) else 0
                else:
                    for m in range(MOODS):
                        probe = Vars(m, after.turn, after.empathy, after.assertiveness, flags)
                        if condition(probe):
                            mask |= 1 << m
                lane_masks[relevant] = mask
            out |= mask << (lane * STRIDE)
        self._cond_masks[key] = out
        return out

    def edges(self, group: Group) -> tuple[GroupEdge, ...]:
        """The replies offered in ``group`` and where each position goes."""
        found = self._edges.get(group)
        if found is not None:
            return found
        node_id, flags, turn, emp, ass = group
        if self.is_terminal(group):
            self._edges[group] = ()
            return ()
        out = []
        for number, choice in enumerate(self.scenario.nodes[node_id].choices, 1):
            # Mood 0 stands in for every mood: only the non-mood effects are used.
            after, _ = apply_reply(Vars(0, turn, emp, ass, flags), choice, MOODS + 1)
            nflags = after.flags & self.key_flags if choice.set_flags else flags
            nturn = min(after.turn, self.turn_cap) if self.track_turn else 0
            nemp = after.empathy if self.track_emp else 0
            nass = after.assertiveness if self.track_ass else 0
            remaining = self.lanes.data & ~self.walkout_mask
            routes = []
            for r in choice.routes:
                sel = remaining if r.condition is None else remaining & self._cond_mask(r, after)
                remaining &= ~sel
                if sel:
                    routes.append((sel, self._group(r.goto, nflags, nturn, nemp, nass)))
                if not remaining:
                    break
            raises = self.lane_of(choice.set_flags) if choice.set_flags else 0
            out.append(
                GroupEdge(
                    number, choice.seconds, choice.mood, raises, self.walkout_mask, tuple(routes)
                )
            )
        edges = tuple(out)
        self._edges[group] = edges
        return edges

    def after(self, mask: int, edge: GroupEdge) -> int:
        """Positions right after ``edge``'s effects (mood change, flags raised)."""
        return self.lanes.raise_flags(self.lanes.shift(mask, edge.delta), edge.raises)

    def before(self, after: int, edge: GroupEdge) -> int:
        """Positions from which ``edge``'s effects land in ``after``."""
        return self.lanes.preimage(self.lanes.lower_flags(after, edge.raises), edge.delta)

    def _explore(self, budget: int) -> None:
        reach = self.reach
        reach[self.start] = 1 << self.start_pos
        pending: dict[Group, int] = {self.start: reach[self.start]}
        queue: deque[Group] = deque([self.start])
        after_of = self.after

        def add(target: Group, bits: int) -> None:
            old = reach.get(target)
            if old is None:
                if len(reach) >= budget:
                    self.complete = False
                    return
                old = 0
            new = bits & ~old
            if not new:
                return
            reach[target] = old | new
            if target in pending:
                pending[target] |= new
            else:
                pending[target] = new
                queue.append(target)

        while queue:
            group = queue.popleft()
            new = pending.pop(group)
            for edge in self.edges(group):
                after = after_of(new, edge)
                if after & edge.walkout:
                    add(self.walkout_group, after & edge.walkout)
                for sel, target in edge.routes:
                    part = after & sel
                    if part:
                        add(target, part)

    # -- facts -------------------------------------------------------------------

    @property
    def states(self) -> int:
        """How many (node, mood, flags, counters) states are reachable.

        At an ending only the node and mood matter, so its lanes are folded.
        """
        total = 0
        for group, mask in self.reach.items():
            if self.is_terminal(group):
                folded = 0
                while mask:
                    folded |= mask & FULL
                    mask >>= STRIDE
                mask = folded
            total += mask.bit_count()
        return total

    def predecessors(self) -> dict[Group, list[tuple[Group, GroupEdge]]]:
        """For each group, the (group, reply) pairs that can lead into it."""
        if self._preds is not None:
            return self._preds
        preds: dict[Group, list[tuple[Group, GroupEdge]]] = {}
        for group in self.reach:
            for edge in self.edges(group):
                if edge.walkout:
                    preds.setdefault(self.walkout_group, []).append((group, edge))
                for _, target in edge.routes:
                    preds.setdefault(target, []).append((group, edge))
        self._preds = preds
        return preds

    def topological(self) -> list[Group] | None:
        """Reachable groups in topological order, or None if they form a cycle."""
        if self._order is False:
            self._order = _topological(self)
        assert self._order is not True
        return self._order

    def good_after(self, edge: GroupEdge, good: dict[Group, int], walkout_good: bool) -> int:
        """After-positions of ``edge`` that land in a good state."""
        acc = edge.walkout if walkout_good else 0
        for sel, target in edge.routes:
            g = good.get(target)
            if g:
                acc |= sel & g
        return acc

    def backward(self, kinds: frozenset[str]) -> dict[Group, int]:
        """Per group, the reachable positions from which an ending in ``kinds`` is reachable."""
        walkout_good = "lost" in kinds
        full = self.lanes.data
        order = self.topological()
        if order is not None:
            good: dict[Group, int] = {}
            for group in reversed(order):
                if self.is_terminal(group):
                    if self.ending_of(group) in kinds:
                        good[group] = full
                    continue
                acc = 0
                for edge in self.edges(group):
                    acc |= self.before(self.good_after(edge, good, walkout_good), edge)
                acc &= self.reach[group]
                if acc:
                    good[group] = acc
            return good
        preds = self.predecessors()
        good = {}
        queue: deque[Group] = deque()
        for group in self.reach:
            if self.is_terminal(group) and self.ending_of(group) in kinds:
                good[group] = full
                queue.append(group)
        queued = set(queue)
        while queue:
            target = queue.popleft()
            queued.discard(target)
            for group, _ in preds.get(target, ()):
                acc = 0
                for edge in self.edges(group):
                    acc |= self.before(self.good_after(edge, good, walkout_good), edge)
                acc &= self.reach[group]
                if acc != good.get(group, 0):
                    good[group] = acc
                    if group not in queued:
                        queued.add(group)
                        queue.append(group)
        return good


def _tracking(scenario: Scenario) -> tuple[tuple[str, ...], set[str], int]:
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
    return tuple(sorted(flags)), variables, turn_cap


def explore(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
    budget: int = GROUP_BUDGET,
) -> StateGraph:
    """Every feasible state reachable from ``start`` (the scenario's start by default)."""
    return StateGraph(scenario, start=start, mood=mood, flags=flags, budget=budget)


@dataclass(frozen=True, slots=True)
class Reachability:
    """What the validator needs: reachable nodes and endings, stuck nodes."""

    reachable_nodes: frozenset[str]
    endings: frozenset[str]  # kinds reachable (walkout counts as lost)
    stuck_nodes: tuple[str, ...]  # reachable decision nodes with a state that can't end
    states: int
    complete: bool


def reachability(graph: StateGraph) -> Reachability:
    """Reachable nodes, reachable ending kinds, and nodes where a trainee gets stuck."""
    endings = frozenset(graph.ending_of(g) for g in graph.reach if graph.is_terminal(g))
    stuck: list[str] = []
    if graph.complete:
        can_end = graph.backward(frozenset(("resolved", "escalated", "lost")))
        stuck = sorted(
            {
                g[0]
                for g, mask in graph.reach.items()
                if not graph.is_terminal(g) and mask & ~can_end.get(g, 0)
            }
        )
    return Reachability(
        reachable_nodes=frozenset(g[0] for g in graph.reach if g[0] != WALKOUT),
        endings=endings,
        stuck_nodes=tuple(stuck),
        states=graph.states,
        complete=graph.complete,
    )


class Distances:
    """Shortest simulated seconds from the start to every state (bucketed Dijkstra).

    Each bucket holds, per group, the positions first reached at that distance,
    so one heap entry settles many states at once. Every settled mask also
    keeps the *round* (heap pop) that settled it: a state's predecessor on a
    shortest path was always settled in an earlier round, even across replies
    that cost 0 seconds, which is what lets :meth:`path_to` walk back without
    going round in circles.
    """

    def __init__(
        self, graph: StateGraph, *, stop_when: frozenset[str] = frozenset({"resolved"})
    ) -> None:
        """Settle states until every ending kind in ``stop_when`` has been reached."""
        self.graph = graph
        self.settled: dict[Group, list[tuple[int, int, int]]] = {}  # (dist, round, mask)
        self.first: dict[str, tuple[int, Group, int]] = {}  # kind -> (dist, group, position)
        done: dict[Group, int] = {}
        buckets: dict[int, dict[Group, int]] = {0: {graph.start: 1 << graph.start_pos}}
        heap = [0]
        after_of = graph.after
        rounds = 0
        while heap:
            dist = heapq.heappop(heap)
            bucket = buckets.pop(dist)
            rounds += 1
            for group, mask in bucket.items():
                new = mask & ~done.get(group, 0)
                if not new:
                    continue
                done[group] = done.get(group, 0) | new
                self.settled.setdefault(group, []).append((dist, rounds, new))
                if graph.is_terminal(group):
                    kind = graph.ending_of(group)
                    if kind not in self.first:
                        low = new & -new
                        self.first[kind] = (dist, group, low.bit_length() - 1)
                    continue
                for edge in graph.edges(group):
                    after = after_of(new, edge)
                    nd = dist + edge.seconds
                    parts: list[tuple[Group, int]] = []
                    if after & edge.walkout:
                        parts.append((graph.walkout_group, after & edge.walkout))
                    for sel, target in edge.routes:
                        if after & sel:
                            parts.append((target, after & sel))
                    if not parts:
                        continue
                    nb = buckets.get(nd)
                    if nb is None:
                        nb = buckets[nd] = {}
                        heapq.heappush(heap, nd)
                    for target, part in parts:
                        nb[target] = nb.get(target, 0) | part
            if stop_when <= self.first.keys():
                break

    def of(self, group: Group, position: int) -> tuple[int, int] | None:
        """Distance and settling round of one state, or None if it was not settled."""
        for dist, settled_in, mask in self.settled.get(group, ()):
            if mask >> position & 1:
                return dist, settled_in
        return None

    def path_to(self, kind: str) -> tuple[list[State], list[int]] | None:
        """A shortest path to an ending of ``kind``: states and reply numbers."""
        if kind not in self.first:
            return None
        dist, group, pos = self.first[kind]
        graph = self.graph
        preds = graph.predecessors()
        states: list[State] = [(group, pos)]
        numbers: list[int] = []
        here = self.of(group, pos)
        while (group, pos) != (graph.start, graph.start_pos):
            assert here is not None
            found = None
            bit = 1 << pos
            for pgroup, edge in sorted(preds.get(group, ()), key=lambda p: p[1].number):
                if group == graph.walkout_group:
                    lands = bool(edge.walkout & bit)
                else:
                    lands = any(t == group and sel & bit for sel, t in edge.routes)
                if not lands:
                    continue
                for pp in positions(graph.before(bit, edge) & graph.reach.get(pgroup, 0)):
                    there = self.of(pgroup, pp)
                    if (
                        there is not None
                        and there[0] == dist - edge.seconds
                        and there < here
                        and graph.after(1 << pp, edge) == bit
                    ):
                        found = (pgroup, pp, edge, there)
                        break
                if found:
                    break
            if found is None:  # pragma: no cover - distances are consistent by construction
                return None
            group, pos, edge, here = found
            dist -= edge.seconds
            states.append((group, pos))
            numbers.append(edge.number)
        states.reverse()
        numbers.reverse()
        return states, numbers


def par_seconds(graph: StateGraph) -> int | None:
    """The fastest feasible resolved path's simulated seconds (None: none exists)."""
    first = Distances(graph).first.get("resolved")
    return first[0] if first else None


def par_for(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
) -> int | None:
    """Par from a start state (the scenario's own start by default)."""
    return par_seconds(explore(scenario, start=start, mood=mood, flags=flags))


# -- single-state stepping (for enumeration and witness paths) --------------------


def step(graph: StateGraph, group: Group, position: int, edge: GroupEdge) -> State:
    """The state reached from ``(group, position)`` by ``edge``."""
    after = graph.after(1 << position, edge)
    pos = after.bit_length() - 1
    if after & edge.walkout:
        return graph.walkout_group, pos
    for sel, target in edge.routes:
        if sel & after:
            return target, pos
    raise AssertionError("every mood has a route or walks out")


def _decisions(scenario: Scenario, states: list[State], numbers: list[int]) -> list[Decision]:
    out = []
    for (group, _), number in zip(states, numbers, strict=False):
        node = scenario.nodes[group[0]]
        out.append(
            Decision(
                tuple(c.empathy for c in node.choices),
                tuple(c.assertiveness for c in node.choices),
                number - 1,
            )
        )
    return out


def path_result(
    graph: StateGraph, states: list[State], numbers: list[int], par: int | None
) -> PathResult:
    """Score the path through ``states`` (the last one terminal) made by ``numbers``."""
    scenario = graph.scenario
    end = states[-1][0]
    ending = graph.ending_of(end)
    seconds = sum(
        scenario.nodes[g[0]].choices[n - 1].seconds
        for (g, _), n in zip(states, numbers, strict=False)
    )
    scores = score_attempt(
        _decisions(scenario, states, numbers),
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
    )


def count_paths(graph: StateGraph, limit: int = PATH_LIMIT) -> tuple[int, bool]:
    """Number of complete feasible paths, and whether that number is exact.

    On an acyclic group graph, cheap group-level lower bounds come first: if
    even the fewest paths any state could have exceed ``limit``, or the states
    are too many to count one by one, the answer is that lower bound (not
    exact). Otherwise every state's count is computed bottom up (saturating at
    ``COUNT_CAP``). With cycles, paths never repeat a
    ``(node, mood, flags)`` state and are counted by bounded enumeration up to
    ``limit + 1``.
    """
    if graph.is_terminal(graph.start):
        return 1, True
    order = graph.topological()
    if order is None:
        total = sum(1 for _ in enumerate_paths(graph, limit + 1))
        return total, total <= limit
    low = _count_lower_bounds(graph, order)
    if low[graph.start] > limit or graph.states > EXACT_COUNT_STATES:
        return low[graph.start], False
    counts: dict[Group, dict[int, int]] = {}
    for group in reversed(order):
        if graph.is_terminal(group):
            continue
        table: dict[int, int] = {}
        for pos in positions(graph.reach[group]):
            total = 0
            for edge in graph.edges(group):
                target, p = step(graph, group, pos, edge)
                total += 1 if graph.is_terminal(target) else counts[target][p]
            table[pos] = min(total, COUNT_CAP)
        counts[group] = table
    total = counts[graph.start][graph.start_pos]
    return total, total < COUNT_CAP


def _count_lower_bounds(graph: StateGraph, order: list[Group]) -> dict[Group, int]:
    """Per group, a number of complete paths that every reachable state there has at least."""
    low: dict[Group, int] = {}
    for group in reversed(order):
        if graph.is_terminal(group):
            low[group] = 1
            continue
        mask = graph.reach[group]
        total = 0
        for edge in graph.edges(group):
            after = graph.after(mask, edge)
            options = [1] if after & edge.walkout else []
            options.extend(low[t] for sel, t in edge.routes if after & sel)
            total += min(options) if options else 0
        low[group] = min(total, COUNT_CAP)
    return low


def _topological(graph: StateGraph) -> list[Group] | None:
    """Groups in topological order, or None if the group graph has a cycle."""
    indegree: dict[Group, int] = dict.fromkeys(graph.reach, 0)
    succ: dict[Group, set[Group]] = {}
    for group in graph.reach:
        targets = {t for e in graph.edges(group) for _, t in e.routes if t in graph.reach}
        if any(e.walkout for e in graph.edges(group)) and graph.walkout_group in graph.reach:
            targets.add(graph.walkout_group)
        succ[group] = targets
        for t in targets:
            indegree[t] += 1
    queue = deque(g for g, d in indegree.items() if d == 0)
    order = []
    while queue:
        group = queue.popleft()
        order.append(group)
        for t in succ[group]:
            indegree[t] -= 1
            if indegree[t] == 0:
                queue.append(t)
    return order if len(order) == len(graph.reach) else None


def enumerate_paths(graph: StateGraph, limit: int) -> Iterator[tuple[list[State], list[int]]]:
    """Complete paths, depth first in reply order; a path never repeats a state.

    (Node, mood, flags) is the state that may not repeat, per CONTRACTS.md; the
    position carries mood and lane flags, the group the other flags. The lists
    yielded are reused: copy them to keep a path.
    """
    for states, numbers, _ in _walk_paths(graph, limit):
        yield states, numbers


def _walk_paths(graph: StateGraph, limit: int) -> Iterator[tuple[list[State], list[int], int]]:
    """:func:`enumerate_paths`, also yielding how many replies the path shares
    with the one yielded before it (so callers can keep running totals)."""
    start: State = (graph.start, graph.start_pos)
    states: list[State] = [start]
    numbers: list[int] = []
    on_path = {(graph.start[0], graph.start_pos, graph.start[1])}
    stack: list[int] = [0]
    produced = 0
    shared = 0
    while stack:
        group, pos = states[-1]
        terminal = graph.is_terminal(group)
        if terminal and stack[-1] == 0:
            yield states, numbers, shared
            shared = len(numbers)
            produced += 1
            if produced >= limit:
                return
        edges = () if terminal else graph.edges(group)
        i = stack[-1]
        if i >= len(edges):
            stack.pop()
            last = states.pop()
            on_path.discard((last[0][0], last[1], last[0][1]))
            if numbers:
                numbers.pop()
                shared = min(shared, len(numbers))
            continue
        stack[-1] = i + 1
        nxt = step(graph, group, pos, edges[i])
        proj = (nxt[0][0], nxt[1], nxt[0][1])
        if proj in on_path:
            continue
        on_path.add(proj)
        states.append(nxt)
        numbers.append(edges[i].number)
        stack.append(0)


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
    bounds: dict[str, dict[str, tuple[float, float] | None]]  # when not exact: ranges
    expert: PathResult | None
    flat_nodes: tuple[str, ...]
    dead_replies: tuple[tuple[str, int], ...]


LocalTable = dict[str, list[tuple[float | None, float | None, float]]]


def _local_tables(scenario: Scenario) -> LocalTable:
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


def _better(a: PathResult, b: PathResult | None, dim: str, highest: bool) -> bool:
    """True when ``a`` beats ``b`` on ``dim`` (ties: fewer seconds; then the earlier path)."""
    if b is None:
        return getattr(a.scores, dim) is not None
    va = getattr(a.scores, dim)
    vb = getattr(b.scores, dim)
    if va is None:
        return False
    if vb is None:
        return True
    if abs(va - vb) > 1e-9:
        return bool(va > vb) if highest else bool(va < vb)
    return a.seconds < b.seconds


Quick = tuple[float | None, float | None, float, float, int]  # e, a, speed, overall, seconds


def _quick_better(a: Quick, b: Quick | None, index: int, highest: bool) -> bool:
    """``_better`` on running scores: value, then fewer seconds; earlier paths win ties."""
    if b is None:
        return a[index] is not None
    va, vb = a[index], b[index]
    if va is None:
        return False
    if vb is None:
        return True
    if abs(va - vb) > 1e-9:
        return bool(va > vb) if highest else bool(va < vb)
    return a[4] < b[4]


def _extremes(
    graph: StateGraph, table: LocalTable, par: int | None, limit: int
) -> tuple[dict[str, PathResult | None], dict[str, PathResult | None], PathResult | None]:
    """Exact best/worst per dimension and the expert path, over every feasible path.

    Scores are kept as running sums along the depth-first walk, so a path
    costs one step per reply; a :class:`PathResult` is built only for a path
    that beats the current best or worst.
    """
    scenario = graph.scenario
    weights = scenario.scoring.weights
    seconds_of = {n.id: [c.seconds for c in n.choices] for n in scenario.nodes.values()}
    best_q: list[Quick | None] = [None] * 4
    worst_q: list[Quick | None] = [None] * 4
    expert_q: Quick | None = None
    best: dict[str, PathResult | None] = dict.fromkeys(SCORES)
    worst: dict[str, PathResult | None] = dict.fromkeys(SCORES)
    expert: PathResult | None = None
    # running sums per depth: empathy sum/count, assertiveness sum/count, seconds
    sums: list[tuple[float, int, float, int, int]] = [(0.0, 0, 0.0, 0, 0)]
    for states, numbers, shared in _walk_paths(graph, limit):
        depth = len(numbers)
        del sums[shared + 1 :]
        while len(sums) < depth + 1:
            k = len(sums) - 1
            node = states[k][0][0]
            e, a, _ = table[node][numbers[k] - 1]
            se, ce, sa, ca, secs = sums[-1]
            sums.append(
                (
                    se + (e or 0.0),
                    ce + (e is not None),
                    sa + (a or 0.0),
                    ca + (a is not None),
                    secs + seconds_of[node][numbers[k] - 1],
                )
            )
        se, ce, sa, ca, secs = sums[depth]
        ending = graph.ending_of(states[-1][0])
        emp = 100.0 * se / ce if ce else None
        ass = 100.0 * sa / ca if ca else None
        speed = speed_score(ending, par, secs)
        quick: Quick = (emp, ass, speed, overall_score(emp, ass, speed, weights), secs)
        result: PathResult | None = None
        for i, dim in enumerate(SCORES):
            if _quick_better(quick, best_q[i], i, True):
                best_q[i] = quick
                best[dim] = result = result or path_result(graph, states, numbers, par)
            if _quick_better(quick, worst_q[i], i, False):
                worst_q[i] = quick
                worst[dim] = result = result or path_result(graph, states, numbers, par)
        if ending == "resolved" and _quick_better(quick, expert_q, 3, True):
            expert_q = quick
            expert = result or path_result(graph, states, numbers, par)
    return best, worst, expert


def _greedy_path(
    graph: StateGraph,
    table: LocalTable,
    allowed: dict[Group, int] | None,
    strongest: bool,
) -> tuple[list[State], list[int]] | None:
    """Follow the strongest (or weakest) reply, staying inside ``allowed`` states if given."""
    state: State = (graph.start, graph.start_pos)
    states = [state]
    numbers: list[int] = []
    seen = {state}
    sign = 1.0 if strongest else -1.0
    while not graph.is_terminal(state[0]):
        group, mood = state
        rows = table[group[0]]
        options = []
        for edge in graph.edges(group):
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


def analyze(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
    path_limit: int = PATH_LIMIT,
    budget: int = GROUP_BUDGET,
) -> Analysis:
    """Full analysis from a start state: endings, par, best/worst, expert path."""
    graph = explore(scenario, start=start, mood=mood, flags=flags, budget=budget)
    reach = reachability(graph)
    # Dijkstra settles states in order of distance, so it can stop once every
    # ending kind that is reachable at all has been reached once.
    distances = Distances(graph, stop_when=reach.endings)
    par = distances.first["resolved"][0] if "resolved" in distances.first else None
    endings: dict[str, PathResult | None] = {}
    for kind in ("resolved", "escalated", "lost"):
        found = distances.path_to(kind)
        endings[kind] = path_result(graph, *found, par) if found else None

    count, count_exact = count_paths(graph, path_limit)
    exact = graph.complete and count_exact and count <= path_limit
    best: dict[str, PathResult | None] = dict.fromkeys(SCORES)
    worst: dict[str, PathResult | None] = dict.fromkeys(SCORES)
    bounds: dict[str, dict[str, tuple[float, float] | None]] = {}
    expert: PathResult | None = None
    table = _local_tables(scenario)
    can_resolve = graph.backward(frozenset({"resolved"}))
    if exact:
        best, worst, expert = _extremes(graph, table, par, path_limit)
    else:
        strong = _greedy_path(graph, table, can_resolve, True)
        if strong is not None:
            expert = path_result(graph, *strong, par)
            best = dict.fromkeys(SCORES, expert)
        weak = _greedy_path(graph, table, None, False)
        if weak is not None:
            worst = dict.fromkeys(SCORES, path_result(graph, *weak, par))
        bounds = _bounds(graph, table, best, worst)

    dead: list[tuple[str, int]] = []
    useful: set[tuple[str, int]] = set()
    for group, mask in graph.reach.items():
        for edge in graph.edges(group):
            ok = graph.before(graph.good_after(edge, can_resolve, False), edge) & mask
            if ok:
                useful.add((group[0], edge.number))
    for node in scenario.nodes.values():
        if node.id in reach.reachable_nodes:
            dead.extend(
                (node.id, n) for n in range(1, len(node.choices) + 1) if (node.id, n) not in useful
            )
    flat = tuple(
        n.id
        for n in scenario.nodes.values()
        if n.choices and len({(c.empathy, c.assertiveness, c.mood) for c in n.choices}) == 1
    )
    return Analysis(
        scenario_id=scenario.id,
        start=start or scenario.start,
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
    table: LocalTable,
    best: dict[str, PathResult | None],
    worst: dict[str, PathResult | None],
) -> dict[str, dict[str, tuple[float, float] | None]]:
    """Ranges that contain the true best and worst when paths are too many to list.

    The best lies between the greedy strongest path's value and what the
    highest local scores any reachable reply earns would give; the worst
    between the lowest such scores and the greedy weakest path's value. A
    dimension no reachable decision counts for has no range (None). Because a
    path may leave a dimension unassessed (and overall is renormalised), the
    overall extremes are taken over both possibilities.
    """
    emp: list[float] = []
    ass: list[float] = []
    for group in graph.reach:
        for edge in graph.edges(group):
            e, a, _ = table[group[0]][edge.number - 1]
            if e is not None:
                emp.append(e)
            if a is not None:
                ass.append(a)
    w = graph.scenario.scoring.weights
    top_e = 100 * max(emp) if emp else None
    top_a = 100 * max(ass) if ass else None
    low_e = 100 * min(emp) if emp else None
    low_a = 100 * min(ass) if ass else None
    top_overall = max(overall_score(e, a, 100.0, w) for e in {top_e, None} for a in {top_a, None})
    low_overall = min(overall_score(e, a, 0.0, w) for e in {low_e, None} for a in {low_a, None})
    top = {"empathy": top_e, "assertiveness": top_a, "speed": 100.0, "overall": top_overall}
    bottom = {"empathy": low_e, "assertiveness": low_a, "speed": 0.0, "overall": low_overall}
    out: dict[str, dict[str, tuple[float, float] | None]] = {"best": {}, "worst": {}}
    for dim in SCORES:
        hi, lo = top[dim], bottom[dim]
        if hi is None or lo is None:
            out["best"][dim] = out["worst"][dim] = None
            continue
        b = best.get(dim)
        bv = getattr(b.scores, dim) if b is not None else None
        # A witness path is real, so the true best is at least its value.
        out["best"][dim] = (lo, hi) if bv is None else (bv, max(hi, bv))
        wr = worst.get(dim)
        wv = getattr(wr.scores, dim) if wr is not None else None
        out["worst"][dim] = (lo, hi) if wv is None else (min(lo, wv), wv)
    return out
