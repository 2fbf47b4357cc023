"""`talkdown serve`: its options, errors and warning, and the pieces under it.

The server itself is replaced here (`ClassroomServer.run` records what it was
given and returns): these tests check what the command decides before it
serves. tests/functional/test_serve_server.py runs the server;
tests/functional/test_serve_browser.py plays through it in Chromium.
"""

from __future__ import annotations

import errno
import importlib.util
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.commands.play import play
from simulator.results import DbTarget, describe_target, open_for_reading
from simulator.serve.hosts import Listener, is_loopback, listen, opens_to_network
from simulator.serve.places import Places
from simulator.serve.session import MODULE, SessionOptions

pytest.importorskip("textual_serve")  # the [serve] extra (the test extra installs it)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each serve run's server, command and socket, instead of serving."""
    from simulator.serve.server import ClassroomServer

    runs: list[dict[str, Any]] = []

    def run(self: ClassroomServer, sock: socket.socket) -> None:
        runs.append({"limit": self.places.limit, "command": self.command,
                     "address": sock.getsockname(), "environment": self.environment})  # fmt: skip

    monkeypatch.setattr(ClassroomServer, "run", run)
    return runs


def serve(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["serve", *args])
    return result.exit_code, result.stdout, result.stderr


# -- the address, the port and the cap --------------------------------------------------------


def test_by_default_it_listens_on_this_computer_only_and_does_not_warn(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    code, out, err = serve("--port", "0", "--db", str(tmp_path / "r.db"))
    assert code == 0, err
    [run] = served
    assert run["address"][0] == "127.0.0.1" and run["address"][1] > 0  # a free port was taken
    assert run["limit"] == 20  # the default cap
    assert f"http://127.0.0.1:{run['address'][1]}/ (this computer only" in out
    assert "warning" not in err and "authentication" not in out + err
    assert "talkdown serve stopped." in out


def test_a_network_address_warns_that_there_is_no_authentication(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bound on loopback, described as 0.0.0.0: the warning is decided by the address
    # given, and the test opens nothing to the network.
    def fake_listen(host: str, port: int) -> Listener:
        return Listener(socket.create_server(("127.0.0.1", 0)), host, 8123)

    monkeypatch.setattr("simulator.commands.serve.listen", fake_listen)
    code, out, err = serve("--host", "0.0.0.0", "--db", str(tmp_path / "r.db"))
    assert code == 0, err
    assert err.startswith("talkdown: warning: http://0.0.0.0:8123/ is open to your network")
    assert "no authentication" in err and "ctrl+c" in err
    assert "http://THIS-COMPUTER:8123/" in out  # 0.0.0.0 is no address to type


def test_max_sessions_reaches_the_server(served: list[dict[str, Any]], tmp_path: Path) -> None:
    code, out, _ = serve("--port", "0", "--max-sessions", "3", "--db", str(tmp_path / "r.db"))
    assert code == 0
    assert served[0]["limit"] == 3
    assert "at most 3 at once" in out


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--port", "70000"), "Invalid value for '--port'"),
        (("--port", "-1"), "Invalid value for '--port'"),
        (("--max-sessions", "0"), "Invalid value for '--max-sessions'"),
        (("--port", "eighty"), "Invalid value for '--port'"),
    ],
)
def test_bad_numbers_are_usage_errors(
    served: list[dict[str, Any]], args: tuple[str, ...], complaint: str
) -> None:
    code, _, err = serve(*args)
    assert code == 2 and complaint in err
    assert served == []


