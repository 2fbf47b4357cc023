"""Memory per classroom session of ``talkdown serve``, against a bare Textual app served alike.

Run: ``.venv/bin/python benchmarks/bench_serve.py [--sessions 1,5,10]`` (Linux: it reads /proc).
Prints figures; it is not a test.

Each browser of a classroom costs the serving machine one process (textual-serve
starts one per browser). Two servers are measured in turn, both our
``ClassroomServer`` on 127.0.0.1, so only what runs per session differs:

* talkdown: the real ``talkdown serve`` command (a temporary home, database
  and scenario folder); every session is a trainee in a call: name and cohort
  entered, the kettle scenario opened from the picker, one reply made (so the
  results store is open and the attempt recorded — checked in the database).
* bare: a bare Textual app (a title line, a filter box, a ten-row list beside
  a details pane and a footer, as benchmarks/bench_tui.py's baseline), served
  by a ``ClassroomServer`` with that app as the session command.

Sessions are opened by a websocket client speaking textual-serve's protocol,
as the page's script does (the browser's own memory is the trainee's, not the
server's), and read with a terminal emulator (pyte): after each key the client
waits until the session shows what it should. With 0, then N open sessions,
the benchmark sums the server's process tree: RSS (what ``top`` shows; pages shared between the
sessions, such as the Python binary, counted in each) and PSS (shared pages
split between the processes sharing them: what the sessions add up to in the
machine's memory). Per session: the tree's PSS growth from 0 sessions, over N.
The CPU time the sessions used to get there (start, then for talkdown the
steps into a call) is printed too, and the CPU they use while left alone for
`IDLE` seconds (a trainee reading; a focused text box's cursor still blinks).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pyte  # the test extra's terminal emulator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_tui import BARE  # noqa: E402

KETTLE = ROOT / "tests" / "fixtures" / "tui_call.yaml"
SETTLE = 2.0  # seconds for the last session's start-up work (and the store's) to finish
IDLE = 10.0  # seconds the open sessions are left alone, as trainees read, to time their CPU
STEP_TIMEOUT = 90.0  # seconds; a step slower than this is a failure, not a figure
SIZE = (100, 30)  # the terminal each client asks for

# The bare baseline's server: the same ClassroomServer, the bare app as each session.
BARE_SERVER = """
import shlex, sys
from simulator.serve.hosts import listen
from simulator.serve.server import ClassroomServer
listener = listen("127.0.0.1", 0)
print(f"Trainees open http://127.0.0.1:{listener.port}/", flush=True)
command = "exec " + shlex.join([sys.executable, "-c", sys.argv[1]])
ClassroomServer(command, max_sessions=100, say=lambda message: None).run(listener.sock)
"""


@dataclass(frozen=True, slots=True)
class Memory:
    """A process tree's memory, in MB."""

    processes: int
    rss: float
    pss: float
    cpu: float  # seconds of CPU the live processes have used


def _kib(path: str, field: str) -> int:
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:  # the process ended meanwhile
        pass
    return 0


def tree(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    # The name (field 2) may hold spaces and brackets; the parent follows it.
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found = [root]
    for pid in found:
        found += [child for child, parent in parents.items() if parent == pid]
    return found


def _cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def memory(root: int) -> Memory:
    pids = tree(root)
    rss = sum(_kib(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
    pss = sum(_kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
    return Memory(len(pids), rss / 1024, pss / 1024, sum(_cpu(pid) for pid in pids))


class Session:
    """One browser's websocket, and its screen as a terminal would show it (pyte)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.screen = pyte.Screen(*SIZE)
        self.stream = pyte.ByteStream(self.screen)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)

    async def shows(self, *texts: str, gone: str = "\0") -> None:
        """Wait until the screen shows every one of ``texts`` and not ``gone``."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            flat = " ".join(" ".join(self.screen.display).split())  # line wrapping undone
            if all(text in flat for text in texts) and gone not in flat:
                return
            if self.reader.done() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"a session never showed {texts}:\n" + "\n".join(self.screen.display)
                )
            await asyncio.sleep(0.1)

    async def keys(self, text: str) -> None:
        await self.ws.send_json(["stdin", text])

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def into_a_call(session: Session, number: int) -> None:
    """Name and cohort, the kettle from the picker, one reply: a trainee mid-call."""
    await session.shows("Welcome to talkdown")
    name = f"Bench {number}"
    await session.keys(name)
    await session.shows(name)
    await session.keys("\t")
    # Keys that arrive together reach the name field before tab has moved the focus
    # (Textual handles a binding after the keys already queued): a person's pause.
    await asyncio.sleep(0.5)
    await session.keys("classroom")
    await session.shows(name, "classroom", gone=f"{name}classroom")
    await session.keys("\r")
    await session.shows("Type to filter scenarios", gone="Welcome to talkdown")
    await session.keys("kettle")
    await session.shows("1 of ")
    await session.keys("\r")
    await session.shows("Your reply — press 1–3")
    # A reply key counts once the app has noted the replies are drawn (safe keys): one
    # arriving in the instant between is refused, and a trainee would press again.
    for _ in range(5):
        await session.keys("1")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.shows("Turn 2"), 10)
            return
    raise RuntimeError("a session never took its first reply")


def start(kind: str, home: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "TALKDOWN_HOME": str(home)}
    if kind == "talkdown":
        folder = home / "scenarios"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(KETTLE, folder / KETTLE.name)
        args = [sys.executable, "-m", "simulator", "serve", "--port", "0", "--max-sessions",
                "100", "--db", str(home / "bench.db"), "--scenarios", str(folder)]  # fmt: skip
    else:
        args = [sys.executable, "-c", BARE_SERVER, BARE]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env=env, start_new_session=True)  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.search(r"Trainees open\s+(http://\S+/)", line):
            return process, match.group(1)
    raise RuntimeError(f"the {kind} server did not start")


def in_a_call(db: Path) -> int:
    """Attempts with at least one reply recorded (one per talkdown session)."""
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM attempts WHERE uuid IN (SELECT attempt_uuid FROM choices)"
        ).fetchone()
    return int(count)


