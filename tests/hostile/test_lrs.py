"""A hostile or broken LRS: redirects, login pages, wrong answers, slow servers, leaks.

Servers run on 127.0.0.1: a scripted HTTP server, and raw sockets for the
ones that misbehave below HTTP (dripping bytes, never answering). Times are
only compared with the server's own pace: a dripping answer would take 30 s,
so stopping within a few seconds shows the deadline cut it off.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.export.lrs import LrsClient, LrsError
from tests.hostile.helpers import PAYLOAD, assert_inert

PASSWORD = "s3cret-pass"
TOKEN = base64.b64encode(f"trainer:{PASSWORD}".encode()).decode()
Answer = Callable[[BaseHTTPRequestHandler, bytes], None]


class Server:
    """An HTTP server on 127.0.0.1 whose answer is a function; it records every request."""

    def __init__(self, answer: Answer) -> None:
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                owner.requests.append({"method": self.command, "path": self.path,
                                       "headers": dict(self.headers.items())})  # fmt: skip
                answer(self, body)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/xapi"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], Server]]:
    servers: list[Server] = []

    def start(answer: Answer) -> Server:
        servers.append(Server(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def reply(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"",
          content_type: str = "application/json", **headers: str) -> None:  # fmt: skip
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def statements(n: int) -> list[dict[str, Any]]:
    return [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"s{i}"))} for i in range(n)]


def client(url: str, **kwargs: Any) -> LrsClient:
    kwargs.setdefault("sleep", lambda _: None)
    kwargs.setdefault("credentials", ("trainer", PASSWORD))
    return LrsClient(url, **kwargs)


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_and_credentials_go_nowhere(
    serve: Callable[[Answer], Server], status: int
) -> None:
    elsewhere = serve(lambda h, body: reply(h, 200, json.dumps([]).encode()))
    lrs = serve(lambda h, body: reply(h, status, Location=f"{elsewhere.url}/statements"))
    with pytest.raises(LrsError) as caught:
        client(lrs.url).send(statements(2))
    message = str(caught.value)
    assert f"redirect (HTTP {status}) to {elsewhere.url}/statements" in message
    assert "nothing was sent there" in message
    assert elsewhere.requests == []  # not followed: no GET, no credentials
    assert len(lrs.requests) == 1  # and not retried


def test_the_cli_reports_a_redirect_and_fails(
    serve: Callable[[Answer], Server], sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lrs = serve(lambda h, body: reply(h, 302, Location="https://login.example/sso"))
    monkeypatch.setenv("TALKDOWN_LRS_USER", "trainer")
    monkeypatch.setenv("TALKDOWN_LRS_PASSWORD", PASSWORD)
    result = CliRunner().invoke(
        cli, ["export", "--format", "xapi", "--db", str(sample_db), "--lrs", lrs.url]
    )
    assert result.exit_code == 1
    assert "redirect (HTTP 302) to https://login.example/sso" in result.stderr
    assert "statements for" not in result.stderr  # never "sent N statements for M attempts"
    assert PASSWORD not in result.output and TOKEN not in result.output


# --------------------------------------------------------------------------- what counts as stored


def test_a_login_page_with_200_is_not_success(serve: Callable[[Answer], Server]) -> None:
    page = b"<!doctype html><html><body><form>Sign in</form></body></html>"
    lrs = serve(lambda h, body: reply(h, 200, page, "text/html; charset=utf-8"))
    with pytest.raises(LrsError, match=r"answered with a web page .*login or front page"):
        client(lrs.url).send(statements(3))


@pytest.mark.parametrize(
    ("status", "answer", "why"),
    [
        (200, [], "not with the ids"),
        (200, {"ok": True}, "not with the ids"),
        (200, "not json", "not with the ids"),
        (201, None, "answered HTTP 201, not 200"),
        (202, None, "answered HTTP 202, not 200"),
    ],
)
def test_only_200_with_the_ids_sent_counts(
    serve: Callable[[Answer], Server], status: int, answer: Any, why: str
) -> None:
    data = b"" if answer is None else json.dumps(answer).encode()
    lrs = serve(lambda h, body: reply(h, status, data))
    with pytest.raises(LrsError, match=why):
        client(lrs.url).send(statements(3))


def test_the_ids_may_come_back_in_any_case_or_order(serve: Callable[[Answer], Server]) -> None:
    def answer(h: BaseHTTPRequestHandler, body: bytes) -> None:
        ids = [s["id"].upper() for s in json.loads(body)][::-1]
        reply(h, 200, json.dumps(ids).encode())

    result = client(serve(answer).url).send(statements(3))
    assert result.sent == 3


# --------------------------------------------------------------------------- slow servers


class RawServer:
    """A TCP server on 127.0.0.1 that reads a request, then runs *behave* on the socket."""

    def __init__(self, behave: Callable[[socket.socket], None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/xapi"
        self.connections = 0

        def loop() -> None:
            while True:
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    return
                self.connections += 1
                threading.Thread(target=self._one, args=(conn, behave), daemon=True).start()

        threading.Thread(target=loop, daemon=True).start()

    @staticmethod
    def _one(conn: socket.socket, behave: Callable[[socket.socket], None]) -> None:
        with conn:
            try:
                conn.recv(65536)
                behave(conn)
            except OSError:
                pass


def drip(conn: socket.socket) -> None:
    """A complete, valid-looking answer, one byte every 0.3 s (about 30 s in all)."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n" + b"[" + b" " * 58 + b"]":
        conn.send(bytes([byte]))
        time.sleep(0.3)


