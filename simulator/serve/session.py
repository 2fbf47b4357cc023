"""One browser's talkdown: the command line the server runs for it, and its process.

textual-serve starts a process per browser from a shell command line
(`SessionOptions.command`). That process is ``talkdown play --classroom``
with the server's options, so a session opens its results exactly as
``talkdown play --db`` does: the database is handed on as the text the
server resolved (a server URL in the environment), never opened here.
``--classroom`` makes the app ask who is playing every time, never use or
change the serving machine's remembered trainee, cohort, e-mail or theme,
and leave out the trainer view.

The server resolves the database and the ``--scenarios`` folders before it
starts, so every session agrees with what the trainer's terminal said, in
whichever folder or environment the server was started.
"""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from simulator.limits import DEFAULT_MAX_BYTES
from simulator.locations import ENV_DB
from simulator.results import is_url
from simulator.terminal import visible

MODULE = "simulator.serve.session"


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """What every browser session of one ``talkdown serve`` shares."""

    db: str  # the results database as the server resolved it: an absolute path, or a URL
    scenario_dirs: tuple[Path, ...] = ()  # --scenarios folders, absolute (the config adds its own)
    max_bytes: int = DEFAULT_MAX_BYTES
    assess: bool = False
    timed: int | None = None
    say: bool = False  # sessions start in say mode (ctrl+t still switches)
    matcher: str | None = None  # checked by the server before it starts

    def argv(self) -> list[str]:
        """The ``talkdown`` arguments of a session: ``play --classroom`` and the options."""
        args = ["play", "--classroom", "--max-bytes", str(self.max_bytes)]
        if not is_url(self.db):  # a URL (it may hold a password) goes in `environment`
            args += ["--db", self.db]
        for folder in self.scenario_dirs:
            args += ["--scenarios", str(folder)]
        if self.assess:
            args.append("--assess")
        if self.timed is not None:
            args += ["--timed", str(self.timed)]
        if self.say:
            args.append("--say")
        if self.matcher is not None:
            args += ["--matcher", self.matcher]
        return args

    def environment(self) -> dict[str, str]:
        """What the sessions' environment must hold: a server URL as ``TALKDOWN_DB``."""
        return {ENV_DB: self.db} if is_url(self.db) else {}

    def command(self, python: str | None = None) -> str:
        """The shell command textual-serve runs for each browser.

        Every part is quoted (a folder may be called ``it's; rm -rf ~``). On
        POSIX, ``exec`` makes the Python process the one textual-serve talks
        to and stops, not a shell around it.
        """
        parts = [python or sys.executable, "-m", MODULE, *self.argv()]
        if os.name == "nt":  # cmd.exe: no exec, and its own quoting
            return subprocess.list2cmdline(parts)
        return "exec " + shlex.join(parts)


class VisibleStream(io.TextIOBase):
    """A text stream that shows control characters instead of writing them.

    A session's standard error reaches the trainer's terminal raw (textual-serve
    copies it there when the session ends); a traceback may quote what a
    trainee typed.
    """

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._target.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()


def main(argv: Sequence[str] | None = None) -> None:
    """Run one browser session: ``talkdown`` with ``argv`` (textual-serve picks the driver)."""
    sys.stderr = VisibleStream(sys.stderr)
    from simulator.cli import cli

    cli(args=list(sys.argv[1:] if argv is None else argv), prog_name="talkdown")


if __name__ == "__main__":
    main()
