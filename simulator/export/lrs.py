"""Send xAPI statements to a Learning Record Store (``export --lrs URL``).

Statements go to ``<URL>/statements`` in batches (``POST``, a JSON array) with
``X-Experience-API-Version: 1.0.3`` and HTTP basic auth from
``TALKDOWN_LRS_USER`` / ``TALKDOWN_LRS_PASSWORD`` when set. Only the standard
library is used.

* 5xx answers, timeouts and connection errors are retried with exponential
  backoff; after the last try the send stops with `LrsError`.
* Any other refusal (4xx) stops at once with `LrsError` carrying the LRS's own
  message (from its JSON body when it sends one).
* ``409 Conflict`` on a batch means some statement ids are already stored
  (statement ids are deterministic, so this is a re-send): that batch is then
  sent one statement at a time with ``PUT ?statementId=…``, counting the ones
  the LRS already has, so a half-finished earlier send can simply be repeated.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

XAPI_VERSION: Final = "1.0.3"
ENV_USER: Final = "TALKDOWN_LRS_USER"
ENV_PASSWORD: Final = "TALKDOWN_LRS_PASSWORD"
BATCH_SIZE: Final = 50
RETRIES: Final = 4
BACKOFF_S: Final = 0.5
TIMEOUT_S: Final = 30.0
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


def statements_endpoint(url: str) -> str:
    """``<url>/statements`` for an http(s) LRS base URL; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"'{url}' is not an http(s) URL of an LRS, like https://lrs.example/xapi")
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
    if len(text) > _MESSAGE_LIMIT:
        text = text[:_MESSAGE_LIMIT] + "…"
    return text or "(no message)"


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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = statements_endpoint(url)
        self.batch_size = max(1, batch_size)
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._sleep = sleep
        self._headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Experience-API-Version": XAPI_VERSION,
            "User-Agent": "talkdown",
        }
        if credentials is not None:
            token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._opener = urllib.request.build_opener()  # honours *_proxy / no_proxy

    def send(
        self,
        statements: Iterable[dict[str, Any]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> LrsResult:
        """Send all *statements*, batch by batch; raise `LrsError` on refusal."""
        result = LrsResult()
        for batch in _batches(statements, self.batch_size):
            if self._request("POST", self.endpoint, batch, result) == 409:
                self._one_by_one(batch, result)
            else:
                result.sent += len(batch)
            if progress is not None:
                progress(len(batch))
        return result

    def _one_by_one(self, batch: list[dict[str, Any]], result: LrsResult) -> None:
        for statement in batch:
            url = f"{self.endpoint}?{urlencode({'statementId': statement['id']})}"
            if self._request("PUT", url, statement, result) == 409:
                result.already += 1
            else:
                result.sent += 1

    def _request(self, method: str, url: str, payload: Any, result: LrsResult) -> int:
        """One request with retries; returns the status of a 2xx or 409 answer."""
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        delay = self.backoff_s
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=data, method=method, headers=self._headers)
            result.requests += 1
            try:
                with self._opener.open(request, timeout=self.timeout_s) as response:
                    response.read()
                    return int(response.status)
            except urllib.error.HTTPError as exc:
                body = exc.read() if exc.fp is not None else b""
                if exc.code == 409:
                    return 409
                if exc.code < 500:
                    raise LrsError(
                        f"the LRS at {self.endpoint} refused the statements "
                        f"(HTTP {exc.code} {exc.reason}): {_lrs_message(body)}"
                    ) from None
                problem = f"HTTP {exc.code} {exc.reason}: {_lrs_message(body)}"
            except (urllib.error.URLError, OSError) as exc:
                # URLError wraps refused connections and DNS failures; a bare
                # OSError / TimeoutError can escape from the read itself.
                problem = str(getattr(exc, "reason", exc)) or type(exc).__name__
            if attempt < self.retries:
                self._sleep(delay)
                delay *= 2
        raise LrsError(
            f"could not send statements to {self.endpoint} after {self.retries + 1} tries; "
            f"last error: {problem}"
        )
