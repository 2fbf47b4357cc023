"""Benchmark the authoring tools against the bare YAML parse (CONTRACTS.md targets).

Run:  python -m benchmarks.bench_authoring [--nodes 10000] [--repeat 3]

Everything is measured in the same run, best of ``--repeat``, in CPU seconds:

* the bare ``yaml.load(text, CSafeLoader)`` of the generated ``--nodes`` file;
* ``analyze()`` on the loaded scenario, as a ratio to that parse — without
  conditions (target ≤ 0.2×) and with conditions and flags (report the ratio
  and the states explored; target ≤ 1×);
* the diagram writers at 1k / 4k / 16k nodes, with the time ratio per 4× the
  nodes (linear: about 4).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import yaml

from benchmarks.generate import generate_scenario
from simulator.analysis import analyze
from simulator.diagram import to_dot, to_mermaid
from simulator.loader import load_bytes
from simulator.model import Scenario


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs and the last result.

    Times are this process's CPU seconds (``time.process_time``), so other
    work on a shared machine does not count; the garbage collector stays on.
    """
    best = float("inf")
    result = None
    for _ in range(repeat):
        t0 = time.process_time()
        result = func()
        best = min(best, time.process_time() - t0)
    return best, result


def build(nodes: int, *, conditions: bool) -> tuple[str, Scenario]:
    """Generated YAML text and the scenario loaded from it."""
    text = generate_scenario(nodes, conditions=conditions)
    loaded = load_bytes(text.encode("utf-8"), f"<generated {nodes}>")
    assert loaded.scenario is not None and not loaded.errors, loaded.errors[:3]
    return text, loaded.scenario


def bench_analysis(nodes: int, repeat: int) -> None:
    print(f"Analysis of a {nodes:,}-node scenario vs the bare parse (best of {repeat})")
    for conditions, target in ((False, 0.2), (True, 1.0)):
        text, scenario = build(nodes, conditions=conditions)
        parse, _ = best_of(repeat, partial(yaml.load, text, Loader=yaml.CSafeLoader))
        took, result = best_of(repeat, partial(analyze, scenario))
        ratio = took / parse
        label = "with conditions and flags" if conditions else "no conditions"
        verdict = "ok" if ratio <= target else "OVER TARGET"
        print(
            f"  {label:<26} file {len(text) / 1e6:5.1f} MB  parse {parse:6.3f} s  "
            f"analysis {took:6.3f} s  ratio {ratio:5.3f}× (target ≤ {target}×: {verdict})  "
            f"states {result.states:,}  paths {'' if result.path_count_exact else '≥ '}"
            f"{result.path_count:,}  exact best/worst: {result.exact}"
        )


def bench_diagrams(sizes: list[int], repeat: int) -> None:
    print(f"Diagram writers (best of {repeat}; linear ⇒ ~4× per 4× nodes)")
    previous: dict[str, float] = {}
    for size in sizes:
        _, scenario = build(size, conditions=True)
        cells = [f"  {size:>6,} nodes"]
        for name, writer in (("mermaid", to_mermaid), ("dot", to_dot)):
            took, text = best_of(repeat, partial(writer, scenario))
            step = f" ({took / previous[name]:4.2f}× prev)" if name in previous else " " * 13
            cells.append(f"{name} {took * 1000:8.1f} ms{step} {len(text) / 1e6:5.2f} MB")
            previous[name] = took
        print("   ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000, help="nodes for the analysis run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--sizes", default="1000,4000,16000", help="comma-separated diagram sizes")
    args = parser.parse_args()
    bench_analysis(args.nodes, args.repeat)
    bench_diagrams([int(s) for s in args.sizes.split(",")], args.repeat)


if __name__ == "__main__":
    main()
