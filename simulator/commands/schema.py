"""``talkdown schema``: print the JSON Schema of the scenario format."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.schema import schema_text


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
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
