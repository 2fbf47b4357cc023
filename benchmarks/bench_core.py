"""Core benchmark: validation, analysis, Machine build and choose(), against the floor.

Every figure is compared with a baseline measured in the same run: the bare
``yaml.load(text, CSafeLoader)`` of the same file, with Python's cyclic
garbage collector off (talkdown's loader pauses it, so this is the floor) and
on (what a plain ``yaml.load`` costs a user). Files are validated through
:func:`simulator.validate.check_file` with the same size limit users hit: a
file over the 5 MiB default is read with ``--max-bytes`` raised to its size,
and the report says so.

Shapes, each at every size asked for:

* ``branching`` — the original generator: a wide DAG of three-reply nodes;
* ``flags`` — the same with mood and flag conditions and four flags;
* ``chain`` — one reply carries on, two end the call (2n + 1 paths);
* ``clique`` — 7-node cliques, every node linked to every other with ±1
  mood, left only once the mood is low enough (astronomically many paths).

Each timing is the best of ``--runs`` runs, and the baseline is re-measured
next to each file, so a busy machine slows both sides alike. With
``--process``, whole ``talkdown`` commands are also timed as processes (with
their peak memory), on these files and on the hostile files of issue 9, and
``talkdown run``'s start-up is split into imports and work.

Targets (issue 9): ``validate`` ≤ 1.5× the GC-off parse; ``analyze``
(reusing validation's exploration) ≤ 1× the parse on every shape at 10,000
nodes; memory ≤ 500 MB on any file the size limit admits; every command on
any file ≤ 5 MB finishes in ≤ 60 s or says it is too complex to analyse
exactly; Machine build ≤ 50 ms at 1,000 nodes; choose() ≤ 100 µs.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import chain_scenario, clique_scenario, flag_scenario, generate_scenario
from simulator.analysis import Analysis, analyze
from simulator.engine import Conversation
from simulator.model import DEFAULT_MAX_BYTES
from simulator.validate import FileReport, check_file

try:
    from yaml import CSafeLoader as BareLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as BareLoader  # type: ignore[assignment]

SHAPES: dict[str, Callable[[int], str]] = {
    "branching": lambda n: generate_scenario(n, conditions=False),
    "flags": lambda n: generate_scenario(n, conditions=True),
    "chain": chain_scenario,
    "clique": clique_scenario,
}
HOSTILE: dict[str, Callable[[], str]] = {
    "clique of 7": lambda: clique_scenario(7),
    "40 flags": lambda: flag_scenario(40),
    "24 flags": lambda: flag_scenario(24, promise_is_strongest=False),
}
MIB = 1024 * 1024
TALKDOWN = [sys.executable, "-m", "simulator"]


def best_of(runs: int, func: Callable[[], Any]) -> float:
    """Fastest wall time of ``runs`` calls of ``func``.

    What ``func`` returns is freed after the clock stops: tearing a result
    down is not part of building it, for the baseline or for talkdown.
    """
    times = []
    for _ in range(runs):
        gc.collect()  # no collection left over from the last run lands in this one
        start = time.perf_counter()
        kept = func()
        times.append(time.perf_counter() - start)
        del kept
    return min(times)


def parse(text: str, collect: bool) -> Any:
    """The bare parse: ``yaml.load`` with the C loader, the collector on or off."""
    was = gc.isenabled()
    if not collect:
        gc.disable()
    try:
        return yaml.load(text, Loader=BareLoader)
    finally:
        if was:
            gc.enable()


def limit_for(path: Path) -> tuple[int, str]:
    """The size limit a user would pass: the default, or the file's size with a note."""
    size = path.stat().st_size
    if size <= DEFAULT_MAX_BYTES:
        return DEFAULT_MAX_BYTES, ""
    return size, f" (over the 5 MiB default: measured with --max-bytes {size})"


