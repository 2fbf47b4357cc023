"""``talkdown import``: merge JSON Lines exports into this results database."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from simulator.commands.common import db_option, fail
from simulator.terminal import echo


def _plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


@click.command(name="import")
@click.argument(
    "files", nargs=-1, required=True,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)  # fmt: skip
@db_option
def import_(files: tuple[Path, ...], db: Path | None) -> None:
    """Merge JSON Lines exports (talkdown export --format jsonl) into this database.

    Idempotent by attempt uuid: an identical attempt is skipped; an incoming
    attempt that is further on (in progress here, completed or abandoned in
    the file) replaces it; anything else is a conflict, reported and skipped.
    Bad lines are reported as FILE:LINE and skipped; nothing is half-written.

    Exit status: 0 all lines imported or skipped; 1 some line was rejected.
    """
    from simulator.export.importer import ImportSummary, import_file
    from simulator.store import Store, StoreError

    summary = ImportSummary()
    try:
        store = Store.open_default(db)
    except StoreError as exc:
        fail(str(exc))
    with store:
        for path in files:
            try:
                import_file(store, path, summary, report=lambda line: echo(line, err=True))
            except OSError as exc:
                summary.problems.append(f"{path}: cannot read: {exc.strerror or exc}")
                echo(summary.problems[-1], err=True)
    echo(
        f"{_plural(summary.added, 'attempt')} added, {summary.replaced} replaced, "
        f"{summary.identical} skipped (already here), "
        f"{_plural(len(summary.conflicts), 'conflict')} (kept the one here), "
        f"{summary.rejected} rejected"
    )
    sys.exit(1 if summary.rejected else 0)
