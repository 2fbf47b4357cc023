"""The classroom web server: textual-serve, with talkdown's page, a cap and a log.

textual-serve (the ``[serve]`` extra) gives the browser a terminal and starts
one process per browser (`simulator.serve.session`). On top of it:

* the page is talkdown's own (`templates/`): nothing is fetched from the
  internet, and its websocket address is the one the browser used to reach
  this computer, so it works when listening on every address (``0.0.0.0``);
* `Places` caps the sessions: a browser beyond the cap gets the "classroom
  full" page, which retries by itself (a page opened just before the room
  filled is sent there too);
* a session that ends by itself (quit, or a crash) closes its browser's
  connection, so the page says the session ended instead of freezing;
* the trainer's terminal gets one line per session started or ended, and
  the fixed messages below; nothing a trainee typed is ever printed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from simulator.serve.places import Places

TEMPLATES = Path(__file__).with_name("templates")
FULL_RETRY_SECONDS = 15  # how often the "classroom full" page tries again
HEARTBEAT_SECONDS = 15  # a closed laptop's session is noticed (and its place freed) this soon
STOP_SECONDS = 10  # a session asked to quit (the browser left, or ctrl+c) has this long
TITLE = "talkdown"

Say = Callable[[str], None]


class ClassroomSession(AppService):
    """One browser's talkdown process, which says when it has ended (``close``)."""

    #: Added to the process's environment (set by the server for all its sessions).
    extra_environment: Mapping[str, str] = {}

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return {**super()._build_environment(width, height), **self.extra_environment}

    async def stop(self) -> None:
        """Ask the process to quit and wait for it; kill it if it has not within `STOP_SECONDS`.

        Waiting for the process itself (not only its output) means it is reaped
        while the server's event loop runs, also when the server is stopping.
        """
        process = self._process
        task = self._task
        if task is not None and task.done():
            # Its output has ended: textual-serve would still write "quit" to its pipe,
            # and waiting for that write to drain can wait forever.
            self._task = None
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(super().stop(), STOP_SECONDS)
        if process is None:
            return
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:  # a session that hangs must not hold its place for ever
            process.kill()
            await process.wait()

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            # The process has gone (the trainee quit, or it failed): without this the
            # page would wait for output forever instead of saying the session ended.
            with contextlib.suppress(Exception):
                await self.remote_close()


