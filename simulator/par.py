"""Par: the call time a competent trainee needs (CONTRACTS.md "Par and the expert path").

Par is the fewest simulated seconds over feasible resolved paths that make no
``critical`` reply and whose empathy and assertiveness each reach the pass
mark. A dimension a path never assesses (every reply it met scored the same
there) counts as reaching it: it is left out of the path's score, so it cannot
pull the path below the mark. If no path qualifies, par is the fewest seconds
over all resolved paths. A path that is faster only by being worse therefore
never sets par, and the expert is not marked down for following up.

Whether a path reaches the pass mark depends on the *mean* of its local
scores, which no shortest-path search can track exactly. So par is pinned
between two shortest paths and, when they differ, found by a bounded search:

1. the fastest resolved path without critical replies (a lower bound). If
   that path is competent, it is par;
2. the fastest resolved path whose every reply is locally competent (each
   local score at least pass mark / 100, and not critical): such a path is
   competent, so it is an upper bound. If it is as fast as (1), it is par;
3. otherwise a depth-first branch-and-bound over paths without critical
   replies, pruning any path that cannot beat the best so far even by the
   fastest route to a resolution. If it finishes within its budget, par is
   proven; if not, par is the upper bound (2), a real competent path, and the
   result says it is not proven fastest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from simulator.model import Scenario
from simulator.paths import (
    EPSILON,
    Cell,
    Distances,
    LocalTable,
    bounds_to,
    critical_replies,
    greedy_path,
    local_tables,
    unwind,
    walk,
)
from simulator.statespace import TOO_COMPLEX, WALKOUT, Skip, State, StateGraph, paused_gc

ParRule = Literal["competent", "resolved"]
RESOLVED: Final = frozenset({"resolved"})
#: Work units the branch and bound (and the search for any resolution) may
#: spend. A well-built scenario needs few: its strongest replies are the
#: competent ones, so the shortest-path bounds meet or nearly meet. Beyond
#: this, par is a real competent path's length, reported as not proven fastest.
PAR_SEARCH_BUDGET: Final = 100_000
#: The rule that set par, as ``analyze`` reports it.
RULES: Final[tuple[ParRule, ...]] = ("competent", "resolved")


@dataclass(frozen=True, slots=True)
class Par:
    """Par and how it was found.

    ``rule`` is ``"competent"`` when a competent path set it, ``"resolved"``
    when none qualifies (or none was found) and the fastest resolved path set
    it, None when no resolved path was found at all. ``exact`` says the
    seconds are proven fewest under that rule; when not, ``note`` says why.
    ``path`` is a path that takes exactly ``seconds`` (a witness).
    """

    seconds: int | None
    rule: ParRule | None
    exact: bool
    path: tuple[tuple[State, ...], tuple[int, ...]] | None = None
    note: str = ""


def competent(
    empathy_sum: float, empathy_count: int, assert_sum: float, assert_count: int, pass_mark: float
) -> bool:
    """True when both dimensions reach ``pass_mark`` (a dimension not assessed does)."""
    mark = pass_mark / 100.0
    return (empathy_count == 0 or empathy_sum / empathy_count >= mark - EPSILON) and (
        assert_count == 0 or assert_sum / assert_count >= mark - EPSILON
    )


def weak_replies(scenario: Scenario, table: LocalTable) -> dict[str, frozenset[int]]:
    """Per node, replies with a local empathy or assertiveness below pass mark / 100."""
    mark = scenario.scoring.pass_mark / 100.0 - EPSILON
    out: dict[str, frozenset[int]] = {}
    for node_id, rows in table.items():
        weak = frozenset(
            n
            for n, (e, a, _) in enumerate(rows, 1)
            if (e is not None and e < mark) or (a is not None and a < mark)
        )
        if weak:
            out[node_id] = weak
    return out


def _merge(a: Skip, b: Skip) -> dict[str, frozenset[int]]:
    out = dict(a)
    for node, numbers in b.items():
        out[node] = out.get(node, frozenset()) | numbers
    return out


def _path_competent(
    graph: StateGraph, table: LocalTable, states: list[State], numbers: list[int]
) -> bool:
    se = sa = 0.0
    ce = ca = 0
    for (group, _), number in zip(states, numbers, strict=False):
        e, a, _ = table[group[0]][number - 1]
        if e is not None:
            se += e
            ce += 1
        if a is not None:
            sa += a
            ca += 1
    return competent(se, ce, sa, ca, graph.scenario.scoring.pass_mark)


def _witness(found: tuple[list[State], list[int]] | None) -> (
    tuple[tuple[State, ...], tuple[int, ...]] | None
):  # fmt: skip
    return None if found is None else (tuple(found[0]), tuple(found[1]))


def find_par(
    graph: StateGraph,
    table: LocalTable | None = None,
    *,
    budget: int = PAR_SEARCH_BUDGET,
    distances: Distances | None = None,
) -> Par:
    """Par from ``graph``'s start (see the module docstring for the method).

    ``distances`` is a search for the fastest resolved path over every reply
    that the caller has already run: it is the first search below when no
    reply is critical, and the fallback rule's search otherwise, so neither
    is run twice.
    """
    with paused_gc():
        return _find_par(graph, table, budget, distances)


def _find_par(
    graph: StateGraph, table: LocalTable | None, budget: int, distances: Distances | None
) -> Par:
    scenario = graph.scenario
    table = local_tables(scenario) if table is None else table
    critical = critical_replies(scenario)
    fast = distances if distances is not None and not critical else Distances(graph, skip=critical)
    lower = fast.seconds("resolved")
    if lower is None and not fast.cut:
        # No resolution without a critical reply, so no competent path either.
        return _resolved_par(graph, distances, proven_none=True)
    if lower is not None:
        found = fast.path_to("resolved")
        assert found is not None
        if _path_competent(graph, table, *found):
            return Par(lower, "competent", True, _witness(found))

    # Competent paths to start from: the fastest one made of locally competent
    # replies, and the strongest replies all the way (cheap, and often competent
    # when the searches above ran out of budget).
    strong = Distances(graph, skip=_merge(critical, weak_replies(scenario, table)))
    upper = strong.seconds("resolved")
    best_path = _witness(strong.path_to("resolved"))
    if upper is not None and upper == lower:
        return Par(lower, "competent", True, best_path)
    greedy = greedy_path(graph, table, None, True, skip=critical)
    if greedy is not None and graph.ending_of(greedy[0][-1][0]) == "resolved":
        taken = _seconds(graph, *greedy)
        if _path_competent(graph, table, *greedy) and (upper is None or taken < upper):
            upper, best_path = taken, _witness(greedy)

    # Branch and bound below the best so far.
    pass_mark = scenario.scoring.pass_mark
    to_go = bounds_to(graph, RESOLVED, critical)
    best: list[int | None] = [upper]
    best_cell: list[Cell | None] = [None]
    # The fastest resolved path the walk meets at all, competent or not: the
    # fallback rule's witness if the searches above ran out of budget.
    resolved_cell: list[tuple[int, Cell] | None] = [None]

    def prune(state: State, seconds: int) -> bool:
        node = state[0][0]
        need = None if node == WALKOUT else to_go.get(node)
        if need is None:
            return True  # this path can no longer resolve
        bound = best[0]
        return bound is not None and (seconds + need >= bound or bound == lower)

    def on_path(
        cell: Cell, seconds: int, se: float, ce: int, sa: float, ca: int, crit: int
    ) -> None:
        if graph.ending_of(cell[0][0]) != "resolved":
            return
        known = resolved_cell[0]
        if known is None or seconds < known[0]:
            resolved_cell[0] = (seconds, cell)
        bound = best[0]
        if (bound is None or seconds < bound) and competent(se, ce, sa, ca, pass_mark):
            best[0] = seconds
            best_cell[0] = cell

    result = walk(
        graph, table, on_path, limit=budget + 1, budget=budget, skip=critical, prune=prune
    )
    cell = best_cell[0]
    path = _witness(unwind(cell)) if cell is not None else best_path
    seconds = best[0]
    if seconds is None:
        found_any = resolved_cell[0]
        witness = None if found_any is None else unwind(found_any[1])
        return _resolved_par(graph, distances, proven_none=result.complete, witness=witness)
    if result.complete:
        return Par(seconds, "competent", True, path)
    floor = "" if lower is None else f" (it could be no faster than {lower} s)"
    return Par(
        seconds,
        "competent",
        False,
        path,
        f"{TOO_COMPLEX}: a competent path of this length exists; a faster one{floor} "
        "was not ruled out",
    )


def _seconds(graph: StateGraph, states: list[State], numbers: list[int]) -> int:
    nodes = graph.scenario.nodes
    return sum(
        nodes[g[0]].choices[n - 1].seconds for (g, _), n in zip(states, numbers, strict=False)
    )


def _resolved_par(
    graph: StateGraph,
    fastest: Distances | None,
    *,
    proven_none: bool,
    witness: tuple[list[State], list[int]] | None = None,
) -> Par:
    """Par by the fallback rule: the fastest resolved path, critical replies allowed.

    ``fastest`` is that search if the caller already ran it. ``proven_none``
    says no competent path exists; without it the rule is a fallback the
    budget forced, and the result says so. ``witness`` is a resolved path
    already found, used if this search runs out of budget too.
    """
    if fastest is None:
        fastest = Distances(graph)
    seconds = fastest.seconds("resolved")
    caveat = (
        ""
        if proven_none
        else f"{TOO_COMPLEX}: no competent resolved path was found, so the fastest resolved "
        "path set par (a slower competent one may exist)"
    )
    if seconds is not None:
        return Par(seconds, "resolved", proven_none, _witness(fastest.path_to("resolved")), caveat)
    if not fastest.cut:
        return Par(None, None, True)  # no resolved ending can be reached at all
    if witness is None:
        return Par(None, None, False, None, f"{TOO_COMPLEX}: no resolved path was found")
    return Par(
        _seconds(graph, *witness),
        "resolved",
        False,
        _witness(witness),
        f"{TOO_COMPLEX}: par is the length of a resolved path found, not proven fastest",
    )


def resolution_witness(
    graph: StateGraph, *, budget: int = PAR_SEARCH_BUDGET
) -> tuple[list[State], list[int]] | None:
    """Some feasible resolved path, found within ``budget`` work units, or None.

    For files too large to explore: a path dives to an ending long before a
    breadth-first exploration gets that deep. The strongest reply at every
    step is tried first (authors make that the way to a resolution), then a
    depth-first walk that cuts off paths which cannot resolve even with every
    condition open.
    """
    table = local_tables(graph.scenario)
    greedy = greedy_path(graph, table, None, True)
    if greedy is not None and graph.ending_of(greedy[0][-1][0]) == "resolved":
        return greedy
    to_go = bounds_to(graph, RESOLVED, {})
    found: list[Cell] = []

    def prune(state: State, seconds: int) -> bool:
        node = state[0][0]
        return node == WALKOUT or node not in to_go

    def on_path(
        cell: Cell, seconds: int, se: float, ce: int, sa: float, ca: int, crit: int
    ) -> None:
        found.append(cell)

    walk(graph, table, on_path, limit=1, budget=budget, prune=prune)
    return unwind(found[0]) if found else None


def par_details(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
) -> Par:
    """:func:`find_par` from a start state, exploring only what the searches visit."""
    graph = StateGraph(scenario, start=start, mood=mood, flags=flags, explore=False)
    return find_par(graph)


def par_for(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
) -> int | None:
    """Par in seconds from a start state (the scenario's own start by default).

    The one function ``run``, the TUI, the recorder and ``audit`` call; bounded
    and cheap, it never explores more than its searches need.
    """
    return par_details(scenario, start=start, mood=mood, flags=flags).seconds
