"""TUI figures: reply latency inside the app, and cold start against a bare Textual app.

Run: ``.venv/bin/python benchmarks/bench_tui.py [--replies 200] [--starts 10]``.
Prints figures; it is not a test.

Reply latency is timed inside the app (CONTRACTS.md "Measuring the TUI"): from
the reply key's handler (``ConversationScreen.action_reply``) to the end of the
next screen refresh (a ``call_after_refresh`` callback, which Textual runs after
the compositor has drawn the update). Pilot only delivers the keys; its own
~90 ms per key is not the figure. The scenario loops, so one attempt takes
every reply (recorded to a temporary SQLite store, as a trainee's would be) and
the transcript grows to 400 lines.

Cold start runs whole processes, alternating: ``talkdown`` (the real CLI entry,
shipped scenarios, until the picker lists them and has refreshed) and a bare
Textual app that exits on mount. Both run headless, so terminal I/O is left out
of both sides equally.
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

# The real entry point; the app leaves as soon as the picker shows the catalogue.
TALKDOWN = """
import sys
from textual.app import App
from simulator.tui import app as tui

loaded = tui.TalkdownApp._catalog_loaded

def ready(self, entries):
    loaded(self, entries)
    assert self.picker.query_one("#scenarios").option_count == len(entries) > 0
    self.call_after_refresh(self.exit)

tui.TalkdownApp._catalog_loaded = ready
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


async def reply_latency(replies: int, home: Path) -> list[float]:
    """Milliseconds from each reply's key handler to the end of the refresh that shows it."""
    from simulator.tui.app import make_app
    from simulator.tui.screens.conversation import ConversationScreen

    folder = home / "loop"
    folder.mkdir()
    shutil.copy(LOOP, folder / LOOP.name)
    samples: list[float] = []
    app = make_app(
        folder / LOOP.name, scenario_dirs=[folder], include_shipped=False,
        trainee="Bench", cohort="B", db=home / "bench.db", latency_probe=samples.append,
    )  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ConversationScreen)
        for _ in range(replies):
            await pilot.press("1")
        await pilot.pause()
        assert app.screen.conv.turn == replies  # type: ignore[attr-defined]
    return samples


def run_process(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def cold_start(runs: int, home: Path) -> tuple[list[float], list[float]]:
    """Seconds per whole process: (talkdown to an interactive picker, bare Textual app)."""
    env = {**os.environ, "TALKDOWN_HOME": str(home / "start"), "TALKDOWN_TRAINEE": "Bench",
           "TALKDOWN_COHORT": "B"}  # fmt: skip
    env.pop("TALKDOWN_DB", None)
    run_process(TALKDOWN, env)  # warm the OS file cache and .pyc files for both sides
    run_process(BARE, env)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        ours.append(run_process(TALKDOWN, env))
        bare.append(run_process(BARE, env))
    return ours, bare


def catalogue_load() -> tuple[int, float]:
    """How many shipped scenarios there are and how long validating them all takes (ms)."""
    from simulator.library import shipped_dir
    from simulator.tui.catalog import load_catalog

    load_catalog([shipped_dir()])  # imports and caches out of the way
    started = time.perf_counter()
    entries = load_catalog([shipped_dir()])
    return len(entries), (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--starts", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_tui_") as tmp:
        home = Path(tmp)
        os.environ["TALKDOWN_HOME"] = str(home / "home")
        samples = asyncio.run(reply_latency(args.replies, home))
        first, last = samples[:20], samples[-20:]
        print(f"reply latency, key handler → end of next refresh ({len(samples)} replies, "
              "recorded, transcript growing to "
              f"{2 * len(samples)} lines):")  # fmt: skip
        print(f"  p50 {percentile(samples, 50):6.2f} ms   p95 {percentile(samples, 95):6.2f} ms"
              f"   max {max(samples):6.2f} ms   (target p95 ≤ 16 ms)")  # fmt: skip
        print(f"  first 20 replies p95 {percentile(first, 95):.2f} ms; "
              f"last 20 p95 {percentile(last, 95):.2f} ms")  # fmt: skip
        count, ms = catalogue_load()
        print(f"catalogue: validating {count} shipped scenarios takes {ms:.1f} ms "
              "(in a worker thread at start-up)")  # fmt: skip
        ours, bare = cold_start(args.starts, home)
        o, b = statistics.median(ours), statistics.median(bare)
        print(f"cold start, whole process, median of {args.starts} (min):")
        print(f"  talkdown → interactive picker  {o * 1000:6.0f} ms ({min(ours) * 1000:.0f})")
        print(f"  bare Textual app, exit on mount {b * 1000:6.0f} ms ({min(bare) * 1000:.0f})")
        print(f"  ratio {o / b:.2f}×   (target ≤ 1.5×)")


if __name__ == "__main__":
    main()
