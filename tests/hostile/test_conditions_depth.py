"""Conditions nested too deep: a clear load error at file:line:col, never RecursionError."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.conditions import MAX_DEPTH, ConditionError, parse_condition
from simulator.tui.app import make_app
from tests.hostile.helpers import CORPUS


class State:
    """What a condition reads."""

    mood = 50
    turn = 1
    empathy = 0
    assertiveness = 0
    flags = frozenset({"helped"})


def test_nesting_up_to_the_limit_parses_and_evaluates() -> None:
    # 32 levels: 16 'not's (an even number: true stays true) inside 16 parentheses.
    text = "(" * 16 + "not " * 16 + "helped" + ")" * 16
    condition = parse_condition(text)
    assert condition(State()) is True
    assert condition.flags == {"helped"}
    odd = parse_condition("(" * 16 + "not " * 15 + "helped" + ")" * 16)
    assert odd(State()) is False


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("(" * (MAX_DEPTH + 1) + "helped" + ")" * (MAX_DEPTH + 1), MAX_DEPTH),
        ("not " * (MAX_DEPTH + 1) + "helped", 4 * MAX_DEPTH),
        ("(" * 20 + "not " * 13 + "helped" + ")" * 20, 20 + 4 * 12),
    ],
    ids=["parentheses", "nots", "both"],
)
def test_one_level_too_deep_is_an_error_at_the_token(text: str, offset: int) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(text)
    assert caught.value.offset == offset  # the '(' or 'not' that went one level too deep
    assert f"more than {MAX_DEPTH} deep" in caught.value.message


def test_a_huge_chain_costs_no_stack() -> None:
    """Far past the recursion limit, still an ordinary error (the 'not' loop has no frames)."""
    limit = sys.getrecursionlimit()
    with pytest.raises(ConditionError, match="more than 32 deep"):
        parse_condition("not " * (limit * 5) + "helped")
    with pytest.raises(ConditionError, match="more than 32 deep"):
        parse_condition("(" * (limit * 5) + "helped" + ")" * (limit * 5))


@pytest.mark.parametrize(
    ("name", "where"),
    [("deep-parens.yaml", "26:50"), ("not-chain.yaml", "26:146")],
)
@pytest.mark.parametrize(
    "command",
    [["validate"], ["run", "--choices", "1"], ["analyze"], ["graph"]],
    ids=["validate", "run", "analyze", "graph"],
)
def test_every_command_gives_a_located_error(name: str, where: str, command: list[str]) -> None:
    path = CORPUS / name
    result = CliRunner().invoke(cli, [command[0], str(path), *command[1:]])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}:{where}: error: condition " in result.output
    assert "nests parentheses and 'not' more than 32 deep" in result.output


async def test_the_app_starts_with_such_a_file_in_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("deep-parens.yaml", "not-chain.yaml", "escapes.yaml"):
        shutil.copy(CORPUS / name, folder / name)
    app = make_app(scenario_dirs=[folder], include_shipped=False, trainee="Sam", cohort="A",
                   db=tmp_path / "r.db")  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        pilot_: Any = pilot
        for _ in range(100):
            await app.workers.wait_for_complete()
            await pilot_.pause()
            if app.settled and app.catalog is not None:
                break
        assert app.catalog is not None
        invalid = sorted(e.path.name for e in app.catalog if e.meta is None)
        assert invalid == ["deep-parens.yaml", "not-chain.yaml"]
        assert any(e.meta is not None for e in app.catalog)  # the good file still plays