def hang(conn: socket.socket) -> None:
    time.sleep(30)


@pytest.mark.parametrize("behave", [drip, hang], ids=["drip-feeding", "never answering"])
def test_a_slow_server_is_cut_off_at_the_batch_deadline(
    behave: Callable[[socket.socket], None],
) -> None:
    server = RawServer(behave)
    started = time.monotonic()
    with pytest.raises(LrsError, match=r"no complete answer in time \(one request may take 0.5 s"):
        client(server.url, timeout_s=0.5, batch_deadline_s=1.5, sleep=time.sleep).send(
            statements(1)
        )
    took = time.monotonic() - started
    assert took < 10, took  # the server alone would take 30 s
    assert 1 <= server.connections <= 3  # retried, but only within the batch deadline


def test_the_run_deadline_stops_a_long_send(serve: Callable[[Answer], Server]) -> None:
    def slow_ok(h: BaseHTTPRequestHandler, body: bytes) -> None:
        time.sleep(0.3)
        reply(h, 200, json.dumps([s["id"] for s in json.loads(body)]).encode())

    lrs = serve(slow_ok)
    with pytest.raises(LrsError, match=r"stopped after 0.5 s with \d statements sent") as caught:
        client(lrs.url, batch_size=1, run_deadline_s=0.5).send(statements(10))
    assert "run the same export again" in str(caught.value)
    assert len(lrs.requests) < 10


# --------------------------------------------------------------------------- secrets and escapes


def test_credentials_in_the_url_are_refused_and_never_printed(sample_db: Path) -> None:
    url = f"https://trainer:{PASSWORD}@lrs.example/xapi"
    result = CliRunner().invoke(
        cli, ["export", "--format", "xapi", "--db", str(sample_db), "--lrs", url]
    )
    assert result.exit_code == 2
    assert "TALKDOWN_LRS_USER" in result.stderr and "***@lrs.example" in result.stderr
    assert PASSWORD not in result.output and "trainer:" not in result.output


def test_an_echoed_password_or_token_is_scrubbed(serve: Callable[[Answer], Server]) -> None:
    def echo_back(h: BaseHTTPRequestHandler, body: bytes) -> None:
        text = f"bad request: Authorization: {h.headers['Authorization']} ({PASSWORD})"
        reply(h, 400, json.dumps({"message": text}).encode())

    with pytest.raises(LrsError) as caught:
        client(serve(echo_back).url).send(statements(1))
    message = str(caught.value)
    assert "Authorization: Basic ***" in message
    assert PASSWORD not in message and TOKEN not in message


def test_an_lrs_error_body_is_shown_not_emitted(
    serve: Callable[[Answer], Server], sample_db: Path
) -> None:
    body = json.dumps({"message": f"nope {PAYLOAD}\nforged: line"}).encode()
    lrs = serve(lambda h, _: reply(h, 400, body))
    result = CliRunner().invoke(
        cli, ["export", "--format", "xapi", "--db", str(sample_db), "--lrs", lrs.url]
    )
    assert result.exit_code == 1
    assert_inert(result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1  # the body cannot forge a second line
