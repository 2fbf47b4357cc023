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

Typed-reply latency (say mode, the default ``ngram`` matcher, in the same run
as the picked replies above, its baseline): from the say box's Enter (when
its ``ReplyTyped`` message is made) to the end of the refresh that shows
"The customer hears: …", on a node of 9 replies with 5 paraphrases each (the
9 longest replies of the paraphrase set's tuning half, and its typed lines as
what is typed); each heard reply is then confirmed, and the node loops.

Start-up is timed to the first paint, as a trainee sees it: each process runs
in an 80×24 pseudo-terminal and the clock stops when its first screen has been
written to the terminal (the picker listing the scenarios). The baseline is a
bare Textual app that paints a comparable screen (title line, filter box, a
list beside a details pane, footer). talkdown starts as a returning trainee's
would: the ``talkdown`` script with no arguments, its files where platformdirs
puts them (under a temporary home), the name and cohort in the config file.
Runs alternate bare / warm / empty catalogue cache, ``--starts`` of each, and
the medians are compared. Our package is byte-compiled first, as an installed
package is (with bytecode writing off, an editable install would otherwise
recompile it in every process).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
LOOP = ROOT / "tests" / "fixtures" / "tui_loop.yaml"
PAINT_TIMEOUT = 20.0  # seconds; a start slower than this is a failure, not a figure

# The baseline: a bare Textual app that paints a screen comparable to the picker
# (a title line, a filter box, a ten-row list beside a details pane, a footer
# with four keys), with nothing of talkdown in it.
BARE = """
from textual.app import App
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Input, OptionList, Static

class Bare(App):
    BINDINGS = [Binding("enter", "quit", "Play"), Binding("escape", "quit", "Clear filter"),
                Binding("ctrl+t", "quit", "Trainer view"), Binding("f1", "quit", "Help")]
    CSS = "#title { dock: top; height: 1; } #body { height: 1fr; } #list { width: 3fr; }" \\
          " #details { width: 2fr; border: round $primary; }"

    def compose(self):
        yield Static("bare — 10 of 10 items", id="title")
        yield Input(placeholder="Type to filter")
        with Horizontal(id="body"):
            yield OptionList(*(f"Item {n}  ●●○○○   6 min  best 86" for n in range(10)), id="list")
            yield Static("Details of the highlighted item", id="details")
        yield Footer()

Bare().run()
"""

# The real entry point (the ``talkdown`` script), as the README's play command runs it.
TALKDOWN = "import sys; sys.argv = ['talkdown']; from simulator.start import main; main()"

# Painted: the picker lists the catalogue (its title line counts the scenarios),
# or the bare app's title line is on screen.
TALKDOWN_PAINTED = re.compile(rb"\d+ of \d+ scenarios")
# With an empty cache the first frame lists the files by name ("· checking 10…");
# this is the frame where the checked catalogue has replaced them.
TALKDOWN_CHECKED = re.compile(rb"of \d+ scenarios(?!.{1,6}checking)")
BARE_PAINTED = re.compile(rb"10 of 10 items")


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


LOOP_TURNS = 5000  # the typed-reply scenario ends after this many replies (more than any run)


