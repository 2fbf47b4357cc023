"""``talkdown analyze``: what a scenario lets a trainee do, over its feasible paths."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any, Final

import click

from scoring.vocabulary import SCORES
from simulator import formatting
from simulator.analysis import PATH_LIMIT, Analysis, PathResult
from simulator.analysis import analyze as run_analysis
from simulator.commands.common import (
    check_or_exit,
    check_start_or_exit,
    max_bytes_option,
    resolve_or_exit,
    start_options,
)
from simulator.model import ENDINGS, Scenario
from simulator.statespace import TOO_COMPLEX
from simulator.terminal import dumps_json, echo

LIST_LIMIT: Final = 20  # items of a long list shown in text output
PATH_SHOWN: Final = 8  # nodes / replies of a long path shown in text output


def analysis_json(
    scenario: Scenario, result: Analysis, *, mood: int, flags: Iterable[str]
) -> dict[str, Any]:
    """The ``--format json`` object."""

    def path(p: PathResult | None) -> dict[str, Any] | None:
        return None if p is None else p.to_json()

    bounds: dict[str, dict[str, list[float] | None]] | None = None
    if not result.exact:  # a dimension no reachable decision counts for has no range
        bounds = {
            side: {dim: None if r is None else [r[0], r[1]] for dim, r in ranges.items()}
            for side, ranges in result.bounds.items()
        }
    return {
        "scenario": scenario.id,
        "start": result.start,
        "mood": mood,
        "flags": sorted(flags),
        "states": result.states,
        "complete": result.complete,
        "par_seconds": result.par_seconds,
        "par_rule": result.par_rule,
        "par_exact": result.par_exact,
        "endings": {kind: path(result.endings.get(kind)) for kind in ENDINGS},
        "endings_unknown": list(result.endings_unknown),
        "best": {dim: path(result.best.get(dim)) for dim in SCORES},
        "worst": {dim: path(result.worst.get(dim)) for dim in SCORES},
        "exact": result.exact,
        "bounds": bounds,
        "expert_path": path(result.expert),
        "path_count": result.path_count,
        "path_count_exact": result.path_count_exact,
        "flat_nodes": list(result.flat_nodes),
        "dead_replies": [{"node": node, "reply": number} for node, number in result.dead_replies],
        "unreachable_nodes": list(result.unreachable_nodes),
        "stuck_nodes": list(result.stuck_nodes),
        "notes": list(result.notes),
    }


# -- text ----------------------------------------------------------------------


def clock(seconds: int | None) -> str:
    """``45s``, ``1m 05s``; ``—`` for None."""
    if seconds is None:
        return "—"
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def score(value: float | None) -> str:
    """A 0–100 score to one decimal, ``n/a`` when not assessed."""
    return formatting.score(value, missing="n/a", digits=1)


def _abbrev(items: Sequence[str], sep: str, keep: int = PATH_SHOWN) -> str:
    if len(items) <= keep:
        return sep.join(items)
    head = keep // 2
    return sep.join([*items[:head], f"… {len(items) - keep} more …", *items[-(keep - head) :]])


def replies_text(p: PathResult) -> str:
    """The reply numbers as ``run --choices`` takes them: ``1,3,2``."""
    return _abbrev([str(n) for n in p.choices], ",", 12)


def path_text(p: PathResult) -> str:
    """``opening → check → happy``; a walkout ends with ``walks out``."""
    nodes = [*p.nodes, "walks out"] if p.ending_node is None else list(p.nodes)
    return _abbrev(nodes, " → ")


def count_text(result: Analysis) -> str:
    """The number of complete paths; ``more than N`` or ``at least N`` when counting stopped."""
    if not result.path_count_exact:
        if result.path_count > PATH_LIMIT + 1:  # a lower bound well past the limit
            return f"more than {PATH_LIMIT:,} (at least {result.path_count:,})"
        if result.path_count == PATH_LIMIT + 1:  # counting stopped one past the limit
            return f"more than {PATH_LIMIT:,}"
        return f"at least {result.path_count:,} (counting stopped: {TOO_COMPLEX})"
    return f"{result.path_count:,}"


def par_text(scenario: Scenario, result: Analysis) -> list[str]:
    """The par lines: the time, which rule set it, and whether it is proven."""
    if result.par_seconds is None:
        if result.par_exact:
            return ["Par:     none (no resolved ending can be reached)"]
        return [f"Par:     none found ({TOO_COMPLEX})"]
    mark = f"{scenario.scoring.pass_mark:g}"
    competent = f"no critical reply; empathy and assertiveness each at least {mark}"
    if result.par_rule == "competent":
        lines = [
            f"Par:     {clock(result.par_seconds)} — the fastest competent resolved path",
            f"         ({competent})",
        ]
    else:
        lines = [f"Par:     {clock(result.par_seconds)} — the fastest resolved path"]
        if result.par_exact:
            lines.append(f"         (no resolved path is competent: {competent})")
    if not result.par_exact:
        lines.append("         not proven fastest (see 'Not proven' below)")
    return lines


def _list_text(items: Sequence[str]) -> str:
    if not items:
        return "none"
    shown = ", ".join(items[:LIST_LIMIT])
    if len(items) > LIST_LIMIT:
        shown += f" … and {len(items) - LIST_LIMIT} more (see --format json)"
    return shown


def dead_text(dead: Sequence[tuple[str, int]]) -> str:
    """``opening 2; angry 1, 2`` (grouped by node, in order)."""
    groups: dict[str, list[str]] = {}
    for node, number in dead:
        groups.setdefault(node, []).append(str(number))
    parts = [f"{node} {', '.join(numbers)}" for node, numbers in groups.items()]
    if not parts:
        return "none"
    shown = "; ".join(parts[:LIST_LIMIT])
    if len(parts) > LIST_LIMIT:
        shown += f" … and {len(parts) - LIST_LIMIT} more nodes (see --format json)"
    return shown


def _table(rows: list[list[str]], right: Iterable[int] = ()) -> list[str]:
    """Rows aligned in columns (``right``: right-aligned column indexes)."""
    right = set(right)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def analysis_text(
    scenario: Scenario, result: Analysis, *, mood: int, flags: Sequence[str], preview: bool
) -> str:
    """The trainer-readable report."""
    lines = [f"{scenario.title} ({scenario.id})"]
    start = f"Start:   node '{result.start}', mood {mood}"
    if flags:
        start += ", flags " + ", ".join(sorted(flags))
    if preview:
        start += " (a preview: par and scores are relative to this start)"
    lines.append(start)
    lines.append(
        f"Explored {result.states:,} states"
        + ("" if result.complete else f" (stopped early: {TOO_COMPLEX})")
        + f"; complete paths: {count_text(result)}"
    )
    lines.append("")
    rows = [["ending", "time", "replies", "path"]]
    for kind in ENDINGS:
        p = result.endings.get(kind)
        if p is None:
            missing = "not found" if kind in result.endings_unknown else "not reachable"
            rows.append([kind, "—", "—", missing])
        else:
            rows.append([kind, clock(p.seconds), replies_text(p), path_text(p)])
    lines.append("Fastest path to each ending:")
    lines += _table(rows, right=[1])
    lines.append("")
    lines += par_text(scenario, result)
    expert = result.expert
    if expert is None:
        lines.append("Expert:  no resolved path without a critical reply")
    else:
        lines.append(
            f"Expert:  replies {replies_text(expert)} — {path_text(expert)}, "
            f"{clock(expert.seconds)}, speed {score(expert.scores.speed)}, "
            f"overall {score(expert.scores.overall)}"
            + ("" if result.exact else " (the strongest found, not proven best)")
        )
    lines.append("")
    if result.exact:
        lines.append("Scores a trainee can reach (every complete path checked):")
        rows = [["", "best", "replies", "ending", "worst", "replies", "ending"]]
        for dim in SCORES:
            row = [dim]
            for side in (result.best, result.worst):
                p = side.get(dim)
                if p is None:
                    row += ["—", "", ""]
                else:
                    ending = p.ending + (" (walkout)" if p.ending_node is None else "")
                    row += [score(getattr(p.scores, dim)), replies_text(p), ending]
            rows.append(row)
        lines += _table(rows, right=[1, 4])
    else:
        lines.append(
            "Scores a trainee can reach (too many paths to check each, so ranges that "
            "contain the true best and worst):"
        )
        rows = [["", "best", "worst"]]
        for dim in SCORES:
            cells = [dim]
            for bound in ("best", "worst"):
                span = result.bounds.get(bound, {}).get(dim)
                shown = f"{score(span[0])} .. {score(span[1])}" if span is not None else None
                cells.append(shown or "not assessed")
            rows.append(cells)
        lines += _table(rows)
        best = result.best.get("overall")
        if best is not None:
            lines.append(
                f"  a strong path found: replies {replies_text(best)} "
                f"({best.ending}, overall {score(best.scores.overall)})"
            )
    lines.append("")
    lines.append(f"Flat nodes (every reply scores the same): {_list_text(result.flat_nodes)}")
    # These need every state: on a partly explored file they are not known.
    unknown = f"not checked ({TOO_COMPLEX})"
    dead = dead_text(result.dead_replies) if result.complete else unknown
    unreachable = _list_text(result.unreachable_nodes) if result.complete else unknown
    stuck = _list_text(result.stuck_nodes) if result.complete else unknown
    lines.append(f"Replies on no path to a resolved ending: {dead}")
    lines.append(f"Unreachable nodes: {unreachable}")
    lines.append(f"Stuck nodes (no ending reachable): {stuck}")
    if result.notes:
        lines.append("")
        lines.append("Not proven:")
        lines += [f"  - {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


# -- the command -----------------------------------------------------------------


@click.command()
@click.argument("scenario")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="A short report for trainers, or one JSON object.",
)  # fmt: skip
@start_options
@max_bytes_option
def analyze(
    scenario: str,
    fmt: str,
    from_node: str | None,
    mood: int | None,
    set_flags: tuple[str, ...],
    max_bytes: int,
) -> None:
    """Report what SCENARIO (a file or a shipped id) lets a trainee do.

    Over every feasible path (conditions and walkout respected): the fastest
    path to each ending, par (the fastest competent resolved path) and the rule
    that set it, the best and worst score per dimension and the replies that
    get them, the expert path and its speed, how many complete paths there are,
    nodes where every reply scores the same, replies that lie on no path to a
    resolved ending, and unreachable or stuck nodes. A file too complex to
    analyse exactly still gets an answer, with what was not proven listed at
    the end. --from/--mood/--set analyse from another starting point, as
    'talkdown run' previews do.

    Exit status: 0 analysed; 1 invalid scenario, unknown node or flag; 2 usage error.
    """
    report = check_or_exit(resolve_or_exit(scenario), max_bytes=max_bytes, keep_graph=True)
    loaded = report.scenario
    assert loaded is not None
    check_start_or_exit(loaded, from_node, set_flags)
    start_mood = loaded.customer.mood if mood is None else mood
    flags = sorted(set(set_flags))
    preview = from_node is not None or mood is not None or bool(flags)
    # From the scenario's own start, reuse the states validation just explored.
    graph = None if preview else report.graph
    result = run_analysis(loaded, start=from_node, mood=mood, flags=flags, graph=graph)
    if fmt == "json":
        payload = analysis_json(loaded, result, mood=start_mood, flags=flags)
        click.echo(dumps_json(payload, indent=2))
    else:
        echo(analysis_text(loaded, result, mood=start_mood, flags=flags, preview=preview), nl=False)
    sys.exit(0)