def bench_file(shape: str, nodes: int, runs: int, folder: Path) -> None:
    text = SHAPES[shape](nodes)
    path = folder / f"{shape}-{nodes}.yaml"
    path.write_text(text, encoding="utf-8")
    max_bytes, note = limit_for(path)
    # Baselines and ours interleaved run by run, so load on the machine hits both.
    off = on = ours = analysis = float("inf")
    report: FileReport | None = None
    result: Analysis | None = None
    for _ in range(runs):
        off = min(off, best_of(1, lambda: parse(text, collect=False)))
        on = min(on, best_of(1, lambda: parse(text, collect=True)))
        report = result = None  # freeing the last run's objects is not part of this one
        gc.collect()
        start = time.perf_counter()
        fresh = check_file(path, max_bytes=max_bytes, keep_graph=True)
        ours = min(ours, time.perf_counter() - start)
        report = fresh
        assert report.scenario is not None, [str(p) for p in report.problems[:3]]
        gc.collect()
        start = time.perf_counter()
        analysed = analyze(report.scenario, graph=report.graph)
        analysis = min(analysis, time.perf_counter() - start)
        result = analysed
    assert report is not None and report.scenario is not None and result is not None
    graph = report.graph
    assert graph is not None
    print(f"\n{shape}, {nodes:,} nodes: {len(text) / MIB:.1f} MiB{note}")
    print(
        f"  {graph.states:,} states in {len(graph.reach):,} groups"
        + ("" if graph.complete else " (exploration stopped: too complex to analyse exactly)")
    )
    print(f"  bare parse, GC off           {off * 1000:9.1f} ms   the floor")
    print(f"  bare parse, GC on            {on * 1000:9.1f} ms   {on / off:5.2f}x the floor")
    print(
        f"  validate (read, load, check) {ours * 1000:9.1f} ms   {ours / off:5.2f}x GC off, "
        f"{ours / on:4.2f}x GC on  (target <= 1.5x GC off)"
    )
    proven = "proven" if result.par_exact else "not proven"
    par = f"par {result.par_seconds} s ({result.par_rule}, {proven})"
    print(
        f"  analyze (reusing validation) {analysis * 1000:9.1f} ms   {analysis / off:5.2f}x GC off "
        f"(target <= 1x at 10,000 nodes); exact={result.exact}, "
        f"paths {'=' if result.path_count_exact else '>='} {result.path_count:,}, {par}"
    )
    for line in result.notes:
        print(f"    note: {line}")
    if nodes <= 2000:
        build = best_of(runs, lambda: Conversation(report.scenario))  # type: ignore[arg-type]
        print(f"  Machine build                {build * 1000:9.1f} ms   (target <= 50 ms at 1,000)")
        print(f"  choose()                     {_time_choose(report.scenario) * 1e6:9.1f} us   "
              "(target <= 100 us)")  # fmt: skip


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


# -- whole processes -----------------------------------------------------------------


def child_env() -> dict[str, str]:
    """The environment for timed processes: bytecode caching on, as in an installed copy.

    (Some shells here set PYTHONDONTWRITEBYTECODE, which makes every run
    compile talkdown's modules again: about 25 ms a process that no user pays.)
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def peak_kib(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_process(args: Sequence[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak memory (MiB), exit status and output of one process.

    Peak memory is the child's own high-water mark, read from /proc while it
    runs (a forked child's rusage would report this benchmark's own size).
    """
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=child_env())
        peak = 0
        while proc.poll() is None:
            peak = max(peak, peak_kib(proc.pid))
            time.sleep(0.005)
        wall = time.perf_counter() - start
        out.seek(0)
        return wall, peak / 1024, proc.returncode, out.read()


