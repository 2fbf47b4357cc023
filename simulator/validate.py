"""Validation: the loader's structural checks plus graph facts over feasible paths."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from simulator.library import SCENARIO_SUFFIXES
from simulator.loader import LoadResult, read_file
from simulator.model import DEFAULT_MAX_BYTES, Scenario
from simulator.problems import Problem
from simulator.statespace import TOO_COMPLEX, StateGraph, explore, paused_gc


@dataclass(frozen=True, slots=True)
class FileReport:
    """The outcome of validating one file."""

    path: str
    scenario: Scenario | None
    problems: tuple[Problem, ...]
    #: The states validation explored (only when asked for): ``analyze`` reuses them.
    graph: StateGraph | None = None

    def failed(self, strict: bool = False) -> bool:
        """True when the file has errors (or, with ``strict``, any problem)."""
        if strict:
            return bool(self.problems)
        return any(p.severity == "error" for p in self.problems)


def graph_problems(scenario: Scenario) -> list[Problem]:
    """Reachability errors and authoring warnings for a well-formed scenario."""
    return check_graph(scenario)[0]


def check_graph(scenario: Scenario) -> tuple[list[Problem], StateGraph]:
    """:func:`graph_problems`, and the state graph it explored (for reuse by analysis).

    Exploration has a work budget. When a file has more states than that, the
    facts it could not prove (unreachable or stuck nodes, a reachable
    resolution) become one warning each: a valid file is never rejected
    because it is too large to check exactly.
    """
    with paused_gc():
        return _check_graph(scenario)


def _check_graph(scenario: Scenario) -> tuple[list[Problem], StateGraph]:
    path = scenario.source
    nodes = scenario.nodes
    out: list[Problem] = []
    start_line = nodes[scenario.start].line
    graph = explore(scenario)
    reach = graph.reachability()
    if not reach.complete:
        out.append(
            Problem(
                path,
                start_line,
                1,
                f"{TOO_COMPLEX}: the scenario has more than {reach.states:,} (node, mood, "
                "flags) states, so unreachable and stuck nodes were not checked",
                "fewer independent flags, or conditions on fewer of them, make it checkable",
                "warning",
                "too-many-states",
            )
        )
    resolves = "resolved" in reach.endings
    if not resolves and not reach.complete:
        from simulator.par import resolution_witness  # only large files need it

        resolves = resolution_witness(graph) is not None  # a path the budget hid
    if not resolves and not reach.complete:
        out.append(
            Problem(
                path,
                start_line,
                1,
                f"no resolved ending was found from start '{scenario.start}' within the "
                f"states explored ({TOO_COMPLEX}); it may still be reachable",
                "check a path that should resolve with 'talkdown run --choices ...'",
                "warning",
                "resolution-not-proven",
            )
        )
    elif not resolves:
        out.append(
            Problem(
                path,
                start_line,
                1,
                f"no resolved ending can be reached from start '{scenario.start}'",
                "add a route to an 'ending: resolved' node that a trainee can actually take "
                "(check conditions and walkout_at)",
                "error",
                "no-resolution",
            )
        )
    for node_id in reach.stuck_nodes:
        out.append(
            Problem(
                path,
                nodes[node_id].line,
                1,
                f"a trainee can reach node '{node_id}' and then never reach any ending",
                "give it a route that leads to an ending (check conditions and loops)",
                "error",
                "stuck",
            )
        )
    can_end = _nodes_that_can_end(scenario)
    for node in nodes.values():
        if node.id not in can_end and node.id not in reach.stuck_nodes:
            out.append(
                Problem(
                    path,
                    node.line,
                    1,
                    f"no ending can be reached from node '{node.id}'",
                    "add a route from it (or from where it leads) to an ending",
                    "error",
                    "stuck",
                )
            )
        if node.id not in reach.reachable_nodes and reach.complete:
            out.append(
                Problem(
                    path,
                    node.line,
                    1,
                    f"node '{node.id}' can never be reached from the start",
                    "route a reply to it, or delete it",
                    "warning",
                    "unreachable",
                )
            )
        if node.choices and len({(c.empathy, c.assertiveness, c.mood) for c in node.choices}) == 1:
            out.append(
                Problem(
                    path,
                    node.line,
                    1,
                    f"every reply at node '{node.id}' carries the same points and mood",
                    "make the better reply score better, or the decision teaches nothing",
                    "warning",
                    "flat-node",
                )
            )
        seen: dict[str, int] = {}
        for number, choice in enumerate(node.choices, 1):
            text = " ".join(choice.say.split()).casefold()
            if text in seen:
                out.append(
                    Problem(
                        path,
                        choice.line,
                        1,
                        f"reply {number} of node '{node.id}' has the same text as reply "
                        f"{seen[text]}",
                        "reword one of them",
                        "warning",
                        "duplicate-reply",
                    )
                )
            seen.setdefault(text, number)
            if not choice.feedback.strip():
                out.append(
                    Problem(
                        path,
                        choice.line,
                        1,
                        f"reply {number} of node '{node.id}' has no feedback",
                        "add 'feedback:' saying why this reply helps or hurts",
                        "warning",
                        "no-feedback",
                    )
                )
    return out, graph


def _nodes_that_can_end(scenario: Scenario) -> set[str]:
    """Nodes with some route (conditions ignored) to an ending node.

    Walkout is not counted: a node a trainee can only leave by enraging the
    customer is a trap, not an ending.
    """
    preds: dict[str, set[str]] = {}
    for node in scenario.nodes.values():
        for choice in node.choices:
            for r in choice.routes:
                preds.setdefault(r.goto, set()).add(node.id)
    found = {n.id for n in scenario.nodes.values() if n.is_ending}
    stack = list(found)
    while stack:
        for p in preds.get(stack.pop(), ()):
            if p not in found:
                found.add(p)
                stack.append(p)
    return found


def check_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    typed: bool = False,
    keep_graph: bool = False,
) -> FileReport:
    """Load ``path`` and run every check; never raises for a bad file.

    ``typed`` adds the typed-reply check (``validate --strict``): replies the
    default reply matcher cannot tell apart even when typed word for word.
    ``keep_graph`` keeps the explored states in the report (for ``analyze``);
    by default they are dropped, so a catalogue of reports stays small.
    """
    result: LoadResult = read_file(path, max_bytes=max_bytes)
    problems = list(result.problems)
    graph = None
    if result.scenario is not None and not result.errors:
        found, graph = check_graph(result.scenario)
        problems.extend(found)
        if typed:
            from simulator.matching import get_matcher  # only --strict pays for the matcher
            from simulator.matching.confusion import confusable_problems

            problems.extend(confusable_problems(result.scenario, get_matcher()))
    problems.sort(key=lambda p: (p.line, p.col, p.severity != "error"))
    scenario = result.scenario if not any(p.severity == "error" for p in problems) else None
    kept = graph if keep_graph and scenario is not None else None
    return FileReport(str(path), scenario, tuple(problems), kept)


def scenario_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Expand files and folders (recursively) into scenario files, sorted per folder."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file()
            )
        else:
            yield path