def test_a_port_in_use_is_a_clear_error(served: list[dict[str, Any]], tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code, out, err = serve("--port", str(port), "--db", str(tmp_path / "r.db"))
    assert code == 1
    assert err == f"talkdown: error: port {port} is in use — pick another with --port " \
                  "(or stop the program using it)\n"  # fmt: skip
    assert served == [] and "Trainees open" not in out


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (socket.gaierror(-2, "Name or service not known"),
         "talkdown: error: no such address or host name 'nowhere␛' — give an address of "
         "this computer, or 0.0.0.0 for all of them"),
        (OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"),
         "talkdown: error: nowhere␛ is not an address of this computer — give one of its "
         "own addresses, or 0.0.0.0 for all of them"),
        (PermissionError(errno.EACCES, "Permission denied"),
         "talkdown: error: not allowed to listen on port 8000 — pick a port above 1023 with "
         "--port"),
    ],
    ids=["unknown name", "not this computer's", "privileged port"],
)  # fmt: skip
def test_an_address_that_cannot_be_listened_on_is_a_clear_error(
    served: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: OSError,
    message: str,
) -> None:
    def failing_listen(host: str, port: int) -> Listener:
        raise failure

    monkeypatch.setattr("simulator.commands.serve.listen", failing_listen)
    # The host holds an escape character: it is shown, never sent to the terminal.
    code, _, err = serve("--host", "nowhere\x1b", "--db", str(tmp_path / "r.db"))
    assert (code, err) == (1, message + "\n")
    assert served == []


