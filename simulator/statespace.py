"""The feasible state space of a scenario, explored within a work budget.

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

A file may still have more states than any tool can list (40 independent
flags are 2⁴⁰ combinations), so exploration stops after a budget of work and
says so (``complete`` is False); callers then report facts as "not proven"
rather than as false.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from simulator.conditions import Condition
from simulator.model import MOOD_MAX, Route, Scenario
from simulator.rules import Vars, after_reply

WALKOUT: Final = "__walkout__"
MOODS: Final = MOOD_MAX + 1
FULL: Final = (1 << MOODS) - 1
TOP: Final = 1 << MOOD_MAX
STRIDE: Final = 256  # bits per lane: 101 moods, then room for shifted-out bits
MAX_LANE_FLAGS: Final = 6  # up to 64 lanes; further flags go into the group key
#: Work units explored before giving up on completeness. A group costs one unit
#: plus one per lane (its mask is that wide), so the budget bounds both time and
#: memory: 250,000 groups without flags, 7,700 with every one of the 64 lanes.
EXPLORE_BUDGET: Final = 500_000
#: The phrase every "stopped early" note uses, so users learn to recognise it.
TOO_COMPLEX: Final = "too complex to analyse exactly"

# node, flags kept in the key, turn, empathy, assertiveness
Group = tuple[str, frozenset[str], int, int, int]
# a single state: group + bit position (lane * STRIDE + mood)
State = tuple[Group, int]
#: Replies left out of a search, per node id: the 1-based reply numbers.
Skip = Mapping[str, frozenset[int]]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a search.

    The searches allocate millions of small tuples that all stay alive until
    the search ends and form no cycles, so every collection the allocations
    trigger is wasted work over an ever larger heap: with it running, a
    shortest-path search over 200,000 states took about three times as long.
    Nested uses are fine: the collector is only resumed by the use that paused
    it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def mood_intervals(condition: Condition) -> tuple[tuple[int, int], ...]:
    """Ranges of mood (inclusive) on which ``condition`` cannot change its answer.

    Every mood atom is ``mood OP constant``, so its truth only changes at the
    constants: the condition is constant on each constant alone and on each
    gap between two of them. Evaluating it once per range instead of once per
    mood is what keeps a file with many mood conditions cheap to check.
    """
    cuts = sorted({c for var, c in condition.constants if var == "mood" and 0 <= c <= MOOD_MAX})
    out: list[tuple[int, int]] = []
    low = 0
    for c in cuts:
        if low <= c - 1:
            out.append((low, c - 1))
        out.append((c, c))
        low = c + 1
    if low <= MOOD_MAX:
        out.append((low, MOOD_MAX))
    return tuple(out)


class GroupEdge(NamedTuple):
    """One reply from a group: number, cost, mood change, flags raised, destinations.

    ``routes`` pairs a mask of *after* positions with the group they reach;
    positions in ``walkout`` end the call instead. (A named tuple: there is
    one per reply per group, so they must be cheap to make.)
    """

    number: int
    seconds: int
    delta: int
    raises: int  # lane bits of the flags this reply raises
    walkout: int
    routes: tuple[tuple[int, Group], ...]


@dataclass(frozen=True, slots=True)
class Reachability:
    """What the validator needs: reachable nodes and endings, stuck nodes."""

    reachable_nodes: frozenset[str]
    endings: frozenset[str]  # kinds reachable (walkout counts as lost)
    stuck_nodes: tuple[str, ...]  # reachable decision nodes with a state that can't end
    states: int
    complete: bool


class StateGraph:
    """The feasible states reachable from a start, as position masks per group.

    With ``explore=True`` (the default) every reachable state is found up front,
    breadth first, until ``budget`` work units are spent (then ``complete`` is
    False). With ``explore=False`` nothing is explored: searches that stop
    early (shortest paths, path walks) ask :meth:`edges` for what they visit.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        start: str | None = None,
        mood: int | None = None,
        flags: Iterable[str] = (),
        budget: int = EXPLORE_BUDGET,
        explore: bool = True,
    ) -> None:
        self.scenario = scenario
        #: Node ids where a path ends: the endings and the walkout.
        self.terminal_nodes = frozenset(
            [WALKOUT, *(n.id for n in scenario.nodes.values() if n.is_ending)]
        )
        tracked, variables, turn_cap = _tracking(scenario)
        self.lane_flags = tracked[:MAX_LANE_FLAGS]
        self.key_flags = frozenset(tracked[MAX_LANE_FLAGS:])
        self.lanes = Lanes(1 << len(self.lane_flags))
        self._lane_sets = tuple(
            frozenset(f for i, f in enumerate(self.lane_flags) if lane >> i & 1)
            for lane in range(self.lanes.count)
        )
        #: Work units one group costs: its bookkeeping plus one per lane of its mask.
        self.unit = 1 + self.lanes.count
        self.track_turn = "turn" in variables
        self.track_emp = "empathy" in variables
        self.track_ass = "assertiveness" in variables
        self.turn_cap = turn_cap
        walk = FULL & ~((1 << scenario.customer.walkout_at) - 1)
        self.walkout_mask = walk * self.lanes.rep
        self._open = self.lanes.data & ~self.walkout_mask  # positions a reply can route
        start_node = start or scenario.start
        start_flags = frozenset(flags)
        self.start_mood = scenario.customer.mood if mood is None else mood
        self.start_pos = self.lane_of(start_flags) * STRIDE + self.start_mood
        self._flagsets: dict[frozenset[str], frozenset[str]] = {}
        self._masks: dict[int, int] = {}
        self.start: Group = self._group(start_node, start_flags & self.key_flags, 0, 0, 0)
        self.walkout_group: Group = (WALKOUT, frozenset(), 0, 0, 0)
        self._edges: dict[Group, tuple[GroupEdge, ...]] = {}
        self._cond_masks: dict[tuple[int, frozenset[str], int, int, int], int] = {}
        self._intervals: dict[int, tuple[tuple[int, int], ...]] = {}
        self._preds: dict[Group, list[tuple[Group, GroupEdge]]] | None = None
        self._order: list[Group] | bool | None = False  # False: not computed yet
        self._reachability: Reachability | None = None
        self._backward_cache: dict[tuple[frozenset[str], tuple[Any, ...]], dict[Group, int]] = {}
        #: Facts about the scenario that searches over this graph work out once.
        self.memo: dict[Any, Any] = {}
        self.reach: dict[Group, int] = {}
        self.spent = 0  # work units used by the exploration
        #: Work units spent working out groups' replies (``unit`` per group), so that
        #: searches over a lazily explored graph can count what they cost.
        self.edge_work = 0
        self.budget = budget
        self.explored = explore
        self.complete = explore
        if explore:
            with paused_gc():
                self._explore(budget)

    # -- building ----------------------------------------------------------------

    def lane_of(self, flags: Iterable[str]) -> int:
        """The lane index of a set of flags."""
        raised = set(flags)
        return sum(1 << i for i, f in enumerate(self.lane_flags) if f in raised)

    def lane_flag_set(self, lane: int) -> frozenset[str]:
        """The flags raised in ``lane``."""
        return self._lane_sets[lane]

    def _group(self, node: str, flags: frozenset[str], turn: int, emp: int, ass: int) -> Group:
        if node in self.terminal_nodes:
            return (node, frozenset(), 0, 0, 0)  # endings: only the node matters
        # Many groups share a flag set: keep one copy of each.
        flags = self._flagsets.setdefault(flags, flags)
        return (node, flags, turn, emp, ass)

    def is_terminal(self, group: Group) -> bool:
        """True for the walkout and for ending nodes."""
        return group[0] in self.terminal_nodes

    def ending_of(self, group: Group) -> str:
        """The ending kind of a terminal group."""
        if group[0] == WALKOUT:
            return "lost"
        ending = self.scenario.nodes[group[0]].ending
        assert ending is not None
        return ending

    def _mood_mask(self, condition: Condition, probe: Vars) -> int:
        """The moods (one lane) for which ``condition`` holds, other variables as in ``probe``."""
        intervals = self._intervals.get(id(condition))
        if intervals is None:
            intervals = self._intervals[id(condition)] = mood_intervals(condition)
        mask = 0
        for low, high in intervals:
            if condition(Vars(low, probe.turn, probe.empathy, probe.assertiveness, probe.flags)):
                mask |= ((1 << (high - low + 1)) - 1) << low
        return mask

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
        for lane, lane_set in enumerate(self._lane_sets):
            flags = after.flags | lane_set
            relevant = flags & condition.flags
            mask = lane_masks.get(relevant)
            if mask is None:
                probe = Vars(0, after.turn, after.empathy, after.assertiveness, flags)
                if "mood" not in reads:
                    mask = FULL if condition(probe) else 0
                else:
                    mask = self._mood_mask(condition, probe)
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
        self.edge_work += self.unit
        out = []
        masks = self._masks
        counters = self.track_turn or self.track_emp or self.track_ass
        for number, choice in enumerate(self.scenario.nodes[node_id].choices, 1):
            first = choice.routes[0]
            if first.condition is None and not choice.set_flags and not counters:
                # Nothing this reply changes is tracked, and it always goes one way.
                target = self._group(first.goto, flags, 0, 0, 0)
                out.append(GroupEdge(number, choice.seconds, choice.mood, 0, self.walkout_mask,
                                     ((self._open, target),)))  # fmt: skip
                continue
            # Mood 0 stands in for every mood: only the non-mood effects are used.
            after = after_reply(Vars(0, turn, emp, ass, flags), choice)
            nflags = after.flags & self.key_flags if choice.set_flags else flags
            nturn = min(after.turn, self.turn_cap) if self.track_turn else 0
            nemp = after.empathy if self.track_emp else 0
            nass = after.assertiveness if self.track_ass else 0
            remaining = self._open
            routes = []
            for r in choice.routes:
                sel = remaining if r.condition is None else remaining & self._cond_mask(r, after)
                remaining &= ~sel
                if sel:
                    # Groups reached by the same route share one copy of its mask.
                    sel = masks.setdefault(sel, sel)
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
        self.spent = self.unit
        pending: dict[Group, int] = {self.start: reach[self.start]}
        queue: deque[Group] = deque([self.start])
        after_of = self.after
        unit = self.unit

        def add(target: Group, bits: int) -> None:
            old = reach.get(target)
            if old is None:
                if self.spent + unit > budget:
                    self.complete = False
                    return
                self.spent += unit
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

    def backward(self, kinds: frozenset[str], skip: Skip | None = None) -> dict[Group, int]:
        """Per group, the reachable positions from which an ending in ``kinds`` is reachable.

        Replies in ``skip`` are not taken. Exact only on a complete graph (on a
        partial one the answer is a subset of the truth). Computed once per
        question: validation, dead replies and witness paths share the answers.
        """
        key = (kinds, tuple(sorted((n, tuple(sorted(v))) for n, v in (skip or {}).items() if v)))
        found = self._backward_cache.get(key)
        if found is None:
            with paused_gc():
                found = self._backward_cache[key] = self._backward(kinds, skip)
        return found

    def _backward(self, kinds: frozenset[str], skip: Skip | None) -> dict[Group, int]:
        walkout_good = "lost" in kinds
        full = self.lanes.data
        skip = skip or {}

        def good_before(group: Group, good: dict[Group, int]) -> int:
            skipped = skip.get(group[0], frozenset())
            acc = 0
            for edge in self.edges(group):
                if edge.number not in skipped:
                    acc |= self.before(self.good_after(edge, good, walkout_good), edge)
            return acc & self.reach[group]

        order = self.topological()
        if order is not None:
            good: dict[Group, int] = {}
            for group in reversed(order):
                if self.is_terminal(group):
                    if self.ending_of(group) in kinds:
                        good[group] = full
                    continue
                acc = good_before(group, good)
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
                if good.get(group) == self.reach[group]:
                    continue  # every reachable position there is already good
                acc = good_before(group, good)
                if acc != good.get(group, 0):
                    good[group] = acc
                    if group not in queued:
                        queued.add(group)
                        queue.append(group)
        return good

    def reachability(self) -> Reachability:
        """Reachable nodes, reachable ending kinds, and nodes where a trainee gets stuck.

        Computed once per graph, so validation and analysis share it.
        """
        if self._reachability is None:
            self._reachability = _reachability(self)
        return self._reachability


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


def _reachability(graph: StateGraph) -> Reachability:
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


def explore(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
    budget: int = EXPLORE_BUDGET,
) -> StateGraph:
    """Every feasible state reachable from ``start`` (the scenario's start by default)."""
    return StateGraph(scenario, start=start, mood=mood, flags=flags, budget=budget)


def reachability(graph: StateGraph) -> Reachability:
    """Reachable nodes, reachable ending kinds, and nodes where a trainee gets stuck."""
    return graph.reachability()


def step(graph: StateGraph, group: Group, position: int, edge: GroupEdge) -> State:
    """The state reached from ``(group, position)`` by ``edge``.

    One state at a time, so plain arithmetic on its mood and lane instead of
    the masks' big-integer shifts (this is the inner loop of every walk).
    """
    mood = (position & (STRIDE - 1)) + edge.delta
    mood = 0 if mood < 0 else MOOD_MAX if mood > MOOD_MAX else mood
    pos = ((position // STRIDE) | edge.raises) * STRIDE + mood
    bit = 1 << pos
    if edge.walkout & bit:
        return graph.walkout_group, pos
    for sel, target in edge.routes:
        if sel & bit:
            return target, pos
    raise AssertionError("every mood has a route or walks out")
