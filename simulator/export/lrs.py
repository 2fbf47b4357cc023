"""Send xAPI statements to a Learning Record Store (``export --lrs URL``).

Statements go to ``<URL>/statements`` in batches (``POST``, a JSON array) with
``X-Experience-API-Version: 1.0.3`` and HTTP basic auth from
``TALKDOWN_LRS_USER`` / ``TALKDOWN_LRS_PASSWORD`` when set. Only the standard
library is used.

What counts as stored, and what does not:

* A batch is stored only when the LRS answers ``200`` with a JSON array of
  exactly the statement ids sent (a single ``PUT`` only on ``204``/``200``).
  A ``200`` web page — a login or front page behind the wrong URL — is an
  error, never "sent".
* Redirects are never followed. A ``301``/``302`` to a ``POST`` would be
  re-sent by most clients as a ``GET`` (storing nothing) and could carry the
  credentials to another host; here it is an error naming the new location.
* 5xx answers, timeouts and connection errors are retried with exponential
  backoff; after the last try the send stops with `LrsError`. Any other
  refusal (4xx) stops at once with the LRS's own message.
* ``409 Conflict`` on a batch means some statement ids are already stored
  (statement ids are deterministic, so this is a re-send): that batch is then
  sent one statement at a time with ``PUT ?statementId=…``, counting the ones
  the LRS already has, so a half-finished earlier send can simply be repeated.

Time is bounded three ways: each request (connect, send, the whole answer)
within ``timeout_s`` — a watchdog shuts the socket when it is up, so a server
that drips one byte every few seconds is cut off too; each batch, retries and
backoff included, within ``batch_deadline_s``; the whole send within
``run_deadline_s``. Answers are read up to `MAX_ANSWER_BYTES`.

Credentials never appear in a message: user names and passwords in the URL
are refused, and any error text is scrubbed of the password and the
``Authorization`` token before it is shown.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final
from urllib.parse import urlencode, urlsplit, urlunsplit

XAPI_VERSION: Final = "1.0.3"
ENV_USER: Final = "TALKDOWN_LRS_USER"
ENV_PASSWORD: Final = "TALKDOWN_LRS_PASSWORD"
BATCH_SIZE: Final = 50
RETRIES: Final = 4
BACKOFF_S: Final = 0.5
#: One request, start to finish (connect, send, the whole answer).
TIMEOUT_S: Final = 20.0
#: Connecting (TCP and TLS) within this, and within the request's time left.
CONNECT_TIMEOUT_S: Final = 10.0
#: One batch, every try and wait included.
BATCH_DEADLINE_S: Final = 60.0
#: The whole send.
RUN_DEADLINE_S: Final = 30 * 60.0
#: The largest answer read; an LRS answers a batch with a list of ids.
MAX_ANSWER_BYTES: Final = 4 * 1024 * 1024
_MESSAGE_LIMIT: Final = 500


class LrsError(Exception):
    """The LRS refused the statements or could not be reached; the message says why."""


@dataclass(slots=True)
class LrsResult:
    """What a send achieved."""

    sent: int = 0  # statements the LRS accepted now
    already: int = 0  # statements the LRS already had (409 on a single PUT)
    requests: int = 0  # HTTP requests made, retries included


def credentials_from_env() -> tuple[str, str] | None:
    """(user, password) from the environment, or None when no user is set."""
    user = os.environ.get(ENV_USER)
    if not user:
        return None
    return user, os.environ.get(ENV_PASSWORD, "")


def redact(url: str) -> str:
    """*url* without any ``user:password@`` part, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def statements_endpoint(url: str) -> str:
    """``<url>/statements`` for an http(s) LRS base URL; ValueError otherwise."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError(f"'{redact(url)}' is not a URL of an LRS") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"'{redact(url)}' is not an http(s) URL of an LRS, like https://lrs.example/xapi"
        )
    if "@" in parts.netloc:
        raise ValueError(
            f"'{redact(url)}': put the LRS user and password in {ENV_USER} and {ENV_PASSWORD}, "
            "not in the URL (a URL ends up in shell history, logs and error messages)"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"'{url}': give the LRS endpoint without ?query or #fragment")
    return url.rstrip("/") + "/statements"


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _lrs_message(body: bytes) -> str:
    """The LRS's explanation from an error body (JSON ``message``/``error``, else text)."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error", "errorMessage", "detail"):
            if isinstance(data.get(key), str) and data[key].strip():
                text = data[key].strip()
                break
    text = " ".join(text.split())  # one line: a body cannot forge lines of output
    if len(text) > _MESSAGE_LIMIT:
        text = text[:_MESSAGE_LIMIT] + "…"
    return text or "(no message)"


