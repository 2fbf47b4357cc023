"""``talkdown graph``: draw a scenario as a Mermaid or Graphviz DOT diagram."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

import click

from simulator.commands.common import fail, load_scenario_or_exit, max_bytes_option
from simulator.diagram import LABEL_WIDTH, render
from simulator.terminal import echo

# Mermaid's defaults (GitHub and GitLab keep them): larger charts are not drawn.
MERMAID_MAX_TEXT: Final = 50_000
MERMAID_MAX_EDGES: Final = 500


@click.command()
@click.argument("scenario")
@click.option(
    "--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid",
    show_default=True,
    help="Mermaid (renders on GitHub/GitLab and in editors) or Graphviz DOT.",
)  # fmt: skip
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)  # fmt: skip
@click.option(
    "--width", type=click.IntRange(8, 400), default=LABEL_WIDTH, show_default=True,
    help="Characters of the customer's line shown in each node.",
)  # fmt: skip
@max_bytes_option
def graph(scenario: str, fmt: str, output: Path | None, width: int, max_bytes: int) -> None:
    """Draw SCENARIO (a file or a shipped id) as a diagram.

    Every node shows its id and the start of the customer's line; endings are
    coloured by kind, the start is marked, and each reply is an arrow labelled
    with its number (and its condition, for 'if:' routes). When a reply can
    raise mood, the walkout is drawn as a 'customer walks out' node.

    \b
    Examples:
      talkdown graph my-scenario.yaml > my-scenario.mmd
      talkdown graph my-scenario.yaml --format dot | dot -Tsvg -o my-scenario.svg

    Exit status: 0 drawn; 1 invalid scenario or unwritable output; 2 usage error.
    """
    loaded = load_scenario_or_exit(scenario, max_bytes=max_bytes)
    text = render(loaded, fmt, width=width)
    if fmt == "mermaid":
        edges = sum(1 for line in text.splitlines() if "-->|" in line or "-.->|" in line)
        if len(text) > MERMAID_MAX_TEXT or edges > MERMAID_MAX_EDGES:
            click.echo(
                f"talkdown: note: {len(text):,} characters and {edges} arrows is over what "
                f"GitHub/GitLab draw ({MERMAID_MAX_TEXT:,} characters, {MERMAID_MAX_EDGES} "
                "arrows); use --format dot for large scenarios",
                err=True,
            )
    if output is None:
        click.echo(text, nl=False)
    else:
        from simulator.export.output import text_output

        try:
            with text_output(output, stdout=sys.stdout.buffer) as out:
                out.write(text)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
        echo(f"wrote {output}", err=True)
    sys.exit(0)
