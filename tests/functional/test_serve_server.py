"""The classroom web server with stand-in sessions: the page, the cap, the log.

A stand-in session is a small Python process that waits for its first byte
of input (textual-serve's "quit" message, or a closed pipe) and exits, or
exits at once; talkdown itself plays through the server in
tests/functional/test_serve_browser.py.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")  # the [serve] extra (the test extra installs it)

from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from simulator.serve.server import ClassroomServer

WAITS = "exec " + shlex.join([sys.executable, "-c", "import sys; sys.stdin.buffer.read(1)"])
QUITS = "exec " + shlex.join([sys.executable, "-c", "pass"])


async def client_for(
    command: str, limit: int, said: list[str], environment: dict[str, str] | None = None
) -> tuple[TestClient, ClassroomServer]:  # type: ignore[type-arg]  # generic in aiohttp
    server = ClassroomServer(command, max_sessions=limit, say=said.append,
                             environment=environment)  # fmt: skip
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    return client, server


@pytest.fixture
async def said() -> AsyncIterator[list[str]]:
    yield []


async def until(check: object, seconds: float = 10.0) -> None:
    """Wait (bounded) until ``check()`` is true."""
    for _ in range(int(seconds / 0.05)):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_the_page_is_talkdowns_and_points_at_the_address_the_browser_used(
    said: list[str],
) -> None:
    client, _ = await client_for(WAITS, 2, said)
    try:
        response = await client.get("/?fontsize=99", headers={"Host": "trainer-pc:8000"})
        page = await response.text()
        assert response.status == 200
        assert "<title>talkdown</title>" in page
        assert 'data-session-websocket-url="ws://trainer-pc:8000/ws"' in page
        assert 'data-font-size="48"' in page  # clamped
        assert "fonts.googleapis" not in page  # nothing from the internet
        assert (await client.get("/static/js/textual.js")).status == 200
    finally:
        await client.close()


async def test_beyond_the_cap_a_browser_gets_the_full_page_until_a_place_frees(
    said: list[str],
) -> None:
    client, server = await client_for(WAITS, 1, said)
    try:
        first = await client.ws_connect("/ws?width=80&height=24")
        await until(lambda: server.places.in_use == 1)
        # A new page load: the full page, which retries by itself.
        for _ in range(3):
            full = await client.get("/")
            assert full.status == 503
            assert full.headers["Retry-After"] == "15"
            text = await full.text()
            assert "The classroom is full" in text
            assert "The only place on this talkdown server is in use." in text
            assert '<meta http-equiv="refresh" content="15"' in text
        # A page that loaded before the room filled: sent to the full page, not left hanging.
        late = await client.ws_connect("/ws?width=80&height=24")
        message = await asyncio.wait_for(late.receive(), 10)
        assert message.type == WSMsgType.TEXT
        assert json.loads(message.data) == ["open_url", {"url": "/", "new_tab": False}]
        assert (await asyncio.wait_for(late.receive(), 10)).type in (
            WSMsgType.CLOSE,
            WSMsgType.CLOSED,
        )
        assert server.places.in_use == 1
        # The trainer is told once that the room is full, not once per retry.
        assert sum("the classroom is full" in line for line in said) == 1
        await first.close()
        await until(lambda: server.places.in_use == 0)
        assert (await client.get("/")).status == 200
        assert said[-1] == "a place is free again; the 'classroom full' page was shown 4 " \
                           "time(s) meanwhile"  # fmt: skip
    finally:
        await client.close()


async def test_a_session_that_ends_by_itself_closes_its_page_and_frees_its_place(
    said: list[str],
) -> None:
    client, server = await client_for(QUITS, 1, said)
    try:
        ws = await client.ws_connect("/ws")
        message = await asyncio.wait_for(ws.receive(), 10)  # not a page waiting forever
        assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
        await until(lambda: server.places.in_use == 0)
        assert said[0] == "session 1 started (1 of 1 in use)"
        assert said[-1].startswith("session 1 ended after 0 min (0 of 1 in use)")
    finally:
        await client.close()


async def test_a_broken_browser_message_ends_that_session_only(said: list[str]) -> None:
    client, server = await client_for(WAITS, 2, said)
    try:
        good = await client.ws_connect("/ws")
        bad = await client.ws_connect("/ws")
        await until(lambda: server.places.in_use == 2)
        await bad.send_str('["resize", {"width": "wide"}]')  # no height: a KeyError inside
        closing = await asyncio.wait_for(bad.receive(), 10)  # its page is told
        assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
        await until(lambda: server.places.in_use == 1)
        assert "session 2 failed: KeyError" in said
        assert not good.closed
        await good.close()
        await until(lambda: server.places.in_use == 0)
    finally:
        await client.close()


async def test_a_session_that_will_not_quit_is_killed_and_its_place_freed(
    said: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.serve.server as server_module

    monkeypatch.setattr(server_module, "STOP_SECONDS", 0.5)
    deaf = "exec " + shlex.join([sys.executable, "-c", "import time; time.sleep(60)"])
    client, server = await client_for(deaf, 1, said)
    try:
        ws = await client.ws_connect("/ws")
        await until(lambda: server.places.in_use == 1)
        await ws.close()  # the browser leaves; the process ignores "quit"
        await until(lambda: server.places.in_use == 0, seconds=5)
        assert said[-1].startswith("session 1 ended")
    finally:
        await client.close()


async def test_every_session_gets_the_servers_environment(said: list[str], tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    code = f"import os; open({str(seen)!r}, 'w').write(os.environ['TALKDOWN_DB'])"
    command = "exec " + shlex.join([sys.executable, "-c", code])
    client, server = await client_for(command, 1, said, {"TALKDOWN_DB": "postgresql://h/db"})
    try:
        ws = await client.ws_connect("/ws")
        await asyncio.wait_for(ws.receive(), 10)  # it ends once it has written
        await until(lambda: server.places.in_use == 0)
        assert seen.read_text() == "postgresql://h/db"
    finally:
        await client.close()
