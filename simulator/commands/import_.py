"""``talkdown import``: merge JSON Lines exports into this results database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from simulator.commands.common import db_option, fail
from simulator.formatting import plural as _plural
from simulator.terminal import echo

if TYPE_CHECKING:
    from simulator.export.importer import ImportSummary
    from simulator.results import DbTarget


@click.command(name="import")
@click.argument(
    "files", nargs=-1, required=True,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)  # fmt: skip
@click.option(
    "--update-emails", is_flag=True,
    help="Take a trainee's e-mail from the file when it differs from the one here "
    "(otherwise the one here is kept and the difference reported as a conflict).",
)  # fmt: skip
@db_option
def import_(files: tuple[Path, ...], update_emails: bool, db: DbTarget | None) -> None:
    """Merge JSON Lines exports (talkdown export --format jsonl) into this database.

    Idempotent by attempt uuid: an identical attempt is skipped; an incoming
    attempt that is further on (in progress here, completed or abandoned in
    the file) replaces it; anything else is a conflict, reported and skipped.
    Bad lines are reported as FILE:LINE and skipped; nothing is half-written.
    When the scenario version played is in this library (shipped, or in your
    scenario folders), its node ids and reply numbers are checked too. A
    trainee's e-mail here is never changed unless --update-emails is given.

    Exit status: 0 all lines imported or skipped; 1 some line was rejected, or
    the database failed (the lines before the failure were imported).
    """
    from simulator.config import ConfigError, load_config
    from simulator.export.importer import ImportStopped, ImportSummary, ScenarioIndex, import_file
    from simulator.results import StoreError, open_store

    try:
        scenarios = ScenarioIndex.from_library(load_config().scenario_dirs)
    except ConfigError as exc:
        fail(str(exc))
    summary = ImportSummary()
    try:
        store = open_store(db)
    except StoreError as exc:
        fail(str(exc))
    with store:
        for path in files:
            try:
                import_file(
                    store, path, summary, report=lambda line: echo(line, err=True),
                    scenarios=scenarios, update_emails=update_emails,
                )  # fmt: skip
            except OSError as exc:
                summary.problems.append(f"{path}: cannot read: {exc.strerror or exc}")
                echo(summary.problems[-1], err=True)
            except ImportStopped as stop:
                _print_summary(summary)
                fail(
                    f"{stop.where}: {stop.fault} (the lines before it were imported; importing "
                    "the same files again is safe)"
                )
    _print_summary(summary)
    sys.exit(1 if summary.rejected else 0)


def _print_summary(summary: ImportSummary) -> None:
    echo(
        f"{_plural(summary.added, 'attempt')} added, {summary.replaced} replaced, "
        f"{summary.identical} skipped (already here), "
        f"{_plural(len(summary.conflicts), 'conflict')} (kept the one here), "
        f"{summary.rejected} rejected"
    )
