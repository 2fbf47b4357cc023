"""Options and helpers shared by several commands.

Light to import (no loader, no YAML) so ``talkdown play`` starts fast; the
loader is imported when a scenario is actually loaded.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from simulator.library import known_ids, resolve
from simulator.model import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from simulator.model import Scenario
    from simulator.problems import Problem

F = TypeVar("F", bound=Callable[..., Any])


def max_bytes_option(func: F) -> F:
    """``--max-bytes``: refuse scenario files larger than this before parsing."""
    return click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_BYTES,
        show_default=True,
        help="Refuse scenario files larger than this many bytes.",
    )(func)


def db_option(func: F) -> F:
    """``--db PATH`` (or TALKDOWN_DB): the results database."""
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="TALKDOWN_DB",
        help="Results database (default: talkdown.db in your user data folder). Env: TALKDOWN_DB.",
    )(func)


def print_problems(problems: Iterable[Problem]) -> None:
    """Write problems to stderr, one line each."""
    for problem in problems:
        click.echo(str(problem), err=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``talkdown: error: message`` to stderr and exit."""
    click.echo(f"talkdown: error: {message}", err=True)
    sys.exit(code)


def resolve_or_exit(spec: str, extra_dirs: Iterable[Path] = ()) -> Path:
    """A scenario argument (a file, or a shipped or trainer's id) as an existing path."""
    from simulator.problems import did_you_mean

    dirs = list(extra_dirs)
    path = resolve(spec, dirs)
    if path is None:
        ids = known_ids(dirs)
        fail(f"no scenario file or id '{spec}' — {did_you_mean(spec, ids, 'scenarios')}")
    if not path.exists():
        fail(f"{path}: no such file — check the path")
    return path


def load_scenario_or_exit(
    spec: str, *, max_bytes: int = DEFAULT_MAX_BYTES, extra_dirs: Iterable[Path] = ()
) -> Scenario:
    """Resolve a path or shipped id and load it; on problems print them and exit 1."""
    from simulator.validate import check_file

    path = resolve_or_exit(spec, extra_dirs)
    report = check_file(path, max_bytes=max_bytes)
    if report.scenario is None:
        print_problems(p for p in report.problems if p.severity == "error")
        fail(f"{path} is not a valid scenario (run 'talkdown validate {path}' for details)")
    return report.scenario
