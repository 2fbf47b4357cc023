"""``talkdown validate``: check scenario files and folders."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.commands.common import max_bytes_option
from simulator.terminal import dumps_json, echo, visible_line
from simulator.validate import check_file, scenario_files


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--strict",
    is_flag=True,
    help="Treat warnings as errors, and warn about replies too alike for typed replies "
    "to tell apart.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human-readable lines, or one JSON object.",
)
@max_bytes_option
def validate(paths: tuple[Path, ...], strict: bool, fmt: str, max_bytes: int) -> None:
    """Check scenario files (or folders of them) and report every problem.

    Each problem is printed as FILE:LINE:COL: what is wrong — what to do.
    Exit status: 0 clean, 1 problems found, 2 usage error.
    """
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(
            ", ".join(f"'{p}' does not exist" for p in missing), param_hint="PATHS"
        )
    files = list(scenario_files(paths))
    reports = [check_file(f, max_bytes=max_bytes, typed=strict) for f in files]
    failed = [r for r in reports if r.failed(strict)]
    errors = sum(1 for r in reports for p in r.problems if p.severity == "error")
    warnings = sum(1 for r in reports for p in r.problems if p.severity == "warning")
    if fmt == "json":
        payload = {
            "ok": not failed,
            "strict": strict,
            "files": [
                {
                    "path": r.path,
                    "id": r.scenario.id if r.scenario else None,
                    "ok": not r.failed(strict),
                    "problems": [p.to_json() for p in r.problems],
                }
                for r in reports
            ],
            "errors": errors,
            "warnings": warnings,
        }
        click.echo(dumps_json(payload, indent=2))
    else:
        for report in reports:
            for problem in report.problems:
                echo(visible_line(str(problem)))
        if not files:
            echo("no scenario files (*.yaml, *.yml) found", err=True)
        ok = len(reports) - len(failed)
        summary = (
            f"{len(reports)} file{'s' if len(reports) != 1 else ''} checked: {ok} ok, "
            f"{errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}"
        )
        if strict and warnings:
            summary += " (--strict: warnings count as errors)"
        echo(summary, err=True)
    sys.exit(1 if failed or not files else 0)
