"""Core benchmark: loading, validation, analysis, Machine build and choose().

Every figure is compared with a baseline measured in the same run: a bare
``yaml.load(text, CSafeLoader)`` of the same file. Run:

    python benchmarks/bench_core.py            # 1,000 and 10,000 nodes
    python benchmarks/bench_core.py 2000 8000  # other sizes

Targets (issue "Headless core"): load + validate ≤ 1.5× the bare parse;
analysis ≤ 0.2× the bare parse (CONTRACTS: with conditions and flags report
the ratio and states explored, ≤ 1× at 10,000 nodes); Machine build ≤ 50 ms
at 1,000 nodes; choose() ≤ 100 µs.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import generate_scenario
from simulator.analysis import analyze, explore
from simulator.engine import Conversation
from simulator.loader import load_bytes
from simulator.validate import graph_problems

try:
    from yaml import CSafeLoader as BareLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as BareLoader  # type: ignore[assignment]


def best_of(runs: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """Fastest wall time of ``runs`` calls, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def bench(nodes: int, conditions: bool, runs: int) -> None:
    text = generate_scenario(nodes, conditions=conditions)
    raw = text.encode()
    label = "conditions+flags" if conditions else "plain"
    bare, _ = best_of(runs, lambda: yaml.load(text, Loader=BareLoader))

    def load_and_validate() -> Any:
        result = load_bytes(raw, "generated.yaml")
        assert result.scenario is not None, result.problems[:3]
        graph_problems(result.scenario)
        return result.scenario

    ours, scenario = best_of(runs, load_and_validate)
    analysis_time, report = best_of(runs, lambda: analyze(scenario))
    graph = explore(scenario)
    build, _ = best_of(runs, lambda: Conversation(scenario))

    per_choose = _time_choose(scenario)

    print(
        f"\n{nodes:,} nodes, {label}: {len(raw) / 1e6:.1f} MB, "
        f"{graph.states:,} states in {len(graph.reach):,} groups"
    )
    print(f"  bare yaml.load (CSafeLoader) {bare * 1000:9.1f} ms   baseline")
    print(
        f"  load + validate              {ours * 1000:9.1f} ms   {ours / bare:5.2f}x  "
        f"(target <= 1.5x)"
    )
    target = "1.0x with conditions+flags" if conditions else "0.2x"
    print(
        f"  analysis (par, best/worst)   {analysis_time * 1000:9.1f} ms   "
        f"{analysis_time / bare:5.2f}x  (target <= {target}); exact={report.exact}, "
        f"paths {'=' if report.path_count_exact else '>='} {report.path_count:,}"
    )
    print(
        f"  Machine build                {build * 1000:9.1f} ms   (target <= 50 ms at 1,000 nodes)"
    )
    print(f"  choose()                     {per_choose * 1e6:9.1f} us   (target <= 100 us)")


def _time_choose(scenario: Any, samples: int = 3000) -> float:
    """Median time of one choose(), rebuilding the conversation outside the timing."""
    times = []
    conv = Conversation(scenario)
    for i in range(samples):
        if conv.finished:
            conv = Conversation(scenario)
        number = 1 + i % len(conv.choices)
        t0 = time.perf_counter()
        conv.choose(number, latency_ms=0.0)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1000, 10000]
    print(f"PyYAML C loader: {BareLoader.__name__ == 'CSafeLoader'}")
    for nodes in sizes:
        runs = 3 if nodes <= 2000 else 1
        for conditions in (False, True):
            bench(nodes, conditions, runs)


if __name__ == "__main__":
    main(sys.argv[1:])
