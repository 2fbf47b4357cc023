"""xAPI statements: required fields and types, determinism, and the LRS client.

The LRS is a local ``http.server`` on 127.0.0.1 in a thread, answering from a
script; every request it gets is recorded. Nothing ever leaves the machine.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.export.lrs import LrsClient, LrsError, statements_endpoint
from simulator.export.sample import sample_uuid
from simulator.export.xapi import ADL, XapiOptions, iso_duration, statement_id

IRI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s]+$", re.IGNORECASE)
DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKDOWN_HOME", str(tmp_path / "home"))
    for name in ("TALKDOWN_DB", "TALKDOWN_LRS_USER", "TALKDOWN_LRS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    # The local LRS must be reached directly, never through a proxy.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def statements(db: Path, *extra: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["export", "--format", "xapi", "--db", str(db), *extra])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


# --------------------------------------------------------------------------- statements


def check_statement(s: dict[str, Any]) -> None:
    """The xAPI 1.0.3 rules the export promises (a subset of the spec's MUSTs)."""
    assert str(uuid.UUID(s["id"])) == s["id"]
    actor = s["actor"]
    assert actor["objectType"] == "Agent" and isinstance(actor["name"], str)
    assert sum(key in actor for key in IFIS) == 1, actor
    if "mbox" in actor:
        assert re.fullmatch(r"mailto:[^@\s]+@[^@\s]+", actor["mbox"])
    else:
        assert IRI.match(actor["account"]["homePage"])
        assert isinstance(actor["account"]["name"], str) and actor["account"]["name"]
    verb = s["verb"]
    assert IRI.match(verb["id"]) and verb["id"].startswith(ADL)
    assert verb["display"] and all(isinstance(v, str) for v in verb["display"].values())
    obj = s["object"]
    assert obj["objectType"] == "Activity" and IRI.match(obj["id"]), obj["id"]
    assert " " not in obj["id"]
    result = s.get("result", {})
    if "score" in result:
        score = result["score"]
        assert -1 <= score["scaled"] <= 1
        assert score["min"] <= score["raw"] <= score["max"]
    if "duration" in result:
        assert DURATION.match(result["duration"]), result["duration"]
    for key in result.get("extensions", {}):
        assert IRI.match(key)
    for flag in ("success", "completion"):
        assert flag not in result or isinstance(result[flag], bool)
    context = s["context"]
    assert str(uuid.UUID(context["registration"])) == context["registration"]
    assert TIMESTAMP.match(s["timestamp"]) and datetime.fromisoformat(s["timestamp"])


def test_every_statement_is_well_formed(sample_db: Path) -> None:
    got = statements(sample_db)
    for s in got:
        check_statement(s)
    assert len({s["id"] for s in got}) == len(got)  # ids unique


def test_verbs_per_attempt(sample_db: Path) -> None:
    got = statements(sample_db)
    verbs = [s["verb"]["id"].removeprefix(ADL) for s in got]
    assert verbs.count("attempted") == 7
    assert verbs.count("answered") == 16
    assert verbs.count("completed") == 5
    assert verbs.count("passed") == 3 and verbs.count("failed") == 2
    first = [s for s in got if s["context"]["registration"] == sample_uuid(1)]
    assert [s["verb"]["display"]["en-US"] for s in first] == [
        "attempted", "answered", "answered", "answered", "completed", "passed",
    ]  # fmt: skip
    abandoned = [s for s in got if s["context"]["registration"] == sample_uuid(7)]
    assert [s["verb"]["display"]["en-US"] for s in abandoned] == ["attempted", "answered"]


def test_results_and_extensions(sample_db: Path) -> None:
    got = statements(sample_db)
    passed = next(s for s in got if s["verb"]["id"] == ADL + "passed")
    result = passed["result"]
    assert result["score"] == {"scaled": 95.83333333333333 / 100, "raw": 95.83333333333333,
                               "min": 0, "max": 100}  # fmt: skip
    assert result["success"] is True and result["completion"] is True
    assert result["duration"] == "PT29.50S"
    ext = result["extensions"]
    assert ext["https://talkdown.invalid/ext/empathy"] == 100.0
    assert ext["https://talkdown.invalid/ext/assertiveness"] == 87.5
    assert ext["https://talkdown.invalid/ext/speed"] == 100.0
    failed = next(s for s in got if s["context"]["registration"] == sample_uuid(4)
                  and s["verb"]["id"] == ADL + "failed")  # fmt: skip
    assert failed["result"]["success"] is False
    # empathy was not assessed in attempt 4: left out, not null
    assert "https://talkdown.invalid/ext/empathy" not in failed["result"]["extensions"]
    assert failed["result"]["extensions"]["https://talkdown.invalid/ext/outcome"] == (
        "Passed to a supervisor with no notes."
    )


def test_critical_replies_fail_their_statement_and_the_attempt(sample_db: Path) -> None:
    got = [s for s in statements(sample_db) if s["context"]["registration"] == sample_uuid(2)]
    answered = [s for s in got if s["verb"]["id"] == ADL + "answered"]
    reason = "told the customer the parcel was delivered; tracking says not"
    assert [s["result"].get("success") for s in answered] == [None, None, False]
    assert answered[2]["result"]["extensions"]["https://talkdown.invalid/ext/critical"] == reason
    failed = next(s for s in got if s["verb"]["id"] == ADL + "failed")
    assert failed["result"]["extensions"]["https://talkdown.invalid/ext/critical"] == [
        {"node": "angry", "choice": 2, "reason": reason}
    ]


def test_shown_position_rides_along_with_the_authored_reply(sample_db: Path) -> None:
    got = [s for s in statements(sample_db) if s["context"]["registration"] == sample_uuid(3)]
    answered = [s for s in got if s["verb"]["id"] == ADL + "answered"]
    assert [s["object"]["id"].rsplit("/", 1)[1] for s in answered] == ["1", "1"]
    assert [s["result"]["extensions"]["https://talkdown.invalid/ext/shown"] for s in answered] == [
        3, 1,
    ]  # fmt: skip


def test_actor_ifi(sample_db: Path) -> None:
    got = statements(sample_db, "--home-page", "https://lms.example")
    by_name = {s["actor"]["name"]: s["actor"] for s in got}
    assert by_name["Ann Lee"]["mbox"] == "mailto:ann@example.com"
    assert by_name["Bo Chen"]["account"] == {"homePage": "https://lms.example",
                                             "name": "2024-spring/Bo Chen"}  # fmt: skip


def test_object_iris_under_the_base(sample_db: Path) -> None:
    got = statements(sample_db, "--iri-base", "https://academy.example/xapi")
    ids = {s["object"]["id"] for s in got}
    assert "https://academy.example/xapi/scenarios/late-parcel" in ids
    assert "https://academy.example/xapi/scenarios/late-parcel/nodes/opening/replies/1" in ids
    assert (
        "https://academy.example/xapi/scenarios/refund-policy/nodes/policy/replies/silence" in ids
    )
    ext = {k for s in got for k in s.get("result", {}).get("extensions", {})}
    assert all(k.startswith("https://academy.example/xapi/ext/") for k in ext)


def test_ids_are_deterministic(sample_db: Path) -> None:
    assert [s["id"] for s in statements(sample_db)] == [s["id"] for s in statements(sample_db)]
    expected = str(uuid.uuid5(uuid.UUID(sample_uuid(1)), "answered/2"))
    assert statement_id(sample_uuid(1), "answered", 2) == expected
    assert statement_id(sample_uuid(1), "answered", 2) != statement_id(
        sample_uuid(1), "answered", 3
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "PT0S"), (29.5, "PT29.50S"), (4.2105, "PT4.21S"), (60, "PT1M"), (3661.25, "PT1H1M1.25S"),
     (7200, "PT2H")],
)  # fmt: skip
def test_iso_duration(seconds: float, text: str) -> None:
    assert iso_duration(seconds) == text
    assert DURATION.match(text)


