"""``talkdown report``: the cohort report in the terminal, as JSON, or as an HTML file."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from simulator.commands.common import db_option, fail
from simulator.commands.export import filter_options, open_store
from simulator.results import DbTarget, Filters
from simulator.terminal import dumps_json, echo


@click.command()
@filter_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Tables for the terminal, or one JSON object.",
)  # fmt: skip
@click.option(
    "--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="Also write the report as one self-contained HTML file (charts included).",
)  # fmt: skip
@click.option(
    "--scenarios", "scenario_dirs", multiple=True, metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder of scenario files (repeatable), searched before your configured folders "
    "and the shipped library for the version each attempt was played on.",
)  # fmt: skip
@db_option
def report(
    cohorts: tuple[str, ...],
    scenario: str | None,
    since: datetime | None,
    fmt: str,
    html_path: Path | None,
    scenario_dirs: tuple[Path, ...],
    db: DbTarget | None,
) -> None:
    """Per trainee, per scenario and per decision point: how the cohort is doing.

    Decision points are grouped by scenario id and content hash, so each
    version of a scenario file is counted separately. When that version's file
    is found (--scenarios, your configured folders, the shipped library), each
    decision point lists every reply, unpicked ones too, with the strongest
    marked. Several --cohort options compare those cohorts.
    """
    from simulator.config import ConfigError, load_config
    from simulator.export.report import build_report, render_text, report_json
    from simulator.library import ScenarioVersions, shipped_dir

    try:
        config = load_config()
    except ConfigError as exc:
        fail(str(exc))
    versions = ScenarioVersions([*scenario_dirs, *config.scenario_dirs, shipped_dir()])
    filters = Filters(cohorts=cohorts, scenario=scenario, since=since)
    store = open_store(db)
    database = () if store.path is None else (store.path,)
    with store, store.snapshot() as view:
        result = build_report(view, filters, versions=versions.get)
    if html_path is not None:
        from simulator.export.html_report import render_html
        from simulator.export.output import text_output

        try:
            with text_output(html_path, stdout=sys.stdout.buffer, protect=database) as out:
                out.write(render_html(result))
        except OSError as exc:
            fail(f"cannot write {html_path}: {exc.strerror or exc}")
        echo(f"wrote the HTML report to {html_path}", err=True)
    if fmt == "json":
        click.echo(dumps_json(report_json(result), indent=2))
        return
    from rich.console import Console

    stream = sys.stdout
    console = Console(
        file=stream,
        highlight=False,
        width=None if stream.isatty() else 120,  # piped: wide enough for the tables
    )
    render_text(result, console)
    sys.stdout.flush()