class ClassroomServer(Server):
    """Serve ``command`` (one talkdown per browser) to at most ``max_sessions`` browsers."""

    def __init__(
        self,
        command: str,
        *,
        max_sessions: int,
        say: Say,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(command, title=TITLE, templates_path=TEMPLATES)
        self.places = Places(max_sessions)
        self.say = say
        # What every session's environment adds, e.g. a server URL as TALKDOWN_DB: not
        # on the session's command line, which every user of this computer can read.
        self.environment = dict(environment or {})
        self.started = 0  # sessions started since the server did

    # -- the web application --------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path),
                             autoescape=True)  # fmt: skip
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.static("/static", self.statics_path, name="static"),
        ])  # fmt: skip
        app.on_shutdown.append(self.on_shutdown)
        return app

    def run(self, sock: Any) -> None:
        """Serve on the already bound ``sock`` until ctrl+c (or SIGTERM)."""
        self.initialize_logging()  # textual-serve's own errors, if any, reach the terminal
        web.run_app(self._make_app(), sock=sock, access_log=None, print=None,
                    handle_signals=True, shutdown_timeout=10)  # fmt: skip

    async def on_shutdown(self, app: web.Application) -> None:
        if self.places.in_use:
            self.say(f"stopping: ending {self.places.in_use} session(s); calls under way "
                     "are saved and resume when the trainee enters the same name and "
                     "cohort")  # fmt: skip

    # -- the page -------------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The terminal page, or the "classroom full" page when every place is taken."""
        if self.places.full:
            self._turned_away()
            response = aiohttp_jinja2.render_template(
                "full.html", request,
                {"title": TITLE, "limit": self.places.limit, "retry_seconds": FULL_RETRY_SECONDS},
                status=503,
            )  # fmt: skip
            response.headers["Retry-After"] = str(FULL_RETRY_SECONDS)
            response.headers["Cache-Control"] = "no-store"
            return response
        scheme = "wss" if request.secure else "ws"
        context = {
            "title": TITLE,
            "static_url": "/static/",
            # The address the browser used (Host), not the one listened on: 0.0.0.0
            # is no address to connect to. Autoescaped into an attribute.
            "websocket_url": f"{scheme}://{request.host}/ws",
            "font_size": _font_size(request.query.get("fontsize", "")),
        }
        response = aiohttp_jinja2.render_template("classroom.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _turned_away(self) -> None:
        if self.places.refuse() == 1:  # once per full spell, not once per retry
            self.say(f"the classroom is full ({self.places.in_use} of {self.places.limit} "
                     "sessions): new browsers wait on a 'classroom full' page that retries "
                     f"every {FULL_RETRY_SECONDS} s (--max-sessions allows more)")  # fmt: skip

    # -- a session ------------------------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """Start a talkdown for this browser, if there is a place for it."""
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS)
        await websocket.prepare(request)
        if not self.places.take():
            # A page opened just before the room filled: send it to the full page.
            self._turned_away()
            with contextlib.suppress(Exception):
                await websocket.send_str(json.dumps(["open_url", {"url": "/", "new_tab": False}]))
                await websocket.close()
            return websocket
        self.started += 1
        number = self.started
        began = time.monotonic()
        self.say(f"session {number} started ({self.places.in_use} of {self.places.limit} in use)")
        session: ClassroomSession | None = None
        ended = asyncio.Event()

        async def ending() -> None:
            # The session's process has gone: wake the handler, which owns the websocket's
            # reading and so closes it (closing from here would race with that reading).
            ended.set()

        try:
            session = ClassroomSession(
                self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                close=ending, download_manager=self.download_manager,
            )  # fmt: skip
            session.extra_environment = self.environment
            width = _dimension(request.query.get("width", ""), 80)
            height = _dimension(request.query.get("height", ""), 24)
            await session.start(width, height)
            await _until_either(self._process_messages(websocket, session), ended.wait())
        except asyncio.CancelledError:  # the server is stopping
            pass
        except Exception as exc:  # a broken browser message must not take the server down
            self.say(f"session {number} failed: {type(exc).__name__}")
        finally:
            if session is not None:
                with contextlib.suppress(Exception):
                    await session.stop()
            self._ended(number, began)
            with contextlib.suppress(Exception):  # the page says the session ended
                await websocket.close()
        return websocket

    def _ended(self, number: int, began: float) -> None:
        """Free a session's place (its process has gone) and tell the trainer."""
        waited = self.places.give_back()
        minutes = (time.monotonic() - began) / 60
        self.say(f"session {number} ended after {minutes:.0f} min "
                 f"({self.places.in_use} of {self.places.limit} in use)")  # fmt: skip
        if waited:
            self.say(f"a place is free again; the 'classroom full' page was shown {waited} "
                     "time(s) meanwhile")  # fmt: skip


async def _until_either(first: Awaitable[object], second: Awaitable[object]) -> None:
    """Run both until one ends; cancel the other. The first's error, if any, is raised."""
    tasks = [asyncio.ensure_future(first), asyncio.ensure_future(second)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()


def _dimension(value: str, default: int) -> int:
    """A terminal width or height from the browser, within sane bounds."""
    try:
        number = int(value)
    except ValueError:
        return default
    return min(max(number, 10), 500)


def _font_size(value: str) -> int:
    """The page's ``?fontsize=`` (bigger for a projector), 8–48 px; 16 by default."""
    try:
        return min(max(int(value), 8), 48)
    except ValueError:
        return 16
