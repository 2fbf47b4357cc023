"""Graph facts about a scenario over its *feasible* paths: what ``talkdown analyze`` reports.

The pieces live in smaller modules: the state space and its exploration
(:mod:`simulator.statespace`), shortest paths and walks over paths
(:mod:`simulator.paths`) and par (:mod:`simulator.par`). This module puts
them together: endings, par, path counts, best and worst scores, the expert
path, flat nodes and dead replies.

Every search has a work budget. Within it the answers are exact; beyond it
the analysis still finishes, gives real witness paths and honest ranges, and
its ``notes`` say what was not proven ("too complex to analyse exactly").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from scoring.points import overall_score, speed_score
from scoring.vocabulary import ENDINGS, SCORES
from simulator.model import Scenario
from simulator.par import PAR_SEARCH_BUDGET, Par, ParRule, find_par, par_details, par_for
from simulator.paths import (
    EPSILON,
    WALK_BUDGET,
    Cell,
    Distances,
    LocalTable,
    PathResult,
    Walk,
    critical_replies,
    greedy_path,
    local_tables,
    path_result,
    unwind,
    walk,
)
from simulator.statespace import (
    EXPLORE_BUDGET,
    TOO_COMPLEX,
    Group,
    Reachability,
    State,
    StateGraph,
    explore,
    paused_gc,
    positions,
    preimage,
    reachability,
    shift,
    step,
)

__all__ = [
    "PATH_LIMIT",
    "Analysis",
    "Par",
    "ParRule",
    "PathResult",
    "Reachability",
    "StateGraph",
    "analyze",
    "count_paths",
    "enumerate_paths",
    "explore",
    "find_par",
    "par_details",
    "par_for",
    "path_result",
    "preimage",
    "reachability",
    "shift",
]

PATH_LIMIT: Final = 100_000  # complete paths enumerated exactly (CONTRACTS.md)
COUNT_CAP: Final = 10**18  # path counts saturate here ("more than")
EXACT_COUNT_STATES: Final = 400_000  # above this, paths are counted by lower bounds only


@dataclass(slots=True)
class Analysis:
    """Everything ``talkdown analyze`` reports, feasible-path aware."""

    scenario_id: str
    start: str
    states: int
    complete: bool  # every reachable state was explored
    reachable_nodes: frozenset[str]
    unreachable_nodes: tuple[str, ...]
    stuck_nodes: tuple[str, ...]
    endings: dict[str, PathResult | None]  # fastest path to each ending kind
    endings_unknown: tuple[str, ...]  # kinds neither found nor proven unreachable
    par_seconds: int | None
    par_rule: ParRule | None  # which rule set par (None: no resolved path)
    par_exact: bool  # par proven fewest under its rule
    path_count: int
    path_count_exact: bool
    exact: bool  # best/worst/expert found by walking every feasible path
    best: dict[str, PathResult | None]
    worst: dict[str, PathResult | None]
    bounds: dict[str, dict[str, tuple[float, float] | None]]  # when not exact: ranges
    expert: PathResult | None
    flat_nodes: tuple[str, ...]
    dead_replies: tuple[tuple[str, int], ...]
    notes: tuple[str, ...] = ()  # what a budget stopped from being proven


# -- counting --------------------------------------------------------------------


def count_paths(
    graph: StateGraph, limit: int = PATH_LIMIT, budget: int = WALK_BUDGET
) -> tuple[int, bool]:
    """Number of complete feasible paths, and whether that number is exact.

    On a fully explored acyclic graph, cheap group-level lower bounds come
    first: if even the fewest paths any state could have exceed ``limit``, or
    the states are too many to count one by one, the answer is that lower
    bound (not exact). Otherwise every state's count is computed bottom up
    (saturating at ``COUNT_CAP``). With cycles (or a partly explored graph)
    paths are counted by a walk that stops after ``limit + 1`` paths or
    ``budget`` replies; the count is then a lower bound.
    """
    if graph.is_terminal(graph.start):
        return 1, True
    order = graph.topological() if graph.complete else None
    if order is None:
        result = walk(graph, local_tables(graph.scenario), _ignore, limit=limit, budget=budget)
        return result.paths, result.complete
    return _count_acyclic(graph, order, limit)


def _ignore(cell: Cell, seconds: int, se: float, ce: int, sa: float, ca: int, crit: int) -> None:
    """A walk callback that only lets the walk count."""


def _count_acyclic(graph: StateGraph, order: list[Group], limit: int) -> tuple[int, bool]:
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


def enumerate_paths(
    graph: StateGraph, limit: int, budget: int = WALK_BUDGET
) -> Iterator[tuple[list[State], list[int]]]:
    """Up to ``limit`` complete paths, depth first in reply order (see :func:`walk`)."""
    cells: list[Cell] = []

    def keep(cell: Cell, seconds: int, se: float, ce: int, sa: float, ca: int, crit: int) -> None:
        cells.append(cell)

    walk(graph, local_tables(graph.scenario), keep, limit=limit, budget=budget)
    for cell in cells[:limit]:
        yield unwind(cell)


# -- best, worst and the expert path ------------------------------------------------

Quick = tuple[float | None, float | None, float, float, int]  # e, a, speed, overall, seconds


def _quick_better(a: Quick, b: Quick | None, index: int, highest: bool) -> bool:
    """``a`` beats ``b`` on score ``index``: value, then fewer seconds; earlier paths win ties."""
    if b is None:
        return a[index] is not None
    va, vb = a[index], b[index]
    if va is None:
        return False
    if vb is None:
        return True
    if abs(va - vb) > EPSILON:
        return bool(va > vb) if highest else bool(va < vb)
    return a[4] < b[4]


@dataclass(slots=True)
class _Extremes:
    best: dict[str, PathResult | None]
    worst: dict[str, PathResult | None]
    expert: PathResult | None
    walk: Walk


def _extremes(
    graph: StateGraph, table: LocalTable, par: int | None, limit: int, budget: int
) -> _Extremes:
    """Best/worst per score and the expert path, walking every feasible path.

    Scores are kept as running sums along the walk and a path is remembered
    as its last cell, so each path costs one step per reply that differs from
    the one before. Paths are compared only once the walk has seen them all
    (so a file with too many paths costs no scoring), and only the winners
    are scored in full.
    """
    weights = graph.scenario.scoring.weights
    best_q: list[Quick | None] = [None] * 4
    worst_q: list[Quick | None] = [None] * 4
    best_c: list[Cell | None] = [None] * 4
    worst_c: list[Cell | None] = [None] * 4
    expert: list[tuple[Quick, Cell] | None] = [None]
    # Paths are only recorded while walking: if the walk stops early (too many
    # paths) nothing is scored, and scoring costs nothing on such files.
    records: list[tuple[Cell, int, float, int, float, int, int]] = []

    def on_path(cell: Cell, secs: int, se: float, ce: int, sa: float, ca: int, crit: int) -> None:
        records.append((cell, secs, se, ce, sa, ca, crit))

    result = walk(graph, table, on_path, limit=limit, budget=budget)
    if not result.complete:
        records.clear()
    for cell, secs, se, ce, sa, ca, crit in records:
        ending = graph.ending_of(cell[0][0])
        emp = 100.0 * se / ce if ce else None
        ass = 100.0 * sa / ca if ca else None
        speed = speed_score(ending, par, secs)
        quick: Quick = (emp, ass, speed, overall_score(emp, ass, speed, weights), secs)
        for i in range(4):
            if _quick_better(quick, best_q[i], i, True):
                best_q[i], best_c[i] = quick, cell
            if _quick_better(quick, worst_q[i], i, False):
                worst_q[i], worst_c[i] = quick, cell
        known = expert[0]
        if (
            ending == "resolved"
            and not crit
            and _quick_better(quick, None if known is None else known[0], 3, True)
        ):
            expert[0] = (quick, cell)
    built: dict[int, PathResult] = {}

    def build(cell: Cell | None) -> PathResult | None:
        if cell is None:
            return None
        if id(cell) not in built:
            built[id(cell)] = path_result(graph, *unwind(cell), par)
        return built[id(cell)]

    known = expert[0]
    return _Extremes(
        best={dim: build(best_c[i]) for i, dim in enumerate(SCORES)},
        worst={dim: build(worst_c[i]) for i, dim in enumerate(SCORES)},
        expert=None if known is None else build(known[1]),
        walk=result,
    )


def _expert_better(a: PathResult, b: PathResult | None) -> bool:
    """Highest overall; ties: fewer seconds, then lower reply numbers."""
    if b is None:
        return True
    if abs(a.scores.overall - b.scores.overall) > EPSILON:
        return a.scores.overall > b.scores.overall
    return (a.seconds, a.choices) < (b.seconds, b.choices)


# -- the analysis -----------------------------------------------------------------


def analyze(
    scenario: Scenario,
    *,
    start: str | None = None,
    mood: int | None = None,
    flags: Iterable[str] = (),
    path_limit: int = PATH_LIMIT,
    budget: int = EXPLORE_BUDGET,
    walk_budget: int = WALK_BUDGET,
    par_budget: int = PAR_SEARCH_BUDGET,
    graph: StateGraph | None = None,
) -> Analysis:
    """Full analysis from a start state: endings, par, best/worst, expert path.

    Pass the ``graph`` validation already explored (from the same start) to
    reuse it instead of exploring the states a second time.
    """
    with paused_gc():
        return _analyze(
            scenario, start, mood, flags, path_limit, budget, walk_budget, par_budget, graph
        )


def _analyze(
    scenario: Scenario,
    start: str | None,
    mood: int | None,
    flags: Iterable[str],
    path_limit: int,
    budget: int,
    walk_budget: int,
    par_budget: int,
    graph: StateGraph | None,
) -> Analysis:
    if graph is None:
        graph = explore(scenario, start=start, mood=mood, flags=flags, budget=budget)
    reach = graph.reachability()
    table = local_tables(scenario)
    notes: list[str] = []
    if not graph.complete:
        notes.append(
            f"{TOO_COMPLEX}: exploration stopped after {graph.states:,} states, so "
            "unreachable, stuck and dead replies are not proven"
        )
    # The fastest path to each ending kind, one search each: a search aimed at
    # one kind settles only states that could reach it sooner. Par's first
    # search is the resolved one when no reply is critical.
    searches = {kind: Distances(graph, stop_when=frozenset({kind})) for kind in ENDINGS}
    par = find_par(graph, table, budget=par_budget, distances=searches["resolved"])
    if par.note:
        notes.append(f"par: {par.note}")
    endings: dict[str, PathResult | None] = {}
    unknown: list[str] = []
    for kind, search in searches.items():
        found = search.path_to(kind)
        endings[kind] = path_result(graph, *found, par.seconds) if found else None
        if found is None and not search.exhausted:
            unknown.append(kind)  # the search ran out first: not proven unreachable

    order = graph.topological() if graph.complete else None
    extremes: _Extremes | None = None
    if order is not None and not graph.is_terminal(graph.start):
        count, count_exact = _count_acyclic(graph, order, path_limit)
        if count_exact and count <= path_limit:
            extremes = _extremes(graph, table, par.seconds, path_limit, walk_budget)
    else:
        extremes = _extremes(graph, table, par.seconds, path_limit, walk_budget)
        count, count_exact = extremes.walk.paths, extremes.walk.complete
    exact = extremes is not None and extremes.walk.complete
    if extremes is not None and exact:
        best, worst, expert = extremes.best, extremes.worst, extremes.expert
        bounds: dict[str, dict[str, tuple[float, float] | None]] = {}
    else:
        if count_exact and count <= path_limit:  # the walk, not the count, ran out
            count_exact = False
            notes.append(f"{TOO_COMPLEX}: the paths are too long to walk each one")
        best, worst, expert = _strong_and_weak(graph, table, par)
        bounds = _bounds(graph, table, best, worst)

    dead: list[tuple[str, int]] = []
    if graph.complete:
        dead = _dead_replies(graph, reach)
    flat = tuple(
        n.id
        for n in scenario.nodes.values()
        if n.choices and len({(c.empathy, c.assertiveness, c.mood) for c in n.choices}) == 1
    )
    return Analysis(
        scenario_id=scenario.id,
        start=graph.start[0],
        states=graph.states,
        complete=graph.complete,
        reachable_nodes=reach.reachable_nodes,
        unreachable_nodes=(
            tuple(n for n in scenario.nodes if n not in reach.reachable_nodes)
            if graph.complete
            else ()
        ),
        stuck_nodes=reach.stuck_nodes,
        endings=endings,
        endings_unknown=tuple(unknown),
        par_seconds=par.seconds,
        par_rule=par.rule,
        par_exact=par.exact,
        path_count=count,
        path_count_exact=count_exact,
        exact=exact,
        best=best,
        worst=worst,
        bounds=bounds,
        expert=expert,
        flat_nodes=flat,
        dead_replies=tuple(dead),
        notes=tuple(notes),
    )


def _strong_and_weak(
    graph: StateGraph, table: LocalTable, par: Par
) -> tuple[dict[str, PathResult | None], dict[str, PathResult | None], PathResult | None]:
    """Witness paths when there are too many paths to walk: greedy and par's own.

    The best is the greedy strongest path that keeps a resolution reachable;
    the expert the higher-scoring of the greedy strongest path without
    critical replies and par's witness (a competent path, when one was found).
    """
    critical = critical_replies(graph.scenario)
    can_resolve = graph.backward(frozenset({"resolved"})) if graph.complete else None
    strong = greedy_path(graph, table, can_resolve, True)
    best_path = None if strong is None else path_result(graph, *strong, par.seconds)
    best: dict[str, PathResult | None] = dict.fromkeys(SCORES, best_path)
    candidates: list[PathResult] = []
    safe_resolve = (
        graph.backward(frozenset({"resolved"}), skip=critical) if graph.complete else None
    )
    safe = greedy_path(graph, table, safe_resolve, True, skip=critical)
    if safe is not None:
        candidates.append(path_result(graph, *safe, par.seconds))
    if par.path is not None:
        candidates.append(path_result(graph, list(par.path[0]), list(par.path[1]), par.seconds))
    expert: PathResult | None = None
    for candidate in candidates:
        resolved_safely = candidate.ending == "resolved" and not candidate.critical
        if resolved_safely and _expert_better(candidate, expert):
            expert = candidate
    weak = greedy_path(graph, table, None, False)
    worst_path = None if weak is None else path_result(graph, *weak, par.seconds)
    return best, dict.fromkeys(SCORES, worst_path), expert


def _dead_replies(graph: StateGraph, reach: Reachability) -> list[tuple[str, int]]:
    """Replies (node, number) that lie on no feasible path to a resolved ending."""
    can_resolve = graph.backward(frozenset({"resolved"}))
    useful: set[tuple[str, int]] = set()
    for group, mask in graph.reach.items():
        for edge in graph.edges(group):
            ok = graph.before(graph.good_after(edge, can_resolve, False), edge) & mask
            if ok:
                useful.add((group[0], edge.number))
    dead: list[tuple[str, int]] = []
    for node in graph.scenario.nodes.values():
        if node.id in reach.reachable_nodes:
            dead.extend(
                (node.id, n) for n in range(1, len(node.choices) + 1) if (node.id, n) not in useful
            )
    return dead


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
    overall extremes are taken over both possibilities. On a partly explored
    graph every node counts as reachable, so the ranges stay sound.
    """
    if graph.complete:
        nodes = {group[0] for group in graph.reach if not graph.is_terminal(group)}
    else:
        nodes = set(graph.scenario.nodes)
    emp: list[float] = []
    ass: list[float] = []
    for node in nodes:
        for e, a, _ in table[node]:
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
