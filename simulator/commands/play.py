"""``talkdown play`` (and bare ``talkdown``): the terminal UI.

Textual is imported inside the command, so other commands never pay for it,
and the loader only when a scenario is named: bare ``talkdown`` reaches the
picker without either.
"""

from __future__ import annotations

from pathlib import Path

import click

from simulator.commands.common import (
    db_option,
    fail,
    load_scenario_or_exit,
    max_bytes_option,
    resolve_or_exit,
)


def _scenario_path(spec: str, dirs: list[Path], *, watch: bool, max_bytes: int) -> Path:
    """SCENARIO as a file path; invalid files stop here unless ``--watch`` will show them."""
    path = resolve_or_exit(spec, dirs)
    if not watch:
        load_scenario_or_exit(str(path), extra_dirs=dirs, max_bytes=max_bytes)
    return path


def _check_start(path: Path, from_node: str, max_bytes: int) -> None:
    """Stop with a hint when ``--from`` names no node of the scenario."""
    from simulator.problems import did_you_mean
    from simulator.validate import check_file

    loaded = check_file(path, max_bytes=max_bytes).scenario
    if loaded is not None and from_node not in loaded.nodes:
        fail(f"no node '{from_node}' in {loaded.id} — {did_you_mean(from_node, loaded.nodes)}")


@click.command()
@click.argument("scenario", required=False)
@click.option("--trainee", envvar="TALKDOWN_TRAINEE", help="Your name. Env: TALKDOWN_TRAINEE.")
@click.option("--cohort", envvar="TALKDOWN_COHORT", help="Your cohort. Env: TALKDOWN_COHORT.")
@click.option(
    "--scenarios", "scenario_dirs", multiple=True, metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also list the scenarios in DIR (repeatable; config: scenario_dirs).",
)  # fmt: skip
@click.option("--assess", is_flag=True, help="Assessment mode: feedback only in the debrief.")
@click.option(
    "--timed", type=click.IntRange(min=1), metavar="SECONDS",
    help="Pressure mode: reply within SECONDS or the customer hears silence.",
)  # fmt: skip
@click.option("--from", "from_node", metavar="NODE", help="Start at NODE (a preview).")
@click.option("--mood", type=click.IntRange(0, 100), help="Start with this mood (a preview).")
@click.option(
    "--set", "set_flags", multiple=True, metavar="FLAG",
    help="Start with FLAG raised (repeatable; a preview).",
)  # fmt: skip
@click.option("--watch", is_flag=True, help="Reload SCENARIO when the file changes (a preview).")
@click.option("--preview", is_flag=True, help="Play without recording anything.")
@db_option
@max_bytes_option
def play(
    scenario: str | None,
    trainee: str | None,
    cohort: str | None,
    scenario_dirs: tuple[Path, ...],
    assess: bool,
    timed: int | None,
    from_node: str | None,
    mood: int | None,
    set_flags: tuple[str, ...],
    watch: bool,
    preview: bool,
    db: Path | None,
    max_bytes: int,
) -> None:
    """Pick a scenario and play it; or play SCENARIO (a shipped id or a file) at once.

    Previews (--from, --mood, --set, --watch, --preview) record nothing; in a
    preview 'a' toggles the author view (node ids, points, mood deltas, tags).
    """
    from simulator.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        fail(str(exc))
    if (watch or from_node or mood is not None or set_flags) and scenario is None:
        raise click.UsageError("--watch, --from, --mood and --set need a SCENARIO")
    path = None
    if scenario is not None:
        dirs = [*scenario_dirs, *config.scenario_dirs]
        path = _scenario_path(scenario, dirs, watch=watch, max_bytes=max_bytes)
        if from_node is not None and not watch:
            _check_start(path, from_node, max_bytes)

    from simulator.tui.app import make_app

    app = make_app(
        path, scenario_dirs=scenario_dirs, trainee=trainee, cohort=cohort, db=db,
        assess=assess, timed=timed, from_node=from_node, mood=mood, flags=set_flags,
        watch=watch, preview=preview, max_bytes=max_bytes, config=config,
    )  # fmt: skip
    app.run()