def test_without_the_extra_it_says_how_to_install_it(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "textual_serve" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    code, _, err = serve()
    assert code == 1
    assert err.startswith("talkdown: error: talkdown serve needs the [serve] extra")
    assert "pip install 'talkdown[serve]'" in err
    assert served == []


def test_an_in_memory_database_is_refused(served: list[dict[str, Any]]) -> None:
    code, _, err = serve("--db", ":memory:")
    assert code == 1 and "--db :memory: cannot be shared" in err
    assert served == []


def test_a_missing_scenario_folder_is_refused(served: list[dict[str, Any]], tmp_path: Path) -> None:
    code, _, err = serve("--scenarios", str(tmp_path / "nope"), "--db", str(tmp_path / "r.db"))
    assert code == 1 and f"{tmp_path / 'nope'}: no such folder" in err
    assert served == []


def test_the_database_is_created_before_any_session(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    db = tmp_path / "new" / "class.db"
    code, out, _ = serve("--port", "0", "--db", str(db))
    assert code == 0 and db.is_file()
    assert f"Results         {db}" in out


# -- what each session runs -------------------------------------------------------------------


def test_a_session_is_talkdown_play_in_classroom_mode_with_the_servers_options(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    folder = tmp_path / "it's; rm -rf ~"  # quoted, never run
    folder.mkdir()
    db = tmp_path / "class.db"
    code, _, err = serve("--port", "0", "--db", str(db), "--scenarios", str(folder),
                         "--assess", "--timed", "30", "--max-bytes", "5000")  # fmt: skip
    assert code == 0, err
    words = shlex.split(served[0]["command"])
    assert words[:4] == ["exec", sys.executable, "-m", MODULE]
    assert words[4] == "play"
    ctx = play.make_context("play", words[5:])
    assert ctx.params["classroom"] is True
    assert ctx.params["db"] == db
    assert ctx.params["scenario_dirs"] == (folder,)
    assert (ctx.params["assess"], ctx.params["timed"], ctx.params["max_bytes"]) == (
        True,
        30,
        5000,
    )
    assert ctx.params["trainee"] is None and ctx.params["cohort"] is None
    assert (ctx.params["say"], ctx.params["matcher"]) == (False, None)


def test_say_mode_reaches_every_session(served: list[dict[str, Any]], tmp_path: Path) -> None:
    code, out, err = serve("--port", "0", "--db", str(tmp_path / "c.db"), "--say",
                           "--matcher", "ngram")  # fmt: skip
    assert code == 0, err
    ctx = play.make_context("play", shlex.split(served[0]["command"])[5:])
    assert (ctx.params["say"], ctx.params["matcher"]) == (True, "ngram")
    assert "replies typed (heard by ngram)" in out


def test_a_matcher_that_cannot_run_stops_the_server_before_it_starts(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator.matching import MatcherUnavailable

    def unavailable(name: str) -> None:
        raise MatcherUnavailable(f"the {name} matcher needs wordllama, which is not installed")

    monkeypatch.setattr("simulator.matching.get_matcher", unavailable)
    code, _, err = serve("--port", "0", "--db", str(tmp_path / "c.db"), "--matcher", "semantic")
    assert code == 1
    assert err.startswith("talkdown: error: the semantic matcher needs wordllama")
    assert served == []  # no session was ever started


def test_session_folders_are_absolute_whatever_folder_the_server_started_in(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, _ = serve("--port", "0", "--db", "r.db", "--scenarios", "mine")
    assert code == 0
    ctx = play.make_context("play", shlex.split(served[0]["command"])[5:])
    assert ctx.params["scenario_dirs"] == (tmp_path / "mine",)
    assert ctx.params["db"].is_absolute() and ctx.params["db"].name == "r.db"


def test_the_servers_results_store_reaches_every_session(
    served: list[dict[str, Any]], store_target: DbTarget, results_backend: str
) -> None:
    code, out, err = serve("--port", "0", "--db", str(store_target))
    assert code == 0, err
    [run] = served
    words = shlex.split(run["command"])
    if results_backend == "sqlite":
        assert run["environment"] == {}
        assert words[words.index("--db") + 1] == str(store_target)
    else:  # a server URL: in the sessions' environment, not on their command lines
        assert run["environment"] == {"TALKDOWN_DB": str(store_target)}
        assert "--db" not in words and str(store_target) not in run["command"]
    assert f"Results         {describe_target(store_target)}" in out
    with open_for_reading(store_target) as store:  # created and migrated before serving
        assert list(store.iter_attempts()) == []


def test_a_server_url_never_goes_on_a_session_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://writer:s3cret@db.example.org/talkdown"
    options = SessionOptions(db=url)
    assert "s3cret" not in options.command() and "--db" not in options.argv()
    assert options.environment() == {"TALKDOWN_DB": url}
    monkeypatch.setenv("TALKDOWN_DB", url)  # as the session's environment has it
    ctx = play.make_context("play", options.argv()[1:])
    assert ctx.params["db"] == url


def test_session_options_round_trip_through_play() -> None:
    options = SessionOptions(db="/srv/class.db")
    ctx = play.make_context("play", options.argv()[1:])
    assert ctx.params["db"] == Path("/srv/class.db")
    assert ctx.params["scenario_dirs"] == () and ctx.params["assess"] is False
    assert ctx.params["timed"] is None and ctx.params["classroom"] is True


# -- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost", "LocalHost"]
)
def test_loopback_addresses_are_this_computer_only(host: str) -> None:
    assert is_loopback(host) and not opens_to_network(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "trainer-pc"])
def test_other_addresses_open_the_classroom_to_a_network(host: str) -> None:
    assert opens_to_network(host)


def test_listen_binds_now_and_describes_the_address() -> None:
    listener = listen("127.0.0.1", 0)
    try:
        assert listener.port == listener.sock.getsockname()[1] > 0
        assert listener.url() == f"http://127.0.0.1:{listener.port}/"
        assert not listener.wildcard
    finally:
        listener.sock.close()
    six = Listener(socket.socket(), "::1", 8000)
    assert six.url() == "http://[::1]:8000/"
    six.sock.close()
    assert Listener(socket.socket(), "0.0.0.0", 1).wildcard


# -- places -----------------------------------------------------------------------------------


def test_places_fill_up_and_count_who_was_turned_away() -> None:
    places = Places(2)
    assert places.take() and places.take()
    assert places.full and not places.take()
    assert [places.refuse(), places.refuse()] == [1, 2]
    assert places.give_back() == 2  # two page loads waited meanwhile
    assert not places.full and places.in_use == 1
    assert places.give_back() == 0  # the count started again


def test_places_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        Places(0)
    with pytest.raises(RuntimeError):
        Places(1).give_back()


def test_only_the_server_module_needs_the_extra() -> None:
    # So `talkdown serve` can check its options and explain a missing extra first.
    from tests.unit.test_architecture import ROOT, _imports

    extra = {"textual_serve", "aiohttp", "aiohttp_jinja2", "jinja2"}
    needing = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "simulator").rglob("*.py")
        if _imports(path) & extra
    )
    assert needing == ["simulator/serve/server.py"]