def bench_processes(files: Sequence[tuple[str, Path]]) -> None:
    print("\nWhole commands as processes (wall time, peak memory; targets <= 60 s, <= 500 MB):")
    run_process([*TALKDOWN, "--version"])  # caches talkdown's bytecode first
    for label, path in files:
        max_bytes, note = limit_for(path)
        limit = [] if not note else ["--max-bytes", str(max_bytes)]
        floor = run_process(
            [sys.executable, "-c",
             "import gc, sys, yaml; gc.disable(); "
             "yaml.load(open(sys.argv[1], encoding='utf-8'), Loader=yaml.CSafeLoader)", str(path)]
        )  # fmt: skip
        print(f"  {label}{note}: bare parse process {floor[0]:.2f} s, {floor[1]:.0f} MiB")
        choices = ""
        for command in (["validate"], ["analyze"], ["analyze", "--format", "json"], ["run"]):
            if command == ["run"]:
                if not choices:
                    print("    talkdown run: no resolved path found to play")
                    continue
                command = ["run", "--choices", choices]
            wall, peak, code, out = run_process([*TALKDOWN, *command, str(path), *limit])
            if command[-1] == "json" and code == 0:
                found = json.loads(out).get("expert_path") or {}
                choices = ",".join(str(n) for n in found.get("choices", []))
            honest = " (says: too complex to analyse exactly)" if "too complex" in out else ""
            name = "run --choices <expert>" if command[0] == "run" else " ".join(command)
            print(f"    talkdown {name:22} {wall:6.2f} s  {wall / floor[0]:5.2f}x  "
                  f"{peak:6.0f} MiB  exit {code}{honest}")  # fmt: skip


def bench_run_startup() -> None:
    """``talkdown run`` on a shipped scenario: imports versus work (python -X importtime)."""
    args = ["run", "late-birthday-parcel", "--choices", "2,3,3,2,3,1,3"]
    bare = min(run_process([sys.executable, "-c", "pass"])[0] for _ in range(5))
    whole = min(run_process([*TALKDOWN, *args])[0] for _ in range(5))
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "simulator", *args],
        capture_output=True, text=True, check=False, env=child_env(),
    )  # fmt: skip
    imports = 0
    ours: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        imports += int(self_us)
        top = name.split(".")[0]
        ours[top] = ours.get(top, 0) + int(self_us)
    print("\ntalkdown run (late-birthday-parcel), best of 5 processes:")
    print(f"  whole process {whole * 1000:6.1f} ms; bare interpreter {bare * 1000:5.1f} ms; "
          f"imports {imports / 1000:5.1f} ms (python -X importtime, one run)")  # fmt: skip
    heaviest = sorted(ours.items(), key=lambda item: -item[1])[:8]
    print("  heaviest top-level packages: "
          + ", ".join(f"{name} {us / 1000:.1f} ms" for name, us in heaviest))  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Time talkdown's validation and analysis against a bare YAML parse.",
        epilog="Example: python benchmarks/bench_core.py 1000 4000 10000 --runs 3 --process",
    )
    parser.add_argument(
        "sizes", nargs="*", type=int, default=[1000, 4000, 10000],
        help="decision nodes per generated scenario (default: 1000 4000 10000)",
    )  # fmt: skip
    parser.add_argument(
        "--shapes", default=",".join(SHAPES),
        help=f"comma-separated shapes to run (default: {','.join(SHAPES)})",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="runs per timing; the best counts")
    parser.add_argument(
        "--process", action="store_true",
        help="also time whole talkdown commands as processes, with peak memory, on the "
        "largest files and the hostile files of issue 9, and split run's start-up",
    )  # fmt: skip
    args = parser.parse_args(argv)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        parser.error(f"unknown shape {unknown[0]!r}; choose from {', '.join(SHAPES)}")
    if args.runs < 1 or any(n < 1 for n in args.sizes):
        parser.error("sizes and --runs must be at least 1")
    print(f"PyYAML C loader: {BareLoader.__name__ == 'CSafeLoader'}; runs: {args.runs}")
    with tempfile.TemporaryDirectory(prefix="talkdown-bench-") as tmp:
        folder = Path(tmp)
        for nodes in args.sizes:
            for shape in shapes:
                bench_file(shape, nodes, args.runs, folder)
        if args.process:
            largest = max(args.sizes)
            files = [(f"{s}, {largest:,} nodes", folder / f"{s}-{largest}.yaml") for s in shapes]
            for label, make in HOSTILE.items():
                path = folder / f"hostile-{label.replace(' ', '-')}.yaml"
                path.write_text(make(), encoding="utf-8")
                files.append((f"hostile: {label}", path))
            bench_processes(files)
            bench_run_startup()


if __name__ == "__main__":
    main()
