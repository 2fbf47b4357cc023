"""``talkdown run``: play a scenario from a list of reply numbers (batch / CI use)."""

from __future__ import annotations

import sys
from typing import Any

import click

from simulator.analysis import par_for
from simulator.commands.common import (
    NAME,
    check_start_or_exit,
    db_option,
    fail,
    load_scenario_or_exit,
    max_bytes_option,
    start_options,
)
from simulator.dialogue import first_name
from simulator.engine import Conversation
from simulator.formatting import score
from simulator.results import DbTarget
from simulator.terminal import dumps_json, echo


def parse_choices(text: str) -> list[int]:
    """``"1,3, 2"`` → ``[1, 3, 2]``; raises ``click.BadParameter`` on anything else."""
    numbers: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise click.BadParameter(
                f"'{part}' is not a reply number; give numbers like 1,3,2", param_hint="--choices"
            )
        numbers.append(int(part))
    return numbers


def _offered(conv: Conversation, node_id: str) -> str:
    choices = conv.scenario.nodes[node_id].choices
    return "; ".join(f"{i}) {text}" for i, text in enumerate(conv.says(choices), 1))


def _fmt(value: float | None) -> str:
    return score(value, missing="not assessed", digits=1)  # author tools show a decimal


def _clock(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def result_json(conv: Conversation, par: int | None) -> dict[str, Any]:
    """The ``--format json`` object (CONTRACTS.md ``talkdown run``)."""
    scores = conv.score(par)
    critical = [{"node": e.node, "choice": e.choice, "reason": e.critical} for e in conv.critical]
    return {
        "scenario": conv.scenario.id,
        "ending": conv.ending,
        "ending_node": conv.ending_node,
        "path": list(conv.path),
        "choices": [e.choice for e in conv.events],
        "mood": conv.mood_history,
        "empathy": scores.empathy,
        "assertiveness": scores.assertiveness,
        "speed": scores.speed,
        "overall": scores.overall,
        "passed": scores.passed,
        "seconds": conv.seconds,
        "turns": conv.turn,
        "critical": critical,
        "outcome": conv.outcome or conv.closing_line,
        "par_seconds": par,
        "preview": conv.start != conv.scenario.start
        or conv.start_mood != conv.scenario.customer.mood
        or bool(conv.start_flags),
    }


@click.command()
@click.argument("scenario")
@click.option(
    "--choices",
    "choices_text",
    required=True,
    metavar="N,N,...",
    help="Reply numbers in order, 1-based as on screen, e.g. 1,3,2.",
)
@start_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human-readable summary, or one JSON object.",
)
@click.option("--record", is_flag=True, help="Store the result as an attempt (mode 'batch').")
@click.option(
    "--trainee", envvar="TALKDOWN_TRAINEE", type=NAME, help="Trainee name (with --record)."
)
@click.option("--cohort", envvar="TALKDOWN_COHORT", type=NAME, help="Cohort (with --record).")
@click.option(
    "--agent",
    metavar="NAME",
    help="The agent's first name, put in place of {agent} in the dialogue "
    "[default: the trainee's first name with --record, else Sam].",
)
@db_option
@max_bytes_option
def run(
    scenario: str,
    choices_text: str,
    from_node: str | None,
    mood: int | None,
    set_flags: tuple[str, ...],
    fmt: str,
    record: bool,
    trainee: str | None,
    cohort: str | None,
    agent: str | None,
    db: DbTarget | None,
    max_bytes: int,
) -> None:
    """Play SCENARIO (a file or a shipped id) with the given replies and score it.

    Exit status: 0 played to an ending; 1 invalid scenario, a reply number out
    of range, replies running out before an ending, or numbers left over after
    it; 2 usage error.
    """
    numbers = parse_choices(choices_text)
    preview = from_node is not None or mood is not None or bool(set_flags)
    if preview and record:
        raise click.UsageError("--from/--mood/--set runs are previews and cannot be --record'ed")
    loaded = load_scenario_or_exit(scenario, max_bytes=max_bytes)
    check_start_or_exit(loaded, from_node, set_flags)
    identity = _identity(trainee, cohort) if record else None
    name = agent if agent is not None else identity[0] if identity is not None else None
    conv = Conversation(loaded, start=from_node, mood=mood, flags=set_flags, agent=first_name(name))
    for index, number in enumerate(numbers):
        if conv.finished:
            fail(
                f"the conversation ended ({conv.ending}) after {index} repl"
                f"{'y' if index == 1 else 'ies'}; {len(numbers) - index} number(s) left over: "
                f"{','.join(map(str, numbers[index:]))}"
            )
        offered = len(conv.choices)
        if not 1 <= number <= offered:
            fail(
                f"reply {number} (number {index + 1} in --choices) is not offered at node "
                f"'{conv.node_id}', which offers 1-{offered}: {_offered(conv, conv.node_id)}"
            )
        conv.choose(number, latency_ms=None)
    if not conv.finished:
        fail(
            f"the replies ran out at node '{conv.node_id}' before an ending; "
            f"it offers: {_offered(conv, conv.node_id)}"
        )
    par = par_for(loaded, start=from_node, mood=mood, flags=set_flags)
    payload = result_json(conv, par)
    if identity is not None:
        from simulator.recording import record_finished

        payload["attempt"] = record_finished(conv, par, identity=identity, db=db, mode="batch")
    if fmt == "json":
        click.echo(dumps_json(payload))
    else:
        _print_text(conv, payload)
    sys.exit(0)


def _identity(trainee: str | None, cohort: str | None) -> tuple[str, str]:
    from simulator.config import resolve_trainee

    found = resolve_trainee(trainee, cohort)
    if found is None:
        raise click.UsageError(
            "--record needs a trainee and cohort: pass --trainee NAME --cohort C, set "
            "TALKDOWN_TRAINEE/TALKDOWN_COHORT, or play once in the app to remember them"
        )
    return found


def _print_text(conv: Conversation, payload: dict[str, Any]) -> None:
    scenario = conv.scenario
    echo(f"{scenario.title} ({scenario.id})")
    if payload["preview"]:
        echo(f"Preview from node '{conv.start}' (scores relative to this start)")
    echo("Path:    " + " → ".join(conv.path))
    ending_text = payload["outcome"]
    echo(f"Ending:  {conv.ending}" + (f" — {ending_text}" if ending_text else ""))
    for item in payload["critical"]:
        echo(
            f"Critical: reply {item['choice']} at '{item['node']}' would fail a quality "
            f"check: {item['reason']}"
        )
    echo("Mood:    " + " → ".join(str(m) for m in payload["mood"]))
    echo(
        f"Scores:  empathy {_fmt(payload['empathy'])}, assertiveness "
        f"{_fmt(payload['assertiveness'])}, speed {_fmt(payload['speed'])}"
    )
    verdict = "PASSED" if payload["passed"] else "not passed"
    echo(
        f"Overall: {_fmt(payload['overall'])} — {verdict} "
        f"(pass mark {scenario.scoring.pass_mark:g}; the ending must be resolved, with no "
        "critical reply)"
    )
    par = payload["par_seconds"]
    echo(
        f"Time:    {_clock(conv.seconds)} simulated over {conv.turn} turn"
        f"{'s' if conv.turn != 1 else ''}" + (f" (par {_clock(par)})" if par is not None else "")
    )
    if "attempt" in payload:
        echo(f"Recorded as attempt {payload['attempt']}")
