"""A trainee plays through `talkdown serve` in a real headless Chromium.

The distribution's Chromium (not one Playwright downloads) opens the page;
the keys are typed into the page's terminal, as a trainee would. What the
page shows is read from what the server sent it: xterm.js draws on a canvas,
so the test keeps its own copy of the screen, a pyte terminal of the page's
size fed the same bytes. The attempt is then looked for in the database file
with sqlite3, not through talkdown's store.

Skipped when Chromium or Playwright is missing (CI machines may lack Chromium).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from simulator.config import Config, save_config
from tests.helpers import fixture

pytest.importorskip("textual_serve")
sync_api = pytest.importorskip("playwright.sync_api")
pyte = pytest.importorskip("pyte")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian: chromium)")

# No network but this machine's, nothing started in the background, runs as root.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT = 60.0  # seconds; generous, for a busy 2-core machine (never a timing assertion)


class Served:
    """A running ``talkdown serve`` and what it has printed."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "serve", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,  # its own process group, to get ctrl+c as a terminal sends it
        )  # fmt: skip
        self.out: list[str] = []
        self.err: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=lambda s=stream, ls=lines: ls.extend(s), daemon=True).start()

    def url(self) -> str:
        """The address the server printed for trainees."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            for line in list(self.out):
                if match := re.search(r"Trainees open\s+(http://\S+/)", line):
                    return match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no address printed: {self.out} {self.err}")

    def interrupt(self) -> int:
        """ctrl+c in the server's terminal (SIGINT to its process group); the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout=WAIT)
        time.sleep(0.2)  # the reader threads reach the end of the output
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class PageScreen:
    """The page's terminal as text: a pyte screen fed what the server sends the page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        page.on("websocket", self._attach)

    def _attach(self, ws: Any) -> None:
        query = parse_qs(urlparse(ws.url).query)
        self.screen.resize(int(query["height"][0]), int(query["width"][0]))
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):  # terminal output (text frames are messages)
            self.stream.feed(payload)

    def _sent(self, payload: str | bytes) -> None:
        message = json.loads(payload) if isinstance(payload, str) else None
        if isinstance(message, list) and message[0] == "resize":
            self.screen.resize(message[1]["height"], message[1]["width"])

    def goto_and_wait(self, url: str, *texts: str) -> None:
        self.page.goto(url)
        self.wait_for_text(*texts)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def flat(self) -> str:
        """The screen with line wrapping and spacing undone."""
        return " ".join(self.text().split())

    def wait_for(self, check: Callable[[str], bool], what: str, seconds: float = WAIT) -> None:
        """Let the page run until ``check(flat text)`` holds (bounded)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check(self.flat()):
                return
            self.page.wait_for_timeout(100)  # Playwright delivers frames while it waits
        raise AssertionError(f"never saw {what}; the page shows:\n{self.text()}")

    def wait_for_text(self, *texts: str, seconds: float = WAIT) -> None:
        self.wait_for(lambda flat: all(t in flat for t in texts), " and ".join(texts), seconds)

    def reply(self, key: str, *then: str) -> None:
        """Press a reply key until the screen shows ``then`` (a few tries, bounded).

        A reply key counts once the app has noted that the turn's replies are drawn
        (safe keys); one arriving in the instant between the two is refused, as it
        would be for a trainee, who presses again.
        """
        for _ in range(4):
            self.page.keyboard.press(key)
            try:
                self.wait_for_text(*then, seconds=WAIT / 4)
                return
            except AssertionError:
                continue
        self.wait_for_text(*then, seconds=0)  # fails, showing the screen


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def attempts(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT t.name, t.cohort, t.email, a.uuid, a.scenario_id, a.status, a.ending, "
            "a.turns FROM attempts a JOIN trainees t ON t.id = a.trainee_id"
        ).fetchall()


def test_a_trainee_plays_in_the_browser_and_the_attempt_lands_in_the_store(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(fixture("tui_call.yaml"), folder / "tui_call.yaml")
    db = tmp_path / "classroom.db"
    # The serving machine's own trainee, remembered and in the environment: never used.
    save_config(Config(trainee="Pat Trainer", cohort="staff", email="pat@example.org"))
    monkeypatch.setenv("TALKDOWN_TRAINEE", "Pat Trainer")
    monkeypatch.setenv("TALKDOWN_COHORT", "staff")
    served = Served(["--port", "0", "--db", str(db), "--scenarios", str(folder)])
    try:
        url = served.url()
        assert url.startswith("http://127.0.0.1:")
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        screen = PageScreen(page)
        page.goto(url)
        # The picker, with the question of who is playing over it, nothing filled in.
        screen.wait_for_text("Welcome to talkdown", "The broken kettle", "e.g. Sam Doe")
        assert "Pat Trainer" not in screen.flat()
        page.click("#terminal")  # the terminal takes the keys
        page.keyboard.type("Ann Lee")
        # Tab, not Enter: Enter moves on after a message round trip, and keys typed at
        # Playwright's speed before then would still land in the name.
        page.keyboard.press("Tab")
        page.keyboard.type("spring")
        page.keyboard.press("Enter")
        screen.wait_for(lambda flat: "Welcome to talkdown" not in flat, "the picker alone")
        page.keyboard.type("kettle")  # the picker's filter
        screen.wait_for_text("1 of ")
        page.keyboard.press("Enter")
        # tui_call.yaml: opening reply 1, then fix reply 1, resolves the call.
        screen.wait_for_text("Alex Kim (customer):", "Your reply — press 1–3")
        screen.reply("1", "Can you just send a new one?", "Turn 2")
        screen.wait_for_text("Your reply — press 1–3")
        screen.reply("1", "Thursday is fine")

        deadline = time.monotonic() + WAIT
        while not (rows := attempts(db)) or rows[0][5] != "completed":
            assert time.monotonic() < deadline, f"the attempt never completed: {rows}"
            time.sleep(0.2)
        [(name, cohort, email, uuid, scenario, status, ending, turns)] = rows
        assert (name, cohort, email) == ("Ann Lee", "spring", None)
        assert (scenario, status, ending, turns) == ("tui-call", "completed", "resolved", 2)
        with sqlite3.connect(db) as conn:
            replies = conn.execute(
                "SELECT node, choice, say FROM choices WHERE attempt_uuid = ? ORDER BY seq",
                (uuid,),
            ).fetchall()
        assert replies == [
            ("opening", 1,
             "I'm sorry, that's really frustrating. Let me sort it out for you now."),
            ("fix", 1, "Yes, a replacement goes out today and arrives Thursday."),
        ]  # fmt: skip

        # Quitting ends the session, and the page says so (it does not freeze).
        page.keyboard.press("Escape")
        screen.wait_for_text("The broken kettle")
        page.keyboard.press("Control+q")
        page.wait_for_selector("text=This talkdown session has ended", timeout=WAIT * 1000)
        page.close()

        # ctrl+c with a trainee still connected: the session is ended, the page told.
        second = browser.new_page(viewport={"width": 1280, "height": 800})
        PageScreen(second).goto_and_wait(url, "Welcome to talkdown")
        code = served.interrupt()
        second.wait_for_selector("text=This talkdown session has ended", timeout=WAIT * 1000)
    finally:
        served.kill()
    out, err = "".join(served.out), "".join(served.err)
    assert code == 0, err
    assert "session 1 started" in out and "session 1 ended" in out
    assert "stopping: ending 1 session(s)" in out and "session 2 ended" in out
    assert out.rstrip().endswith("talkdown serve stopped.")
    assert err == ""  # no traceback, no warning
    assert "Ann Lee" not in out  # nothing a trainee typed is printed on the trainer's screen
