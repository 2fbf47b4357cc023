"""TUI figures: reply latency inside the app, and cold start against a bare Textual app.

Run: ``.venv/bin/python benchmarks/bench_tui.py [--replies 200] [--starts 10] [--only X]``.
Prints figures; it is not a test. The machine's load average is printed too:
on a shared machine every figure here grows with it.

Reply latency is timed inside the app (CONTRACTS.md "Measuring the TUI"): from
the reply key's handler (``ConversationScreen.action_reply``) to the end of the
next screen refresh (a ``call_after_refresh`` callback, which Textual runs once
the compositor has drawn the update). Pilot only delivers the keys; its own
~90 ms per key is not the figure. The scenario loops, so one recorded attempt
(committed to a temporary SQLite store, as a trainee's would be) takes every
reply and the transcript grows to two lines per reply. The main thread's CPU
time over the same span is printed beside it: the work itself, without the
waiting that other processes on the machine cause.

Cold start runs whole processes, alternating, each the median of ``--starts``:
``talkdown`` through the real CLI entry point (shipped scenarios, trainee from
the environment) until the picker lists the scenarios and has been drawn, and
a bare Textual app that exits on mount. Both run headless, so terminal I/O is
left out of both sides alike. The catalogue cache is warm (as on every start
but the first); a cold-cache start is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOP = ROOT / "tests" / "fixtures" / "tui_loop.yaml"

BARE = """
from textual.app import App

class Bare(App):
    def on_mount(self) -> None:
        self.exit()

Bare().run(headless=True)
"""

# The real entry point; the app leaves once the picker lists the catalogue and
# that frame has been drawn (everything already queued runs before the exit).
TALKDOWN = """
import sys
from textual.app import App
from simulator.tui import app as tui
from simulator.tui.screens import picker

shown = picker.PickerScreen._refilter

def ready(self):
    shown(self)
    if self.query_one("#scenarios").option_count:
        self.call_after_refresh(self.app.exit)

picker.PickerScreen._refilter = ready
tui.TalkdownApp.run = lambda self, **kw: App.run(self, headless=True)
sys.argv = ["talkdown"]
from simulator.cli import main
main()
"""


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


async def reply_latency(replies: int, home: Path) -> tuple[list[float], list[float]]:
    """Per reply: (wall ms, main-thread CPU ms) from the key handler to the refresh's end."""
    from simulator.tui.app import make_app
    from simulator.tui.screens.conversation import ConversationScreen

    folder = home / "loop"
    folder.mkdir()
    shutil.copy(LOOP, folder / LOOP.name)
    wall: list[float] = []
    cpu: list[float] = []
    cpu_at_key: list[float] = []
    handler = ConversationScreen.action_reply

    def timed(self: ConversationScreen, number: int) -> None:
        cpu_at_key.append(time.thread_time())
        handler(self, number)

    def probe(ms: float) -> None:
        wall.append(ms)
        cpu.append((time.thread_time() - cpu_at_key[-1]) * 1000)

    ConversationScreen.action_reply = timed  # type: ignore[method-assign]
    try:
        app = make_app(
            folder / LOOP.name, scenario_dirs=[folder], include_shipped=False,
            trainee="Bench", cohort="B", db=home / "bench.db", latency_probe=probe,
        )  # fmt: skip
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ConversationScreen)
            for _ in range(replies):
                await pilot.press("1")
            await pilot.pause()
            assert screen.conv.turn == replies
    finally:
        ConversationScreen.action_reply = handler  # type: ignore[method-assign]
    return wall, cpu


def run_process(code: str, env: dict[str, str]) -> float:
    """Seconds for one whole ``python -c code`` process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def cold_start(runs: int, home: Path) -> tuple[list[float], list[float], float]:
    """(talkdown seconds, bare seconds, talkdown with an empty catalogue cache)."""
    env = {**os.environ, "TALKDOWN_HOME": str(home / "start"), "TALKDOWN_TRAINEE": "Bench",
           "TALKDOWN_COHORT": "B"}  # fmt: skip
    env.pop("TALKDOWN_DB", None)
    run_process(BARE, env)  # .pyc files and the OS file cache, for both sides
    first = run_process(TALKDOWN, env)  # also fills the catalogue cache
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        ours.append(run_process(TALKDOWN, env))
        bare.append(run_process(BARE, env))
    return ours, bare, first


def catalogue_load() -> tuple[int, float, float]:
    """Shipped scenarios: how many, ms to validate them all, ms to read them from the cache."""
    from simulator.tui.catalog import load_catalog, shipped_dir

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "catalog.json"
        load_catalog([shipped_dir()])  # imports out of the way
        started = time.perf_counter()
        entries = load_catalog([shipped_dir()], cache=cache) or []
        validated = time.perf_counter()
        load_catalog([shipped_dir()], cache=cache, cached_only=True)
        cached = time.perf_counter()
    return len(entries), (validated - started) * 1000, (cached - validated) * 1000


def report_latency(replies: int, home: Path) -> None:
    """Drive the replies and print the latency figures."""
    wall, cpu = asyncio.run(reply_latency(replies, home))
    print(f"reply latency: key handler → end of the next refresh, {len(wall)} recorded replies "
          f"(transcript grows to {2 * len(wall)} lines)")  # fmt: skip
    print(f"  wall  p50 {percentile(wall, 50):6.2f} ms   p95 {percentile(wall, 95):6.2f} ms"
          f"   max {max(wall):6.2f} ms   (target p95 ≤ 16 ms)")  # fmt: skip
    print(f"  CPU   p50 {percentile(cpu, 50):6.2f} ms   p95 {percentile(cpu, 95):6.2f} ms"
          "   (main thread only)")  # fmt: skip
    print(f"  first 20 replies p95 {percentile(wall[:20], 95):.2f} ms, "
          f"last 20 p95 {percentile(wall[-20:], 95):.2f} ms")  # fmt: skip


def report_start(starts: int, home: Path) -> None:
    """Run the start-up processes and print the figures."""
    count, validate_ms, cached_ms = catalogue_load()
    print(f"catalogue: {count} shipped scenarios; validating all {validate_ms:.1f} ms, "
          f"from the cache {cached_ms:.1f} ms")  # fmt: skip
    ours, bare, first = cold_start(starts, home)
    o, b = statistics.median(ours), statistics.median(bare)
    print(f"cold start, whole processes, median of {starts} (min):")
    print(f"  talkdown → interactive picker    {o * 1000:6.0f} ms ({min(ours) * 1000:.0f})")
    print(f"  bare Textual app, exit on mount  {b * 1000:6.0f} ms ({min(bare) * 1000:.0f})")
    print(f"  ratio {o / b:.2f}×  (min/min {min(ours) / min(bare):.2f}×; target ≤ 1.5×)")
    print(f"  first start, empty catalogue cache: {first * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--only", choices=["latency", "start"], help="run one half only")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench_tui_") as tmp:
        home = Path(tmp)
        os.environ["TALKDOWN_HOME"] = str(home / "home")
        if args.only != "start":
            report_latency(args.replies, home)
        if args.only != "latency":
            report_start(args.starts, home)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
