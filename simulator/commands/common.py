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
from simulator.limits import DEFAULT_MAX_BYTES
from simulator.terminal import control_problem, visible, visible_line

if TYPE_CHECKING:
    from simulator.model import Scenario
    from simulator.problems import Problem
    from simulator.validate import FileReport

F = TypeVar("F", bound=Callable[..., Any])


class NameType(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """A trainee or cohort name: refused if it holds a control character.

    Names end up in reports, exports and other people's terminals; a pasted
    escape sequence is never a name. Applies to the environment variable too.
    """

    name = "NAME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value)
        problem = control_problem(text)
        if problem is not None:
            self.fail(f"{visible_line(text)!r} cannot be a name: {problem} — type it again "
                      "without it", param, ctx)  # fmt: skip
        return text


NAME = NameType()


def max_bytes_option(func: F) -> F:
    """``--max-bytes``: refuse scenario files larger than this before parsing."""
    return click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_BYTES,
        show_default=True,
        help="Refuse scenario files larger than this many bytes.",
    )(func)


class DbType(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    """``--db``: a database file (a `Path`) or a ``postgresql://`` URL (kept as text)."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from simulator.results import is_url

        if isinstance(value, Path) or is_url(value):
            return value
        return Path(value)


def db_option(func: F) -> F:
    """``--db PATH|URL`` (or TALKDOWN_DB): the results database."""
    return click.option(
        "--db",
        type=DbType(),
        envvar="TALKDOWN_DB",
        help="Results database: a file (default: talkdown.db in your user data folder) or a "
        "postgresql:// URL (see docs/deploy.md). Env: TALKDOWN_DB.",
    )(func)


def start_options(func: F) -> F:
    """``--from NODE``, ``--mood N``, ``--set FLAG``: start anywhere (a preview)."""
    func = click.option(
        "--set",
        "set_flags",
        multiple=True,
        metavar="FLAG",
        help="Start with FLAG raised (repeatable; a preview).",
    )(func)
    func = click.option(
        "--mood", type=click.IntRange(0, 100), help="Start with this mood (a preview)."
    )(func)
    return click.option(
        "--from", "from_node", metavar="NODE", help="Start at NODE, not the start (a preview)."
    )(func)


#: The reply matchers' names, default first: `simulator.matching.matcher_names()` (a test
#: keeps them equal; the registry itself is not imported until a matcher is used).
MATCHER_NAMES = ("ngram", "semantic")


def player_options(func: F) -> F:
    """Who plays and how: shared by ``talkdown play`` and bare ``talkdown``."""
    func = click.option(
        "--matcher",
        type=click.Choice(MATCHER_NAMES),
        help="What hears typed replies: ngram (built in, the default) or semantic (needs "
        "pip install 'talkdown[semantic]'). Config: matcher.",
    )(func)
    func = click.option(
        "--say",
        is_flag=True,
        help="Say it your way: type each reply in your own words (ctrl+t switches in a call).",
    )(func)
    func = click.option(
        "--timed",
        type=click.IntRange(min=1),
        metavar="SECONDS",
        help="Pressure mode: reply within SECONDS or the customer hears silence.",
    )(func)
    func = click.option(
        "--assess", is_flag=True, help="Assessment mode: feedback only in the debrief."
    )(func)
    func = click.option(
        "--scenarios",
        "scenario_dirs",
        multiple=True,
        metavar="DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="Also list the scenarios in DIR (repeatable; config: scenario_dirs).",
    )(func)
    func = click.option(
        "--cohort",
        envvar="TALKDOWN_COHORT",
        type=NAME,
        help="Your cohort. Env: TALKDOWN_COHORT.",
    )(func)
    return click.option(
        "--trainee",
        envvar="TALKDOWN_TRAINEE",
        type=NAME,
        help="Your name. Env: TALKDOWN_TRAINEE.",
    )(func)


def print_problems(problems: Iterable[Problem]) -> None:
    """Write problems to stderr, one line each (control characters shown, not emitted)."""
    for problem in problems:
        click.echo(visible_line(str(problem)), err=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``talkdown: error: message`` to stderr and exit (the message made `visible`)."""
    click.echo(f"talkdown: error: {visible(message)}", err=True)
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


def check_or_exit(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, keep_graph: bool = False
) -> FileReport:
    """Validate ``path``; if it has errors, print them and exit 1.

    ``keep_graph`` keeps the explored states in the report for ``analyze``.
    """
    from simulator.validate import check_file

    report = check_file(path, max_bytes=max_bytes, keep_graph=keep_graph)
    if report.scenario is None:
        print_problems(p for p in report.problems if p.severity == "error")
        fail(f"{path} is not a valid scenario (run 'talkdown validate {path}' for details)")
    return report


def load_scenario_or_exit(
    spec: str, *, max_bytes: int = DEFAULT_MAX_BYTES, extra_dirs: Iterable[Path] = ()
) -> Scenario:
    """Resolve a path or shipped id and load it; on problems print them and exit 1."""
    scenario = check_or_exit(resolve_or_exit(spec, extra_dirs), max_bytes=max_bytes).scenario
    assert scenario is not None
    return scenario


def matcher_or_exit(flag: str | None, config_matcher: str | None) -> str | None:
    """The matcher to use (``--matcher``, else the config's); exit 1 if it cannot run here."""
    name = flag or config_matcher
    if name is None:
        return None
    from simulator.matching import MatcherUnavailable, get_matcher

    try:
        get_matcher(name)
    except MatcherUnavailable as exc:
        source = "" if flag else " (matcher in the config file)"
        fail(f"{exc}{source}")
    return name


def check_start_or_exit(scenario: Scenario, from_node: str | None, flags: Iterable[str]) -> None:
    """Exit 1 with a hint when ``--from`` or ``--set`` names nothing in ``scenario``."""
    from simulator.problems import did_you_mean

    if from_node is not None and from_node not in scenario.nodes:
        fail(f"no node '{from_node}' in {scenario.id} — {did_you_mean(from_node, scenario.nodes)}")
    known = scenario.flags_used
    for flag in flags:
        if flag not in known:
            hint = did_you_mean(flag, known, "flags") if known else "this scenario raises none"
            fail(f"no reply in {scenario.id} raises the flag '{flag}' — {hint}")
