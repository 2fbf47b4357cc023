"""``talkdown new``: start a scenario from a small, valid, commented template."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.commands.common import fail
from simulator.scaffold import EXPERT_CHOICES, SCHEMA_FILE, scenario_template, valid_id
from simulator.terminal import echo


def _check_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not valid_id(value):
        raise click.BadParameter(
            f"'{value}' is not a valid scenario id: use lowercase letters, digits and "
            "hyphens, starting with a letter or digit (e.g. late-parcel)"
        )
    return value


@click.command()
@click.argument("scenario_id", metavar="ID", callback=_check_id)
@click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="Folder to write ID.yaml in (created if missing).",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Overwrite ID.yaml if it already exists.")
def new(scenario_id: str, directory: Path, force: bool) -> None:
    """Create DIR/ID.yaml: a small scenario that passes 'talkdown validate --strict'.

    It is format 1.1, with four decision nodes, all three endings, a
    mood-guarded route, a flag, narration, an "On your screen" fact,
    reactions, a critical error and an outcome variant, with comments saying
    what each field does. scenario.schema.json is
    written beside it if missing, so editors with the YAML language server
    complete and check fields as you type.

    Exit status: 0 written; 1 the file exists (use --force) or cannot be written;
    2 usage error (e.g. an invalid ID).
    """
    target = directory / f"{scenario_id}.yaml"
    if target.exists() and not force:
        fail(f"{target} already exists; pass --force to overwrite it")
    schema_path = directory / SCHEMA_FILE
    from simulator.export.output import text_output

    try:
        directory.mkdir(parents=True, exist_ok=True)
        with text_output(target, stdout=sys.stdout.buffer) as out:
            out.write(scenario_template(scenario_id))
        wrote_schema = not schema_path.exists()
        if wrote_schema:
            from simulator.schema import schema_text

            with text_output(schema_path, stdout=sys.stdout.buffer) as out:
                out.write(schema_text())
    except OSError as exc:
        fail(f"cannot write in {directory}: {exc.strerror or exc}")
    echo(f"wrote {target}")
    if wrote_schema:
        echo(f"wrote {schema_path} (for editor completion)")
    echo(
        f"next: edit it, then  talkdown validate --strict {target}  and  "
        f"talkdown run {target} --choices {','.join(map(str, EXPERT_CHOICES))}"
    )
    sys.exit(0)
