"""The ``talkdown`` command line: a click group whose commands load lazily.

Each command lives in ``simulator/commands/<name>.py``; importing only the one
that runs keeps ``talkdown validate`` from paying for Textual's import.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Iterator
from typing import Any, Final

import click

from simulator import __version__
from simulator.commands.common import db_option, player_options
from simulator.terminal import visible

# name -> "module:attribute". These are our own modules, never names from a file.
COMMANDS: Final[dict[str, str]] = {
    "play": "simulator.commands.play:play",
    "validate": "simulator.commands.validate:validate",
    "run": "simulator.commands.run:run",
    "schema": "simulator.commands.schema:schema",
    "graph": "simulator.commands.graph:graph",
    "analyze": "simulator.commands.analyze:analyze",
    "audit": "simulator.commands.audit:audit",
    "new": "simulator.commands.new:new",
    "export": "simulator.commands.export:export",
    "import": "simulator.commands.import_:import_",
    "report": "simulator.commands.report:report",
    "trainer": "simulator.commands.trainer:trainer",
}
HELP: Final[dict[str, str]] = {
    "play": "Play a scenario in the terminal (the default command).",
    "validate": "Check scenario files and folders for errors.",
    "run": "Play a scenario non-interactively from a list of reply numbers.",
    "schema": "Print the JSON Schema of the scenario format (for editors).",
    "graph": "Draw a scenario as a Mermaid or Graphviz DOT diagram.",
    "analyze": "Report a scenario's endings, par, best/worst scores and dead replies.",
    "audit": "Check a scenario can't be passed without thinking (tells, naive policies).",
    "new": "Create a small, valid, commented scenario file to start from.",
    "export": "Export attempts as CSV, JSON Lines or xAPI statements (or send to an LRS).",
    "import": "Merge JSON Lines exports from other machines into this database.",
    "report": "Cohort report per trainee, scenario and decision point (text, JSON, HTML).",
    "trainer": "Open the trainer screen: the cohort's results in the terminal app.",
}


@contextlib.contextmanager
def _safe_errors() -> Iterator[None]:
    """Usage errors shown with control characters visible; store faults as clean errors.

    Click echoes what was typed (``No such command '…'``, ``Invalid value
    '…'``), so a pasted escape sequence would reach the terminal raw. A
    results-database fault (`StoreError`, or a raw SQLite error that slipped
    past the store) or a broken config file becomes ``talkdown: error: …`` and
    exit 1 in every command.
    """
    try:
        yield
    except click.ClickException as exc:
        exc.message = visible(exc.message)  # type: ignore[misc]  # Final only in the stubs
        raise
    except Exception as exc:
        message = _store_fault(exc)
        if message is None:
            raise
        from simulator.commands.common import fail

        fail(message)


def _store_fault(exc: Exception) -> str | None:
    """The message for a results-database (or config file) fault, or None for anything else."""
    from simulator.config import ConfigError
    from simulator.results import StoreError

    if isinstance(exc, StoreError | ConfigError):
        return str(exc)
    # The stores wrap their drivers' errors; this is the last line of defence.
    if type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg"):
        return f"the results database failed ({visible(str(exc))}) — check it, or pass --db"
    return None


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._available(name))

    @staticmethod
    def _available(name: str) -> bool:
        module = COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(module) is not None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not self._available(cmd_name):
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with _safe_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _safe_errors():
            return super().invoke(ctx)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, HELP.get(name, "")) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="talkdown")
@player_options
@db_option
@click.pass_context
def cli(ctx: click.Context, /, **play_options: Any) -> None:
    """talkdown: practise talking down angry customers, in your terminal.

    Run with no command to pick a scenario and play (the options below are
    those of 'talkdown play'). Trainers: see 'talkdown validate --help' and
    docs/authoring.md.
    """
    if ctx.invoked_subcommand is not None:
        given = [
            name
            for name, value in play_options.items()
            if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
            and value not in (None, False, ())
        ]
        if given:
            flags = ", ".join("--" + n.replace("_", "-").replace("scenario-dirs", "scenarios")
                              for n in given)  # fmt: skip
            what = "is an option" if len(given) == 1 else "are options"
            raise click.UsageError(
                f"{flags} {what} of playing, not of '{ctx.invoked_subcommand}' "
                f"(see 'talkdown {ctx.invoked_subcommand} --help')"
            )
        return
    play = cli.get_command(ctx, "play")
    if play is None:
        click.echo(ctx.get_help())
        return
    ctx.invoke(play, **play_options)


def main() -> None:
    """Entry point of the ``talkdown`` script."""
    try:
        cli(prog_name="talkdown")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