def typed_scenario(folder: Path) -> tuple[Path, list[str]]:
    """A looping scenario whose one node offers 9 replies with 5 paraphrases each; lines to type."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_matcher import latency_node, load_half

    from simulator.terminal import dumps_json

    node, queries = latency_node(load_half("tuning"))
    lines = [
        "format: 1.1", "id: typed-loop", "title: Typed replies, looping",
        "summary: One node of nine replies that comes round again.", "difficulty: 1",
        "minutes: 1", "shuffle: false",
        "customer: {name: Robin, persona: Talks on and on., mood: 40}", "start: talk",
        "nodes:", "  talk:", "    customer: And another thing...", "    choices:",
    ]  # fmt: skip
    for choice in node.choices:
        lines += [
            f"      - say: {dumps_json(choice.say)}",
            f"        paraphrases: {dumps_json(list(choice.paraphrases))}",
            "        feedback: Noted.",
            # No points and no mood: the state space (what validation explores) is the
            # turn alone, so a long bench run never reaches the ending.
            f"        next: [{{if: turn >= {LOOP_TURNS}, goto: done}}, {{goto: talk}}]",
        ]
    lines += ["  done: {customer: Bye., ending: resolved}"]
    path = folder / "typed_loop.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, queries


async def typed_latency(replies: int, home: Path) -> tuple[list[float], list[float]]:
    """Per typed reply: (wall ms, main-thread CPU ms) from the say box's Enter to the refresh
    that shows what it was heard as."""
    from textual.widgets import Input

    from simulator.tui.app import make_app
    from simulator.tui.messages import ReplyTyped
    from simulator.tui.screens.conversation import ConversationScreen

    folder = home / "typed"
    folder.mkdir()
    path, queries = typed_scenario(folder)
    wall: list[float] = []
    cpu: list[float] = []
    entered: list[tuple[float, float]] = []
    make = ReplyTyped.__init__
    show = ConversationScreen._show_heard

    def typed(self: ReplyTyped, *args: Any, **kwargs: Any) -> None:
        entered.append((time.perf_counter(), time.thread_time()))  # Enter in the say box
        make(self, *args, **kwargs)

    def drawn(started: tuple[float, float]) -> None:
        wall.append((time.perf_counter() - started[0]) * 1000)
        cpu.append((time.thread_time() - started[1]) * 1000)

    def shown(self: ConversationScreen, found: Any) -> None:
        show(self, found)
        started = entered[-1]
        self.call_after_refresh(lambda: drawn(started))

    ReplyTyped.__init__ = typed  # type: ignore[method-assign]
    ConversationScreen._show_heard = shown  # type: ignore[method-assign]
    try:
        app = make_app(path, scenario_dirs=[folder], include_shipped=False, trainee="Bench",
                       cohort="B", db=home / "typed.db", say=True)  # fmt: skip
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(200):  # the call opens once the results store has
                await app.workers.wait_for_complete()
                await pilot.pause()
                screen = app.screen
                if isinstance(screen, ConversationScreen) and screen.saying:
                    break
            assert isinstance(screen, ConversationScreen) and screen.saying
            done = 0
            for text in (queries * (replies // len(queries) + 1))[:replies]:
                screen.query_one(Input).value = text  # typed: Pilot's keys are not the figure
                await pilot.press("enter")
                await pilot.pause()
                if screen.heard is not None and screen.heard.best is not None:
                    await pilot.press("enter")  # confirm what was heard; the node comes round
                    await pilot.pause()
                    done += 1
                elif screen.heard is not None:
                    await pilot.press("escape")  # not matched: rephrase (start again)
                    await pilot.pause()
            assert screen.conv.turn == done
    finally:
        ReplyTyped.__init__ = make  # type: ignore[method-assign]
        ConversationScreen._show_heard = show  # type: ignore[method-assign]
    return wall, cpu


class Start(NamedTuple):
    """One start: wall-clock seconds to the first paint, the CPU seconds spent, and (when
    asked for) seconds until a later screen was painted."""

    wall: float
    cpu: float
    later: float | None = None


def first_paint(
    code: str,
    env: dict[str, str],
    painted: re.Pattern[bytes],
    *,
    then: re.Pattern[bytes] | None = None,
    until: Callable[[], bool] | None = None,
) -> Start:
    """Seconds from spawning ``python -c code`` in an 80×24 pseudo-terminal to ``painted``.

    The process draws into a real pseudo-terminal (so terminal set-up and output
    are paid on both sides alike) and is killed once the marker has been written
    (or, with ``then``, once that later marker has been written too; with
    ``until``, once that holds). Its CPU time (user + system, all threads) is
    read when it is reaped, so it includes whatever ran up to the kill.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave, env=env,
        cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""
    wall = later = None
    try:
        while time.perf_counter() - started < PAINT_TIMEOUT:
            ready, _, _ = select.select([master], [], [], 0.02)
            if ready:
                try:
                    seen += os.read(master, 1 << 16)
                except OSError:  # the process has gone
                    break
            if wall is None:
                found = painted.search(seen)
                if found:
                    wall = time.perf_counter() - started
                    seen = seen[found.end() :]
            if wall is not None and then is not None and later is None and then.search(seen):
                later = time.perf_counter() - started
            if (
                wall is not None
                and (then is None or later is not None)
                and (until is None or until())
            ):
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = -signal.SIGKILL  # reaped here, not by Popen
        os.close(master)
    if wall is None or (then is not None and later is None):
        raise RuntimeError(f"never painted {painted.pattern!r}; the screen said: {seen[-400:]!r}")
    return Start(wall, usage.ru_utime + usage.ru_stime, later)


