"""``talkdown serve``: a classroom of browsers plays on this computer.

Everything that can go wrong is checked before the server starts, each with
a clear ``talkdown: error:`` and exit 1: the ``[serve]`` extra, the results
database, the scenario folders, the address and port. Then the terminal says
where trainees connect, where results go, and (when the address opens it to a
network) that there is no authentication.
"""

from __future__ import annotations

import errno
import importlib.util
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from simulator.commands.common import (
    MATCHER_NAMES,
    db_option,
    fail,
    matcher_or_exit,
    max_bytes_option,
)
from simulator.serve.hosts import DEFAULT_HOST, Listener, listen, opens_to_network
from simulator.serve.session import SessionOptions
from simulator.terminal import echo, visible_line

if TYPE_CHECKING:
    from simulator.results import DbTarget

DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 20
EXTRA = "pip install 'talkdown[serve]' (in a talkdown folder: pip install '.[serve]')"


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, metavar="ADDRESS",
              help="Address to listen on. The default is this computer only; 0.0.0.0 opens "
                   "the classroom to your network (there is no authentication).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on (0: any free port).")  # fmt: skip
@click.option("--max-sessions", type=click.IntRange(min=1), default=DEFAULT_MAX_SESSIONS,
              show_default=True, metavar="N",
              help="Browser sessions at once; more browsers wait on a 'classroom full' "
                   "page.")  # fmt: skip
@click.option("--scenarios", "scenario_dirs", multiple=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="Also list the scenarios in DIR (repeatable; config: "
                   "scenario_dirs).")  # fmt: skip
@click.option("--assess", is_flag=True, help="Every session plays as an assessment.")
@click.option("--timed", type=click.IntRange(min=1), metavar="SECONDS",
              help="Every session plays in pressure mode: SECONDS to reply.")  # fmt: skip
@click.option("--say", is_flag=True,
              help="Every session starts in say mode: trainees type their replies "
                   "(ctrl+t switches).")  # fmt: skip
@click.option("--matcher", type=click.Choice(MATCHER_NAMES),
              help="What hears typed replies in every session (as for play; config: "
                   "matcher).")  # fmt: skip
@db_option
@max_bytes_option
def serve(
    host: str,
    port: int,
    max_sessions: int,
    scenario_dirs: tuple[Path, ...],
    assess: bool,
    timed: int | None,
    say: bool,
    matcher: str | None,
    db: DbTarget | None,
    max_bytes: int,
) -> None:
    """Serve talkdown to the browsers of a classroom (needs the [serve] extra).

    Each browser gets its own talkdown, which asks for the trainee's name and
    cohort and records into this computer's results (--db). Trainees need
    only a browser; the trainer reports from this computer as usual
    ('talkdown report', 'talkdown trainer'). See docs/deploy.md.
    """
    if importlib.util.find_spec("textual_serve") is None:
        fail(f"talkdown serve needs the [serve] extra — install it with: {EXTRA}")
    target = _check_db(db)
    given, listed = _scenario_dirs(scenario_dirs)  # the config is known to load from here on
    from simulator.config import load_config

    matcher = matcher_or_exit(matcher, load_config().matcher)  # before any trainee waits
    playable = _warm_catalog(listed, max_bytes)
    listener = _listen_or_exit(host, port)
    options = SessionOptions(db=target, scenario_dirs=given, max_bytes=max_bytes,
                             assess=assess, timed=timed, say=say, matcher=matcher)  # fmt: skip
    _introduce(listener, options, listed, max_sessions, playable)

    from simulator.serve.server import ClassroomServer

    server = ClassroomServer(options.command(), max_sessions=max_sessions, say=_say,
                             environment=options.environment())  # fmt: skip
    try:
        server.run(listener.sock)
    finally:
        listener.sock.close()
    echo("talkdown serve stopped.")


def _check_db(db: DbTarget | None) -> str:
    """The results database every session records into, opened once now to check it.

    A file or a ``postgresql://`` URL, as ``talkdown play --db`` takes it.
    """
    from simulator.results import StoreError, open_store, resolve_target

    target = resolve_target(db)
    if str(target) == ":memory:":
        fail("--db :memory: cannot be shared by the classroom's sessions — give a file")
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        open_store(target).close()  # created (or migrated) here, not by twenty sessions at once
    except StoreError as exc:
        fail(str(exc))
    return str(target)


