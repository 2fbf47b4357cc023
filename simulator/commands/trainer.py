"""``talkdown trainer``: the cohort's results in the terminal app."""

from __future__ import annotations

import click

from simulator.commands.common import db_option, fail
from simulator.results import DbTarget


@click.command()
@click.option("--cohort", metavar="C", help="Only this cohort.")
@db_option
def trainer(cohort: str | None, db: DbTarget | None) -> None:
    """Browse the cohort: trainees (sortable), their attempts, any transcript, charts.

    Enter opens a row, Escape goes back, s / r (or a header click) sort.
    """
    from simulator.config import ConfigError, load_config
    from simulator.results import StoreError, open_for_reading, resolve_target

    path = resolve_target(db)
    try:  # a missing, damaged or foreign database is a clear error here, before the screen opens
        open_for_reading(path).close()
    except StoreError as exc:
        fail(str(exc))
    try:
        dirs = load_config().scenario_dirs  # to list every reply of a decision
    except ConfigError as exc:
        fail(str(exc))
    # Textual is imported only here, so other commands never pay for it.
    from simulator.tui.screens.trainer import run_trainer

    run_trainer(path, cohort=cohort, scenario_dirs=dirs)
