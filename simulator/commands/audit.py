"""``talkdown audit``: can a scenario be beaten without thinking?"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Final

import click

from simulator.audit import (
    DEFAULT_RUNS,
    RANDOM_LIMIT,
    TELL_LIMIT,
    TELLS,
    FileAudit,
    LibrarySummary,
    audit_scenario,
    summarise,
)
from simulator.audit_policies import DETERMINISTIC, POLICIES
from simulator.commands.analyze import clock
from simulator.commands.common import max_bytes_option, print_problems
from simulator.validate import check_file, scenario_files

WIDTH: Final = 79  # an 80-column terminal, without touching the last column
MAX_RUNS: Final = 10_000  # random runs per file: bounded work

TELL_LABELS: Final[dict[str, str]] = {
    "longest": "the longest reply",
    "most_sentences": "the most sentences",
    "apology_opener": "opens with an apology",
}
FLAG: Final = "<- warning"


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A readable report, or JSON (one object for one file; "
    '{"files": [...], "library": {...}} for a folder or several paths).',
)
@click.option(
    "--runs",
    type=click.IntRange(1, MAX_RUNS),
    default=DEFAULT_RUNS,
    show_default=True,
    help="Random play-throughs per scenario (seeded 0, 1, …, so results repeat).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 if a surface tell is above 0.5 or random passes over 10% of its runs in "
    "any file, or a fixed policy passes more than max(1, 10% of the files).",
)
@max_bytes_option
def audit(paths: tuple[Path, ...], fmt: str, runs: int, strict: bool, max_bytes: int) -> None:
    """Check that scenario files (or folders of them) can't be passed without thinking.

    For every decision a trainee can reach, it asks whether a surface rule
    (the longest reply, the most sentences, an apology first) finds the
    strongest reply, and it plays naive policies through the real game:
    longest, shortest, first, last, always_apologise, warm_caver and random.
    See "Checking a scenario can't be gamed" in docs/authoring.md.

    Exit status: 0 audited (with --strict: and nothing beats the scenarios);
    1 an invalid file, no files found, or --strict failed; 2 usage error.
    """
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise click.BadParameter(
            ", ".join(f"'{p}' does not exist" for p in missing), param_hint="PATHS"
        )
    files = list(scenario_files(paths))
    if not files:
        click.echo(
            "talkdown: error: no scenario files (*.yaml, *.yml) found in "
            f"{', '.join(map(str, paths))} — give scenario files or folders that hold them",
            err=True,
        )
        sys.exit(1)
    audits: list[FileAudit] = []
    invalid: list[str] = []
    for path in files:
        report = check_file(path, max_bytes=max_bytes)
        if report.scenario is None:
            print_problems(p for p in report.problems if p.severity == "error")
            click.echo(
                f"talkdown: error: {path} is not a valid scenario, so it was not audited — "
                f"fix it (see 'talkdown validate {path}')",
                err=True,
            )
            invalid.append(str(path))
            continue
        audits.append(audit_scenario(report.scenario, path=str(path), runs=runs))

    single = len(paths) == 1 and not paths[0].is_dir()
    summary = summarise(audits, invalid)
    if fmt == "json":
        if single:
            if audits:
                click.echo(json.dumps(audits[0].to_json(), indent=2, ensure_ascii=False))
        else:
            payload = {"files": [a.to_json() for a in audits], "library": summary.to_json()}
            click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for index, item in enumerate(audits):
            if index:
                click.echo()
            _print_file(item)
        if not single and audits:
            click.echo()
            _print_library(summary)

    failures = summary.strict_failures
    if strict and failures:
        click.echo(f"talkdown audit --strict: failed ({len(failures)} reasons):", err=True)
        for reason in failures:
            click.echo(f"  {reason}", err=True)
    elif strict and audits:
        click.echo("talkdown audit --strict: passed", err=True)
    sys.exit(1 if invalid or (strict and failures) else 0)


# -- text ------------------------------------------------------------------------


def _wrap(text: str, first: str, rest: str) -> str:
    return textwrap.fill(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    )


def _print_file(item: FileAudit) -> None:
    click.echo(f"{item.title} ({item.scenario_id})")
    click.echo(f"  {item.path}")
    click.echo(
        f"  {item.decisions} decision{'s' if item.decisions != 1 else ''} a trainee can reach; "
        f"par {clock(item.par_seconds)}"
    )
    click.echo()
    click.echo("  Surface tells: share of decisions where the rule picks the strongest reply")
    for tell in TELLS:
        share = item.tell_share(tell)
        mark = f"  {FLAG} (above {TELL_LIMIT})" if share > TELL_LIMIT else ""
        click.echo(f"    {TELL_LABELS[tell]:<24}{share:>5.2f}{mark}")
    click.echo()
    click.echo(f"  {'Naive policy':<22}{'runs':>6}{'passed':>8}{'mean overall':>14}")
    for name, result in item.policies.items():
        mark = f"  {FLAG}" if item.beaten_by(name) else ""
        click.echo(
            f"    {name:<20}{result.runs:>6}{result.passed:>8}{result.mean_overall:>14.1f}{mark}"
        )
    click.echo()
    click.echo(
        f"  {'Near misses':<18}{item.near_miss_share:.2f} of decisions offer a tempting wrong reply"
    )
    click.echo(f"  {'Reactions':<18}{item.reaction_share:.2f} of replies carry a customer reaction")
    click.echo(f"  {'Critical replies':<18}{item.critical_replies}")
    _print_confusion(item)
    if item.warnings:
        click.echo()
        click.echo(f"  Warnings ({len(item.warnings)}):")
        for warning in item.warnings:
            click.echo(_wrap(warning, "    - ", "      "))
    else:
        click.echo("  No warnings: no surface rule or naive policy beats this scenario.")


def _print_confusion(item: FileAudit) -> None:
    """Typed replies: the closest replies and what the matcher mixes up, node by node."""
    if item.confusion_margin is None:
        return
    closest = min(item.confusion, key=lambda c: c.margin)
    pair = f"replies {closest.closest[0]} and {closest.closest[1]} " if closest.closest else ""
    click.echo(
        _wrap(
            f"closest {pair}at '{closest.node}', margin {closest.margin:.2f} "
            f"({item.matcher} matcher)",
            f"  {'Typed replies':<18}",
            " " * 20,
        )
    )
    for node in item.confusion:
        for mix in node.mixups:
            what = "could be either" if mix.reason == "ambiguous" else "is heard as"
            text = mix.text if len(mix.text) <= 40 else mix.text[:37] + "..."
            click.echo(
                _wrap(
                    f"'{node.node}': reply {mix.reply}'s \"{text}\" {what} reply {mix.heard_as}",
                    "    - ",
                    "      ",
                )
            )
        for a, b in node.needs_paraphrases:
            margin = next(m for x, y, m in node.close_pairs if (x, y) == (a, b))
            click.echo(
                _wrap(
                    f"'{node.node}': replies {a} and {b} are close (margin {margin:.2f}) — "
                    "give both 'paraphrases:' that say what sets each apart",
                    "    - ",
                    "      ",
                )
            )


def _print_library(summary: LibrarySummary) -> None:
    files = summary.files
    click.echo(
        f"Library: {files} file{'s' if files != 1 else ''} audited, "
        f"{summary.decisions} decisions"
        + (f", {len(summary.invalid)} invalid (not audited)" if summary.invalid else "")
    )
    click.echo()
    click.echo(f"  {'Surface tell':<26}{'share':>7}{'files above ' + str(TELL_LIMIT):>20}")
    for tell in TELLS:
        flagged = summary.flagged[tell]
        mark = f"  {FLAG}" if flagged else ""
        click.echo(
            f"    {TELL_LABELS[tell]:<24}{summary.tell_shares[tell]:>7.2f}"
            f"{f'{flagged} of {files}':>20}{mark}"
        )
    click.echo()
    click.echo(f"  {'Naive policy':<26}{'files passed':>27}")
    for name in POLICIES:
        beaten = summary.beaten[name]
        over = beaten > summary.allowed if name in DETERMINISTIC else beaten > 0
        mark = f"  {FLAG}" if over else ""
        click.echo(f"    {name:<24}{f'{beaten} of {files}':>27}{mark}")
    click.echo()
    allowed = f"{summary.allowed:g} file{'s' if summary.allowed != 1 else ''}"
    note = (
        f"A fixed policy may pass at most {allowed} (max(1, 10% of the files)): one "
        "genuinely warm scenario may be passed by warm_caver, but no policy should beat "
        f"the library. For random, 'passed' counts files where more than "
        f"{RANDOM_LIMIT:.0%} of its runs pass."
    )
    click.echo(_wrap(note, "  ", "  "))