def _scenario_dirs(given: tuple[Path, ...]) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """(``--scenarios`` made absolute, and every folder listed: those, then the config's).

    A session is handed the first (``talkdown play`` adds the config's folders
    itself); the second is what the trainer is told and what is checked now. A
    folder that is not there is an error.
    """
    from simulator.config import ConfigError, load_config

    try:
        configured = load_config().scenario_dirs
    except ConfigError as exc:
        fail(str(exc))
    absolute = tuple(dict.fromkeys(p.expanduser().absolute() for p in given))
    listed = tuple(dict.fromkeys((*absolute, *(p.expanduser().absolute() for p in configured))))
    for folder in listed:
        if not folder.is_dir():
            fail(f"{folder}: no such folder — check the --scenarios path (or scenario_dirs "
                 "in the config file)")  # fmt: skip
    return absolute, listed


def _warm_catalog(dirs: tuple[Path, ...], max_bytes: int) -> tuple[int, int]:
    """Validate every scenario once now (cached), so no session has to; (playable, invalid)."""
    from simulator.tui.catalog import default_cache, load_catalog, scenario_dirs

    try:
        entries = load_catalog(scenario_dirs(dirs), max_bytes=max_bytes,
                               cache=default_cache()) or []  # fmt: skip
    except OSError as exc:
        fail(f"cannot read the scenarios: {exc} — check the --scenarios folders")
    invalid = sum(1 for entry in entries if entry.meta is None)
    return len(entries) - invalid, invalid


def _listen_or_exit(host: str, port: int) -> Listener:
    try:
        return listen(host, port)
    except socket.gaierror:
        fail(f"no such address or host name '{visible_line(host)}' — give an address of this "
             "computer, or 0.0.0.0 for all of them")  # fmt: skip
    except PermissionError:
        fail(f"not allowed to listen on port {port} — pick a port above 1023 with --port")
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} is in use — pick another with --port (or stop the program "
                 "using it)")  # fmt: skip
        if exc.errno == errno.EADDRNOTAVAIL:
            fail(f"{visible_line(host)} is not an address of this computer — give one of its "
                 "own addresses, or 0.0.0.0 for all of them")  # fmt: skip
        fail(f"cannot listen on {visible_line(host)} port {port}: {exc.strerror or exc}")


def _introduce(
    listener: Listener,
    options: SessionOptions,
    listed: tuple[Path, ...],
    max_sessions: int,
    playable: tuple[int, int],
) -> None:
    """Tell the trainer where trainees connect, where results go, and the risk."""
    from simulator.results import describe_target

    if opens_to_network(listener.host):
        echo(
            f"talkdown: warning: {listener.url()} is open to your network and has no "
            "authentication — anyone who can reach this computer can play under any name "
            "and cohort, and what they play is recorded in the results below. Serve only "
            "on a network you trust (the classroom's), and stop it (ctrl+c) after the class.",
            err=True,
        )
    if listener.wildcard:
        where = (f"http://THIS-COMPUTER:{listener.port}/ — this computer's address on the "
                 "network ('hostname -I' on Linux, 'ipconfig' on Windows), or "
                 f"{listener.url(socket.gethostname())}")  # fmt: skip
    elif opens_to_network(listener.host):
        where = listener.url()
    else:
        where = f"{listener.url()} (this computer only: --host 0.0.0.0 opens it to the room)"
    folders = ", ".join(str(d) for d in listed)
    ok, bad = playable
    scenarios = f"{ok} playable" + (f", {bad} with errors ('talkdown validate')" if bad else "")
    mode = "assessment" if options.assess else "practice"
    if options.timed:
        mode += f", {options.timed} s a reply"
    if options.say:
        mode += f", replies typed (heard by {options.matcher or 'ngram'})"
    echo("talkdown classroom server")
    echo(f"  Trainees open   {where}")
    echo(f"  Sessions        at most {max_sessions} at once (--max-sessions)")
    echo(f"  Results         {describe_target(options.db)}")
    echo(f"  Scenarios       {scenarios}: the shipped library" +
         (f" and {folders}" if folders else ""))  # fmt: skip
    echo(f"  Mode            {mode}")
    echo("Press ctrl+c to stop.")


def _say(message: str) -> None:
    echo(f"{time.strftime('%H:%M:%S')}  {message}")