def _looks_like_page(content_type: str, body: bytes) -> bool:
    return "html" in content_type.lower() or body.lstrip()[:1] == b"<"


# --------------------------------------------------------------------------- plumbing


class _Deadline:
    """Shuts the request's sockets down when its time is up.

    A socket timeout only bounds each wait for the next byte; shutting the
    socket down from a timer bounds the whole request, however slowly the
    server sends.
    """

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + max(seconds, 0.0)
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        return max(self.at - time.monotonic(), 0.001)

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: the 3xx reaches `LrsClient` as an HTTPError."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _TimedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, client: LrsClient) -> None:
        super().__init__()
        self._client = client

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._client._connection(http.client.HTTPConnection), req)


class _TimedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, client: LrsClient) -> None:
        super().__init__()
        self._client = client

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._client._connection(http.client.HTTPSConnection), req)


# --------------------------------------------------------------------------- the client


class LrsClient:
    """Posts statements to one LRS; see the module docstring for the rules."""

    def __init__(
        self,
        url: str,
        *,
        credentials: tuple[str, str] | None = None,
        batch_size: int = BATCH_SIZE,
        retries: int = RETRIES,
        backoff_s: float = BACKOFF_S,
        timeout_s: float = TIMEOUT_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        batch_deadline_s: float = BATCH_DEADLINE_S,
        run_deadline_s: float = RUN_DEADLINE_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = statements_endpoint(url)
        self.batch_size = max(1, batch_size)
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.batch_deadline_s = batch_deadline_s
        self.run_deadline_s = run_deadline_s
        self._sleep = sleep
        self._headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Experience-API-Version": XAPI_VERSION,
            "User-Agent": "talkdown",
        }
        self._secrets: list[str] = []
        if credentials is not None:
            token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
            self._secrets = [s for s in (token, credentials[1]) if len(s) >= 3]
        self._deadline: _Deadline | None = None
        # Proxies from *_proxy / no_proxy still apply (the default ProxyHandler).
        self._opener = urllib.request.build_opener(
            _NoRedirects(), _TimedHTTPHandler(self), _TimedHTTPSHandler(self)
        )

    def _connection(self, base: type[http.client.HTTPConnection]) -> Callable[..., Any]:
        """A connection factory whose sockets obey the current request's deadline."""
        deadline = self._deadline
        assert deadline is not None
        connect_timeout = self.connect_timeout_s

        def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            kwargs["timeout"] = min(connect_timeout, deadline.left())
            conn = base(host, **kwargs)

            def create(address: Any, timeout: Any = None, source: Any = None) -> socket.socket:
                sock = socket.create_connection(address, timeout, source)
                deadline.track(sock)  # before TLS: a dripping handshake is cut off too
                sock.settimeout(deadline.left())
                return sock

            conn._create_connection = create  # type: ignore[attr-defined]  # the socket hook
            return conn

        return make

    def _scrub(self, text: str) -> str:
        """*text* with the password and the auth token blanked out."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def send(
        self,
        statements: Iterable[dict[str, Any]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> LrsResult:
        """Send all *statements*, batch by batch; raise `LrsError` on refusal."""
        result = LrsResult()
        run_ends = time.monotonic() + self.run_deadline_s
        for batch in _batches(statements, self.batch_size):
            ends = min(time.monotonic() + self.batch_deadline_s, run_ends)
            try:
                if time.monotonic() >= run_ends:
                    raise LrsError("the run's time is up")
                if self._request("POST", self.endpoint, batch, result, ends) == 409:
                    self._one_by_one(batch, result, ends)
                else:
                    result.sent += len(batch)
            except LrsError:
                if time.monotonic() < run_ends:
                    raise
                raise LrsError(
                    f"stopped after {self.run_deadline_s:g} s with {result.sent} statements "
                    f"sent to {self.endpoint} — run the same export again to send the rest "
                    "(the LRS keeps each statement once)"
                ) from None
            if progress is not None:
                progress(len(batch))
        return result

    def _one_by_one(self, batch: list[dict[str, Any]], result: LrsResult, ends: float) -> None:
        for statement in batch:
            url = f"{self.endpoint}?{urlencode({'statementId': statement['id']})}"
            if self._request("PUT", url, statement, result, ends) == 409:
                result.already += 1
            else:
                result.sent += 1

    def _request(self, method: str, url: str, payload: Any, result: LrsResult, ends: float) -> int:
        """One request with retries until *ends*; the status of an accepted or 409 answer."""
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        delay = self.backoff_s
        problem = "no answer"
        tries = 0
        for attempt in range(self.retries + 1):
            left = ends - time.monotonic()
            if left <= 0:
                break
            tries += 1
            result.requests += 1
            outcome = self._once(method, url, data, payload, min(self.timeout_s, left))
            if isinstance(outcome, int):
                return outcome
            problem = outcome
            if attempt < self.retries and time.monotonic() + delay < ends:
                self._sleep(delay)
                delay *= 2
            else:
                break
        raise LrsError(
            self._scrub(
                f"could not send statements to {self.endpoint} after {tries} "
                f"tr{'y' if tries == 1 else 'ies'}; last error: {problem} — check that the "
                "LRS is up and reachable, then run the same export again"
            )
        )

    def _once(self, method: str, url: str, data: bytes, payload: Any, seconds: float) -> int | str:
        """One try: the status when accepted (or 409), else why it may be retried.

        Raises `LrsError` for answers that retrying cannot fix.
        """
        request = urllib.request.Request(url, data=data, method=method, headers=self._headers)
        deadline = self._deadline = _Deadline(seconds)
        try:
            with self._opener.open(request, timeout=seconds) as response:
                body = response.read(MAX_ANSWER_BYTES + 1)
                status = int(response.status)
                content_type = response.headers.get("Content-Type", "")
            if deadline.expired:
                return self._too_slow()
            return self._accepted(method, status, content_type, body, payload)
        except urllib.error.HTTPError as exc:
            if deadline.expired:
                return self._too_slow()
            return self._refused(exc)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # URLError wraps refused connections and DNS failures; a bare
            # OSError / TimeoutError can escape from the read itself.
            reason = getattr(exc, "reason", exc)
            if deadline.expired or isinstance(reason, TimeoutError):
                return self._too_slow()
            return self._scrub(str(reason) or type(exc).__name__)
        finally:
            deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> str:
        return (
            f"no complete answer in time (one request may take {self.timeout_s:g} s, "
            f"one batch {self.batch_deadline_s:g} s; see --lrs-timeout)"
        )

    def _refused(self, exc: urllib.error.HTTPError) -> int | str:
        body = exc.read(MAX_ANSWER_BYTES) if exc.fp is not None else b""
        if exc.code == 409:
            return 409
        if 300 <= exc.code < 400:
            location = exc.headers.get("Location", "") if exc.headers else ""
            where = f" to {redact(location)}" if location else ""
            raise LrsError(
                f"the LRS at {self.endpoint} answered with a redirect (HTTP {exc.code}){where}; "
                "nothing was sent there and your credentials were not passed on — if that "
                "address is the right LRS, give it to --lrs"
            )
        message = self._scrub(_lrs_message(body))
        if exc.code < 500:
            raise LrsError(
                f"the LRS at {self.endpoint} refused the statements "
                f"(HTTP {exc.code} {exc.reason}): {message}"
            )
        return f"HTTP {exc.code} {exc.reason}: {message}"

    def _accepted(
        self, method: str, status: int, content_type: str, body: bytes, payload: Any
    ) -> int:
        """*status* if the answer proves the statements were stored; else `LrsError`."""
        where = f"the LRS at {self.endpoint}"
        if len(body) > MAX_ANSWER_BYTES:
            raise LrsError(f"{where} answered with over {MAX_ANSWER_BYTES:,} bytes — not an LRS")
        if method == "PUT":
            if status in (200, 204):
                return status
            raise LrsError(f"{where} answered HTTP {status} to a PUT (expected 204)")
        if status != 200:
            raise LrsError(
                f"{where} answered HTTP {status}, not 200 with the ids of the statements; "
                "nothing is counted as sent — check the URL is the LRS's xAPI endpoint"
            )
        if _looks_like_page(content_type, body):
            raise LrsError(
                f"{where} answered with a web page ({content_type or 'HTML'}), not the ids of "
                "the statements — the URL probably leads to a login or front page; give "
                "--lrs the xAPI endpoint (often ending in /xapi or /data/xAPI)"
            )
        sent = [s.get("id") for s in payload if isinstance(s, dict)]
        if _ids(body) != _normal(sent):
            raise LrsError(
                f"{where} answered 200, but not with the ids of the {len(sent)} statements "
                "sent, so it did not store them as an xAPI LRS would — check --lrs"
            )
        return status


def _normal(ids: Iterable[Any]) -> list[str] | None:
    out = []
    for value in ids:
        try:
            out.append(str(uuid.UUID(str(value))))
        except ValueError:
            return None
    return sorted(out)


def _ids(body: bytes) -> list[str] | None:
    """The statement ids in a POST answer, sorted, or None when it is not a list of ids."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        return None
    return _normal(data)
