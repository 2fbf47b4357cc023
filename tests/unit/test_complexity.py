"""Validation and analysis grow linearly with scenario size (no quadratic blow-up).

Times are compared with each other, never with a wall-clock limit: 4× the
nodes must cost less than 6× the time (linear work gives about 4×).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from benchmarks.generate import generate_scenario
from simulator.analysis import analyze
from simulator.loader import load_bytes
from simulator.model import Scenario
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
