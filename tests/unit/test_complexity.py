"""Validation and analysis grow linearly with scenario size (no quadratic blow-up).

Times are compared with each other, never with a wall-clock limit: 4× the
nodes must cost less than 6× the time (linear work gives about 4×). The
analysis is also checked by the work units its searches count, which does not
depend on how busy the machine is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from benchmarks.generate import chain_scenario, clique_scenario, generate_scenario
from simulator import paths
from simulator.analysis import analyze
from simulator.loader import load_bytes
from simulator.model import Scenario
from simulator.paths import Distances, Walk
from simulator.statespace import explore
from simulator.validate import graph_problems

SMALL, LARGE = 150, 600


def fastest(func: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def load(raw: bytes) -> Scenario:
    result = load_bytes(raw, "generated.yaml")
    assert result.scenario is not None, result.problems[:3]
    return result.scenario


@pytest.mark.parametrize("conditions", [False, True], ids=["plain", "conditions+flags"])
def test_load_and_validate_are_linear(conditions: bool) -> None:
    small = generate_scenario(SMALL, conditions=conditions).encode()
    large = generate_scenario(LARGE, conditions=conditions).encode()

    def check(raw: bytes) -> Callable[[], object]:
        return lambda: graph_problems(load(raw))

    ratio = fastest(check(large)) / fastest(check(small))
    assert ratio < 6, f"4x the nodes took {ratio:.1f}x the time"


@pytest.mark.parametrize("conditions", [False, True], ids=["plain", "conditions+flags"])
def test_analysis_is_linear(conditions: bool) -> None:
    small = load(generate_scenario(SMALL, conditions=conditions).encode())
    large = load(generate_scenario(LARGE, conditions=conditions).encode())
    ratio = fastest(lambda: analyze(large)) / fastest(lambda: analyze(small))
    assert ratio < 6, f"4x the nodes took {ratio:.1f}x the time"


def test_the_check_would_catch_quadratic_work() -> None:
    # A deliberately quadratic function over the same sizes fails the same bound,
    # so the bound is tight enough to mean something.
    def quadratic(n: int) -> Callable[[], object]:
        return lambda: sum(i ^ j for i in range(n) for j in range(n))

    ratio = fastest(quadratic(LARGE)) / fastest(quadratic(SMALL))
    assert ratio > 6


# -- work counted, not timed -------------------------------------------------------
#
# The searches report the work units they spend; on every shape 4× the nodes must
# cost less than 6× the work. Counting is exact, so this holds on a busy machine.


def analysis_work(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> int:
    """Work units spent exploring, searching and walking to analyse ``scenario``."""
    spent: list[int] = []
    real_walk = paths._walk
    real_search = Distances._search

    def walk(*args: object) -> Walk:
        result = real_walk(*args)  # type: ignore[arg-type]
        spent.append(result.work)
        return result

    def search(self: Distances, *args: object) -> None:
        real_search(self, *args)  # type: ignore[arg-type]
        spent.append(self.spent)

    monkeypatch.setattr(paths, "_walk", walk)
    monkeypatch.setattr(Distances, "_search", search)
    graph = explore(scenario)
    graph.reachability()
    analyze(scenario, graph=graph)
    monkeypatch.undo()
    return graph.spent + graph.edge_work + sum(spent)


@pytest.mark.parametrize("shape", ["branching", "chain", "clique"])
def test_analysis_work_is_linear_on_every_shape(
    shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make: dict[str, Callable[[int], str]] = {
        "branching": lambda n: generate_scenario(n, conditions=True),
        "chain": chain_scenario,
        "clique": clique_scenario,
    }
    small = analysis_work(load(make[shape](SMALL).encode()), monkeypatch)
    large = analysis_work(load(make[shape](LARGE).encode()), monkeypatch)
    assert small > 0
    assert large / small < 6, f"4x the nodes took {large / small:.1f}x the work"