def test_iri_base_gets_its_slash() -> None:
    assert XapiOptions(iri_base="https://x.example/a").ext("mode") == "https://x.example/a/ext/mode"


# --------------------------------------------------------------------------- a local LRS


class FakeLrs:
    """An LRS on 127.0.0.1 that answers from a script and records what it got."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, Any] | None]] = []  # (status, JSON body)
        self.requests: list[dict[str, Any]] = []
        self.stored: dict[str, dict[str, Any]] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                headers = {k.lower(): v for k, v in self.headers.items()}
                owner.requests.append(
                    {"method": self.command, "path": self.path, "headers": headers, "body": body}
                )
                status, reply = owner.script.pop(0) if owner.script else (200, None)
                if status == 200 and self.command == "POST":
                    owner.stored.update({s["id"]: s for s in body})
                    reply = [s["id"] for s in body]
                elif status in (200, 204) and self.command == "PUT":
                    owner.stored[body["id"]] = body
                    status = 204
                data = b"" if reply is None else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = _answer

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xapi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLrs:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def lrs() -> Iterator[FakeLrs]:
    with FakeLrs() as server:
        yield server


def some_statements(n: int) -> list[dict[str, Any]]:
    return [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"s{i}")), "n": i} for i in range(n)]


def client(url: str, **kwargs: Any) -> LrsClient:
    kwargs.setdefault("sleep", lambda _: None)
    kwargs.setdefault("timeout_s", 5.0)
    return LrsClient(url, **kwargs)


def test_sends_in_batches_with_version_header_and_auth(lrs: FakeLrs) -> None:
    result = client(lrs.url, credentials=("trainer", "s3cret"), batch_size=10).send(
        some_statements(25)
    )
    assert (result.sent, result.already, result.requests) == (25, 0, 3)
    assert [len(r["body"]) for r in lrs.requests] == [10, 10, 5]
    for request in lrs.requests:
        assert request["method"] == "POST" and request["path"] == "/xapi/statements"
        assert request["headers"]["x-experience-api-version"] == "1.0.3"
        assert request["headers"]["content-type"].startswith("application/json")
        token = base64.b64encode(b"trainer:s3cret").decode()
        assert request["headers"]["authorization"] == f"Basic {token}"
    assert len(lrs.stored) == 25


def test_retries_server_errors_then_succeeds(lrs: FakeLrs) -> None:
    lrs.script = [(503, {"message": "busy"}), (500, None)]
    waits: list[float] = []
    result = client(lrs.url, sleep=waits.append, backoff_s=0.5).send(some_statements(3))
    assert result.sent == 3 and result.requests == 3
    assert waits == [0.5, 1.0]  # exponential backoff


def test_gives_up_after_the_last_retry(lrs: FakeLrs) -> None:
    lrs.script = [(502, {"message": "bad gateway"})] * 3
    with pytest.raises(LrsError, match=r"after 3 tries; last error: HTTP 502.*bad gateway"):
        client(lrs.url, retries=2).send(some_statements(1))
    assert len(lrs.requests) == 3


def test_refusal_shows_the_lrs_message_without_retrying(lrs: FakeLrs) -> None:
    lrs.script = [(400, {"message": "Statement 0: actor has two IFIs"})]
    with pytest.raises(LrsError, match=r"HTTP 400 .*: Statement 0: actor has two IFIs"):
        client(lrs.url).send(some_statements(2))
    assert len(lrs.requests) == 1


def test_conflicting_batch_is_resent_one_by_one(lrs: FakeLrs) -> None:
    # The batch clashes with what the LRS holds; singly, one is already there.
    lrs.script = [(409, {"message": "conflict"}), (204, None), (409, None), (204, None)]
    batch = some_statements(3)
    result = client(lrs.url).send(batch)
    assert (result.sent, result.already) == (2, 1)
    puts = [r for r in lrs.requests if r["method"] == "PUT"]
    assert [r["path"] for r in puts] == [f"/xapi/statements?statementId={s['id']}" for s in batch]


def test_unreachable_lrs_is_retried_then_reported() -> None:
    with socket.socket() as probe:  # a port on 127.0.0.1 that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(LrsError, match=r"could not send statements .* after 2 tries"):
        client(f"http://127.0.0.1:{port}", retries=1).send(some_statements(1))


@pytest.mark.parametrize("url", ["ftp://lrs.example", "lrs.example/xapi", "http://x/y?q=1"])
def test_bad_lrs_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        statements_endpoint(url)


def test_cli_sends_the_export(
    sample_db: Path, lrs: FakeLrs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALKDOWN_LRS_USER", "key")
    monkeypatch.setenv("TALKDOWN_LRS_PASSWORD", "secret")
    result = CliRunner().invoke(
        cli, ["export", "--format", "xapi", "--db", str(sample_db), "--lrs", lrs.url,
              "--batch-size", "20"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # sent, not printed
    assert "sent 33 statements for 7 attempts" in result.stderr
    assert "plain http://" in result.stderr  # credentials over http are flagged
    assert sorted(lrs.stored) == sorted(s["id"] for s in statements(sample_db))
    # Sending again is harmless: the same ids.
    again = CliRunner().invoke(
        cli, ["export", "--format", "xapi", "--db", str(sample_db), "--lrs", lrs.url],
    )  # fmt: skip
    assert again.exit_code == 0
    assert len(lrs.stored) == 33


def test_cli_reports_a_refusal(sample_db: Path, lrs: FakeLrs) -> None:
    lrs.script = [(401, {"error": "Unauthorized: bad credentials"})]
    result = CliRunner().invoke(
        cli, ["export", "--format", "xapi", "--db", str(sample_db), "--lrs", lrs.url],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "HTTP 401" in result.stderr and "Unauthorized: bad credentials" in result.stderr