async def measure(
    kind: str, levels: list[int], home: Path, idles: dict[int, float]
) -> dict[int, Memory]:
    """The server tree's memory at 0 and each level of open sessions; ``idles`` gets the
    CPU (% of one core) per session while the sessions are left alone."""
    process, url = start(kind, home)
    figures: dict[int, Memory] = {}
    sessions: list[Session] = []
    try:
        await asyncio.sleep(2.0)  # the server's own start-up settles
        figures[0] = memory(process.pid)
        async with aiohttp.ClientSession() as client:
            for level in levels:
                while len(sessions) < level:
                    ws = await client.ws_connect(f"{url}ws?width={SIZE[0]}&height={SIZE[1]}")
                    session = Session(ws)
                    sessions.append(session)
                    if kind == "talkdown":
                        await into_a_call(session, len(sessions))
                    else:
                        await session.shows("10 of 10 items")
                await asyncio.sleep(SETTLE)
                if kind == "talkdown" and in_a_call(home / "bench.db") != level:
                    raise RuntimeError("not every session reached a call")
                figures[level] = memory(process.pid)
                now = figures[level]
                await asyncio.sleep(IDLE)
                idle = (memory(process.pid).cpu - now.cpu) / IDLE / level * 100
                idles[level] = idle
                print(f"  {kind:<8} {level:>3} open: {now.processes} processes, RSS "
                      f"{now.rss:7.1f} MB, PSS {now.pss:7.1f} MB, CPU {now.cpu:6.1f} s; "
                      f"left alone {idle:.1f}% of a core a session", flush=True)  # fmt: skip
            for session in sessions:
                await session.close()
    finally:
        os.killpg(process.pid, signal.SIGINT)  # ctrl+c, as the trainer stops it
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", default="1,5,10", help="open sessions to measure at")
    args = parser.parse_args()
    levels = sorted({int(n) for n in args.sessions.split(",")})
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    results: dict[str, dict[int, Memory]] = {}
    idles: dict[str, dict[int, float]] = {"bare": {}, "talkdown": {}}
    for kind in ("bare", "talkdown"):
        with tempfile.TemporaryDirectory(prefix=f"bench-serve-{kind}-") as home:
            results[kind] = asyncio.run(measure(kind, levels, Path(home), idles[kind]))
    print()
    print("MB per session (PSS growth from 0 open sessions, over N; RSS of one session alone)")
    print(f"{'open':>5}  {'bare PSS':>9}  {'talkdown PSS':>12}  {'ratio':>5}  "
          f"{'bare RSS':>9}  {'talkdown RSS':>12}")  # fmt: skip
    for level in levels:
        row = []
        for kind in ("bare", "talkdown"):
            base, now = results[kind][0], results[kind][level]
            sessions = now.processes - base.processes
            row.append(((now.pss - base.pss) / level, (now.rss - base.rss) / max(sessions, 1)))
        (bare_pss, bare_rss), (td_pss, td_rss) = row
        print(f"{level:>5}  {bare_pss:9.1f}  {td_pss:12.1f}  {td_pss / bare_pss:5.2f}  "
              f"{bare_rss:9.1f}  {td_rss:12.1f}")  # fmt: skip
    for kind in ("bare", "talkdown"):
        base, top = results[kind][0], results[kind][levels[-1]]
        cpu = (top.cpu - base.cpu) / levels[-1]
        print(f"{kind} server alone (0 sessions): RSS {base.rss:.1f} MB, PSS {base.pss:.1f} "
              f"MB; CPU per session to get there: {cpu:.2f} s; left alone: "
              f"{idles[kind][levels[-1]]:.1f}% of a core a session")  # fmt: skip


if __name__ == "__main__":
    main()
