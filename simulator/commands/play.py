"""``talkdown play`` (and bare ``talkdown``): the terminal UI.

Textual is imported inside the command, so other commands never pay for it,
and the loader only when a scenario is named: bare ``talkdown`` reaches the
picker without either.
"""

from __future__ import annotations

from pathlib import Path

import click

from simulator.commands.common import (
    check_or_exit,
    check_start_or_exit,
    db_option,
    fail,
    matcher_or_exit,
    max_bytes_option,
    player_options,
    resolve_or_exit,
    start_options,
)
from simulator.results import DbTarget


@click.command()
@click.argument("scenario", required=False)
@player_options
@start_options
@click.option("--watch", is_flag=True, help="Reload SCENARIO when the file changes (a preview).")
@click.option("--preview", is_flag=True, help="Play without recording anything.")
# A browser session of `talkdown serve` (simulator/serve): started by the server, not typed.
@click.option("--classroom", is_flag=True, hidden=True)
@db_option
@max_bytes_option
def play(
    scenario: str | None,
    trainee: str | None,
    cohort: str | None,
    scenario_dirs: tuple[Path, ...],
    assess: bool,
    timed: int | None,
    say: bool,
    matcher: str | None,
    from_node: str | None,
    mood: int | None,
    set_flags: tuple[str, ...],
    watch: bool,
    preview: bool,
    classroom: bool,
    db: DbTarget | None,
    max_bytes: int,
) -> None:
    """Pick a scenario and play it; or play SCENARIO (a shipped id or a file) at once.

    Previews (--from, --mood, --set, --watch, --preview) record nothing; in a
    preview 'a' toggles the author view (node ids, points, mood deltas, tags,
    and in say mode every reply's match score).

    --say: type each reply in your own words; it is matched, offline, to the
    nearest reply the scenario offers, and you confirm what the customer hears
    or pick another. ctrl+t switches between typing and picking during a call.
    """
    from simulator.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        fail(str(exc))
    if (watch or from_node or mood is not None or set_flags) and scenario is None:
        raise click.UsageError("--watch, --from, --mood and --set need a SCENARIO")
    matcher = matcher_or_exit(matcher, config.matcher)
    path = report = None
    if scenario is not None:
        path = resolve_or_exit(scenario, [*scenario_dirs, *config.scenario_dirs])
        if watch:  # an invalid file is shown in the app, and fixed while it watches
            from simulator.validate import check_file

            report = check_file(path, max_bytes=max_bytes)
        else:
            report = check_or_exit(path, max_bytes=max_bytes)
        if report.scenario is not None:
            check_start_or_exit(report.scenario, from_node, set_flags)

    from simulator.tui.app import make_app

    app = make_app(
        path, scenario_dirs=scenario_dirs, trainee=trainee, cohort=cohort, db=db,
        assess=assess, timed=timed, from_node=from_node, mood=mood, flags=set_flags,
        watch=watch, preview=preview, max_bytes=max_bytes, config=config, report=report,
        classroom=classroom, say=say, matcher=matcher,
    )  # fmt: skip
    app.run()
