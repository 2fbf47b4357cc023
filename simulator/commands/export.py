"""``talkdown export``: attempts as CSV, JSON Lines or xAPI statements (file, stdout or LRS)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from simulator.commands.common import db_option, fail
from simulator.results import DbTarget, Filters, StoreError, parse_since
from simulator.terminal import echo

if TYPE_CHECKING:
    from simulator.export.xapi import XapiOptions
    from simulator.results import ResultsStore, ResultsView


class SinceType(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """``--since``: a date or ISO 8601 datetime (UTC unless a zone is given)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            return parse_since(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


SINCE = SinceType()


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--cohort``, ``--scenario`` and ``--since`` (shared with ``talkdown report``)."""
    func = click.option(
        "--since", type=SINCE,
        help="Only attempts started at or after this date/time (e.g. 2024-03-01; UTC "
        "unless a zone is given).",
    )(func)  # fmt: skip
    func = click.option("--scenario", metavar="ID", help="Only this scenario id.")(func)
    return click.option(
        "--cohort", "cohorts", metavar="C", multiple=True,
        help="Only this cohort (repeat for several: the report then compares them).",
    )(func)  # fmt: skip


@contextlib.contextmanager
def progress(
    total: int, label: str, *, to_terminal: bool
) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal and the data is not.

    Yields the tick function (None when there is no bar).
    """
    if to_terminal or not sys.stderr.isatty() or total <= 0:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def open_store(db: DbTarget | None) -> ResultsStore:
    """The results database for reading (read-only if it cannot be written); exits 1 if unusable."""
    from simulator.results import open_for_reading

    try:
        return open_for_reading(db)
    except StoreError as exc:
        fail(str(exc))


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl", "xapi"]), default="csv",
    show_default=True,
    help="csv (spreadsheets), jsonl (full fidelity, re-importable), xapi (statements, JSON).",
)  # fmt: skip
@click.option("--trainee", metavar="NAME", help="Only this trainee (by name).")
@filter_options
@click.option("--choices", is_flag=True, help="CSV: one row per reply instead of per attempt.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 BOM (older Excel).")
@click.option(
    "--include-typed", is_flag=True,
    help="Include what trainees typed in say mode, what it was heard as and whether they "
    "overrode it. Typed text is personal data: without this flag it never leaves this "
    "machine.",
)  # fmt: skip
@click.option(
    "-o", "--output", default="-", metavar="FILE|-", show_default=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write here ('-' = standard output). A file is replaced only when complete; a "
    "symlink is followed; a device or FIFO is written to.",
)  # fmt: skip
@click.option(
    "--iri-base", default="https://talkdown.invalid/", show_default=True, metavar="IRI",
    help="xAPI: base of activity ids and extension keys.",
)  # fmt: skip
@click.option(
    "--home-page", default="https://talkdown.invalid", show_default=True, metavar="URL",
    help="xAPI: account homePage for trainees without an e-mail.",
)  # fmt: skip
@click.option(
    "--lrs", metavar="URL",
    help="xAPI: send the statements to this LRS (POST URL/statements). Credentials from "
    "TALKDOWN_LRS_USER / TALKDOWN_LRS_PASSWORD.",
)  # fmt: skip
@click.option(
    "--batch-size", type=click.IntRange(1, 1000), default=50, show_default=True,
    help="xAPI with --lrs: statements per request.",
)  # fmt: skip
@click.option(
    "--lrs-timeout", type=click.FloatRange(1, 3600), default=20, show_default=True,
    metavar="SECONDS",
    help="xAPI with --lrs: longest one request may take, start to finish (a batch, retries "
    "included, stops after 3x that).",
)  # fmt: skip
@db_option
def export(
    fmt: str,
    trainee: str | None,
    cohorts: tuple[str, ...],
    scenario: str | None,
    since: datetime | None,
    choices: bool,
    bom: bool,
    include_typed: bool,
    output: str,
    iri_base: str,
    home_page: str,
    lrs: str | None,
    batch_size: int,
    lrs_timeout: float,
    db: DbTarget | None,
) -> None:
    """Export attempts for spreadsheets, other talkdown databases or an LMS/LRS.

    Times are UTC, ISO 8601. CSV text cells that a spreadsheet would run as a
    formula are prefixed with '. See docs/results.md for every column.
    """
    if choices and fmt != "csv":
        raise click.UsageError("--choices only applies to --format csv")
    if bom and fmt != "csv":
        raise click.UsageError("--bom only applies to --format csv")
    if lrs is not None and fmt != "xapi":
        raise click.UsageError("--lrs sends xAPI statements: add --format xapi")
    ctx = click.get_current_context()
    if (
        lrs is None
        and ctx.get_parameter_source("lrs_timeout") is click.core.ParameterSource.COMMANDLINE
    ):
        raise click.UsageError("--lrs-timeout only applies with --lrs")
    options = xapi_options(iri_base, home_page, include_typed) if fmt == "xapi" else None
    filters = Filters(cohorts=cohorts, trainee=trainee, scenario=scenario, since=since)
    lrs_only = lrs is not None and ctx.get_parameter_source("output") is not (
        click.core.ParameterSource.COMMANDLINE
    )
    to_terminal = output == "-" and not lrs_only and sys.stdout.isatty()
    store = open_store(db)
    protect = () if store.path is None else (store.path,)  # never write over the database
    try:
        with store.snapshot() as view:
            if lrs is not None and options is not None:
                _send(view, filters, options, lrs, batch_size, output, write_file=not lrs_only,
                      timeout=lrs_timeout, protect=protect)  # fmt: skip
                return
            count = _write(view, filters, fmt, choices, bom, output, options,
                           to_terminal=to_terminal, protect=protect,
                           include_typed=include_typed)  # fmt: skip
    except StoreError as exc:
        fail(str(exc))
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error; silence the final flush.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    finally:
        store.close()
    if output != "-":
        unit = "statements" if fmt == "xapi" else "replies" if choices else "attempts"
        echo(f"exported {count} {unit} ({fmt}) to {output}", err=True)