def start_times(runs: int, home: Path) -> dict[str, list[Start]]:
    """Seconds to first paint, alternating the three kinds of start, ``runs`` of each.

    Before each warm start the catalogue cache is made sure of (a start that
    runs until it has been written); each empty-cache start deletes it first. A
    further empty-cache start ("checked") runs on until the checked catalogue
    has replaced the file names, to time that too.
    """
    # A returning trainee, as on a real machine: talkdown's files where platformdirs puts
    # them (here under a temporary home), and the name and cohort remembered in the config.
    user = home / "user"
    env = {**os.environ, "TERM": "xterm-256color", "HOME": str(user),
           "XDG_CONFIG_HOME": str(user / ".config"), "XDG_DATA_HOME": str(user / ".local/share"),
           "XDG_CACHE_HOME": str(user / ".cache")}  # fmt: skip
    for var in ("TALKDOWN_HOME", "TALKDOWN_DB", "TALKDOWN_TRAINEE", "TALKDOWN_COHORT"):
        env.pop(var, None)
    config = user / ".config" / "talkdown" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('trainee = "Bench"\ncohort = "B"\n', encoding="utf-8")
    # Bytecode for our package too (site-packages has it already): with bytecode
    # writing off, an editable install would otherwise recompile it every start.
    compileall.compile_dir(ROOT / "simulator", quiet=1)
    compileall.compile_dir(ROOT / "scoring", quiet=1)
    cache = user / ".cache" / "talkdown" / "catalog.json"

    def warm_up() -> None:  # a start that stays until the catalogue cache is written
        if not cache.exists():
            first_paint(TALKDOWN, env, TALKDOWN_PAINTED, until=cache.exists)

    first_paint(BARE, env, BARE_PAINTED)  # the OS file cache, for both sides
    warm_up()
    times: dict[str, list[Start]] = {"bare": [], "warm": [], "empty cache": [], "checked": []}
    for _ in range(runs):
        times["bare"].append(first_paint(BARE, env, BARE_PAINTED))
        warm_up()
        times["warm"].append(first_paint(TALKDOWN, env, TALKDOWN_PAINTED))
        cache.unlink()
        times["empty cache"].append(first_paint(TALKDOWN, env, TALKDOWN_PAINTED))
        cache.unlink(missing_ok=True)
        times["checked"].append(first_paint(TALKDOWN, env, TALKDOWN_PAINTED, then=TALKDOWN_CHECKED))
    return times


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
    typed, typed_cpu = asyncio.run(typed_latency(replies, home))
    print(
        f"typed reply latency (say mode, ngram): Enter → end of the refresh showing what "
        f"the customer hears, {len(typed)} replies on a 9-reply node with paraphrases"
    )
    print(f"  wall  p50 {percentile(typed, 50):6.2f} ms   p95 {percentile(typed, 95):6.2f} ms"
          f"   max {max(typed):6.2f} ms   (target p95 ≤ 20 ms; picked replies above: "
          f"p95 {percentile(wall, 95):.2f} ms)")  # fmt: skip
    print(f"  CPU   p50 {percentile(typed_cpu, 50):6.2f} ms   p95 "
          f"{percentile(typed_cpu, 95):6.2f} ms   (main thread only; picked replies above: "
          f"p95 {percentile(cpu, 95):.2f} ms)")  # fmt: skip


def report_start(starts: int, home: Path) -> None:
    """Time the starts and print the figures."""
    count, validate_ms, cached_ms = catalogue_load()
    print(f"catalogue: {count} shipped scenarios; validating all {validate_ms:.1f} ms, "
          f"from the cache {cached_ms:.1f} ms")  # fmt: skip
    times = start_times(starts, home)
    bare = [statistics.median(t.wall for t in times["bare"]),
            statistics.median(t.cpu for t in times["bare"])]  # fmt: skip
    print(f"start to first paint in an 80×24 pseudo-terminal, median of {starts}:")
    print(f"  {'':<32} {'wall':>8} {'ratio':>6} {'CPU':>8} {'ratio':>6}")
    for kind, label, target in (
        ("bare", "bare app, comparable screen", ""),
        ("warm", "talkdown, warm start", "target ≤ 1.2×"),
        ("empty cache", "talkdown, empty catalogue cache", "target ≤ 1.4×"),
    ):
        wall = statistics.median(t.wall for t in times[kind])
        cpu = statistics.median(t.cpu for t in times[kind])
        print(f"  {label:<32} {wall * 1000:5.0f} ms {wall / bare[0]:5.2f}× "
              f"{cpu * 1000:5.0f} ms {cpu / bare[1]:5.2f}×  {target}")  # fmt: skip
    checked = statistics.median(t.later or 0.0 for t in times["checked"])
    print(
        f"  empty cache: every scenario checked and listed after {checked * 1000:.0f} ms "
        "(until then the list shows the files by name)"
    )


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
