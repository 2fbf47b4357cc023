"""``talkdown audit`` benchmark: the shipped library and generated scenarios.

Every figure is compared with a baseline measured in the same run:
``talkdown validate`` of the same files (load + every validation check), which
the audit does first anyway. Run:

    python benchmarks/bench_audit.py             # shipped library, 1,000 and 4,000 nodes
    python benchmarks/bench_audit.py 1000 10000  # other generated sizes

Target (issue 9): the whole shipped library audits in well under 30 s, with
policies played in-process (default 50 random runs per file).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import generate_scenario
from simulator.audit import audit_scenario
from simulator.library import shipped_dir
from simulator.model import DEFAULT_MAX_BYTES
from simulator.validate import check_file, scenario_files


def best_of(runs: int, func: Callable[[], Any]) -> float:
    """Fastest wall time of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def validate_all(files: Sequence[Path], max_bytes: int) -> None:
    for path in files:
        assert check_file(path, max_bytes=max_bytes).scenario is not None, path


def audit_all(files: Sequence[Path], max_bytes: int) -> None:
    for path in files:
        scenario = check_file(path, max_bytes=max_bytes).scenario
        assert scenario is not None, path
        audit_scenario(scenario, path=str(path))


def report(label: str, files: Sequence[Path], runs: int, max_bytes: int) -> None:
    base = best_of(runs, lambda: validate_all(files, max_bytes))
    ours = best_of(runs, lambda: audit_all(files, max_bytes))
    print(f"\n{label}")
    print(f"  validate (baseline)   {base * 1000:9.1f} ms")
    print(f"  audit, in-process     {ours * 1000:9.1f} ms   {ours / base:5.2f}x the validation")


def whole_process(paths: Sequence[Path]) -> tuple[float, float]:
    """Best wall time of ``talkdown validate`` and ``talkdown audit`` as separate processes."""

    def run(command: str) -> float:
        start = time.perf_counter()
        args = [sys.executable, "-m", "simulator", command, *map(str, paths)]
        subprocess.run(args, check=False, capture_output=True)
        return time.perf_counter() - start

    return min(run("validate") for _ in range(3)), min(run("audit") for _ in range(3))


def main(argv: list[str]) -> None:
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return
    sizes = [int(a) for a in argv] if argv else [1000, 4000]
    library = list(scenario_files([shipped_dir()]))
    limit = DEFAULT_MAX_BYTES
    report(f"shipped library: {len(library)} files", library, 3, limit)
    validate_s, audit_s = whole_process([shipped_dir()])
    print(f"  whole process: validate {validate_s:.2f} s, audit {audit_s:.2f} s (target < 30 s)")
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in sizes:
            path = Path(tmp) / f"generated-{nodes}.yaml"
            path.write_text(generate_scenario(nodes, conditions=True), encoding="utf-8")
            big = max(limit, path.stat().st_size + 1)  # the 10k file is over the default limit
            report(f"generated, {nodes:,} nodes (conditions + flags)", [path], 1, big)


if __name__ == "__main__":
    main(sys.argv[1:])