def xapi_options(iri_base: str, home_page: str, include_typed: bool = False) -> XapiOptions:
    """The xAPI options, with the IRIs checked (a usage error otherwise)."""
    from simulator.export.xapi import XapiOptions

    for name, value in (("--iri-base", iri_base), ("--home-page", home_page)):
        if not value.startswith(("http://", "https://")):
            raise click.BadParameter(f"'{value}' must be an http(s) IRI", param_hint=name)
    return XapiOptions(iri_base=iri_base, home_page=home_page, include_typed=include_typed)


def _write(
    view: ResultsView, filters: Filters, fmt: str, choices: bool, bom: bool, output: str,
    options: XapiOptions | None, *, to_terminal: bool, protect: tuple[Path, ...],
    include_typed: bool = False,
) -> int:  # fmt: skip
    from simulator.export.output import text_output

    total = view.count_attempts(filters) if not to_terminal and sys.stderr.isatty() else 0
    if choices and total:
        total = view.count_replies(filters)
    stdout = sys.stdout.buffer
    with (
        text_output(output, stdout=stdout, bom=bom, protect=protect) as out,
        progress(total, "Exporting", to_terminal=to_terminal) as tick,
    ):
        if fmt == "csv":
            from simulator.export import csv_export

            writer = csv_export.write_choices_csv if choices else csv_export.write_attempts_csv
            return writer(view, filters, out, tick=tick, include_typed=include_typed)
        if fmt == "jsonl":
            from simulator.export.jsonl import write_jsonl

            return write_jsonl(view, filters, out, tick=tick, include_typed=include_typed)
        from simulator.export.xapi import iter_statements, write_statements

        assert options is not None
        return write_statements(iter_statements(view, filters, options, tick=tick), out)


def _send(
    view: ResultsView, filters: Filters, options: XapiOptions, url: str, batch_size: int,
    output: str, *, write_file: bool, timeout: float, protect: tuple[Path, ...],
) -> None:  # fmt: skip
    from simulator.export.lrs import LrsClient, LrsError, credentials_from_env
    from simulator.export.xapi import iter_statements, write_statements

    credentials = credentials_from_env()
    if credentials is not None and url.startswith("http://"):
        click.echo(
            "talkdown: warning: sending LRS credentials over plain http:// — use https://",
            err=True,
        )
    try:
        client = LrsClient(url, credentials=credentials, batch_size=batch_size,
                           timeout_s=timeout, batch_deadline_s=3 * timeout)  # fmt: skip
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--lrs") from None
    if write_file:
        # The file gets exactly what is sent; written first, then sent.
        from simulator.export.output import text_output

        with text_output(output, stdout=sys.stdout.buffer, protect=protect) as out:
            write_statements(iter_statements(view, filters, options), out)
    total = view.count_attempts(filters)
    with progress(total, "Sending", to_terminal=False) as tick:
        try:
            result = client.send(iter_statements(view, filters, options, tick=tick))
        except LrsError as exc:
            fail(str(exc))
    already = f", {result.already} already there" if result.already else ""
    echo(
        f"sent {result.sent} statements for {total} attempts to {client.endpoint}{already}",
        err=True,
    )
