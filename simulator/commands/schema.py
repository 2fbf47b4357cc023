"""``talkdown schema``: print the JSON Schema of the scenario format."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.schema import schema_text
from simulator.terminal import echo


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema for scenario files.

    Save it beside your scenarios as scenario.schema.json and start each file
    with:  # yaml-language-server: $schema=./scenario.schema.json
    """
    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
    else:
        from simulator.commands.common import fail
        from simulator.export.output import text_output

        try:
            with text_output(output, stdout=sys.stdout.buffer) as out:
                out.write(text)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
        echo(f"wrote {output}", err=True)
