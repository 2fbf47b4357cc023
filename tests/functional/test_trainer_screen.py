"""Pilot tests of the trainer screen: open on a seeded database, sort, drill down, back."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.app import App
from textual.widgets import Static

from simulator.cli import cli
from simulator.export.sample import sample_uuid
from simulator.store import Store
from simulator.tui.screens.trainer import (
    TRAINEE_COLUMNS,
    AttemptScreen,
    TraineeScreen,
    TrainerApp,
    TrainerScreen,
)
from simulator.tui.widgets.trainer_table import SortableTable
from tests.conftest import LONG_NAME

SIZE = (120, 36)
TRIES, NAME = TRAINEE_COLUMNS.index("Tries"), TRAINEE_COLUMNS.index("Trainee")


def screen_text(app: App[None]) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


async def loaded(app: App[None], pilot: object) -> SortableTable:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, TrainerScreen)
    return app.screen.query_one("#trainees", SortableTable)


async def test_open_sort_drill_down_and_back(sample_sqlite: Path) -> None:
    app = TrainerApp(sample_sqlite)
    async with app.run_test(size=SIZE) as pilot:
        table = await loaded(app, pilot)
        # scores first, names last
        assert [c.label.plain for c in table.columns.values()][:2] == ["Best", "Mean"]
        assert table.column_values(NAME) == ["Zoë Ng", "Ann Lee", "Bo Chen"]  # by cohort, name
        text = screen_text(app)
        assert "7 attempts (5 completed), 3 trainees, 16 replies" in text
        assert "Pass rate per scenario" in text and "Sins of service" in text
        assert "robotism" in text and "75% of 4" in text  # the charts' text bars
        # Bo's best is 95.83…: a whole 96, as in the picker and the report
        assert "96" in text and "95.8" not in text

        await pilot.press("s")  # sort by the first column, Best (not assessed last)
        assert table.column_values(NAME) == ["Ann Lee", "Bo Chen", "Zoë Ng"]
        await pilot.press("r")  # and reverse it
        assert table.column_values(NAME) == ["Zoë Ng", "Ann Lee", "Bo Chen"]

        # Click the "Tries" header: fewest first, then again for most first.
        columns = list(table.columns.values())
        assert columns[TRIES].label.plain == "Tries"
        header_x = sum(c.get_render_width(table) for c in columns[:TRIES]) + 2
        await pilot.click("#trainees", offset=(header_x, 0))
        assert table.sort_index == TRIES and not table.sort_reverse
        assert table.column_values(TRIES) == [2, 2, 3]
        await pilot.click("#trainees", offset=(header_x, 0))
        assert table.sort_reverse and table.column_values(TRIES) == [3, 2, 2]
        assert table.column_values(NAME)[0] == "Bo Chen"
        await pilot.pause()
        assert "Tries ▼" in screen_text(app)

        # Drill down: Bo Chen (top row) → his attempts, newest first → the transcript.
        table.move_cursor(row=0)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraineeScreen)
        attempts = app.screen.query_one("#attempts", SortableTable)
        assert attempts.ordered_row_keys()[0].value == sample_uuid(6)
        assert [k.value for k in attempts.ordered_row_keys()] == [
            sample_uuid(6), sample_uuid(4), sample_uuid(2),
        ]  # fmt: skip
        attempts.move_cursor(row=2)  # the lost call, with the sins
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AttemptScreen)
        text = screen_text(app)
        assert "Bo Chen (2024-spring)" in text and "ending lost" in text
        assert "NOT PASSED" in text
        assert "Said: Can I have your order number?" in text
        assert "robotism (one of the seven sins)" in text
        assert "mood 70 → 80" in text and "empathy -1" in text

        await pilot.press("escape")
        assert isinstance(app.screen, TraineeScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, TrainerScreen)
        assert table.column_values(NAME)[0] == "Bo Chen"  # the sort survived the trip
        await pilot.press("escape")
    assert app.return_code == 0


async def test_cohort_filter_and_a_silent_reply(sample_sqlite: Path) -> None:
    app = TrainerApp(sample_sqlite, cohort="2024-autumn")
    async with app.run_test(size=SIZE) as pilot:
        table = await loaded(app, pilot)
        assert table.column_values(NAME) == ["Zoë Ng"]
        assert "2 attempts (0 completed), 1 trainee, 3 replies" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        attempts = app.screen.query_one("#attempts", SortableTable)
        keys = [k.value for k in attempts.ordered_row_keys()]
        assert keys == [sample_uuid(7), sample_uuid(5)]
        attempts.move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "in_progress" in text and "(silence — the timer ran out)" in text


async def test_names_are_shown_as_typed(tmp_path: Path) -> None:
    db = tmp_path / "markup.db"
    with Store(db) as store:
        store.start_attempt(
            name="[b]Bold[/b] Bob", cohort="c", scenario_id="s", scenario_title="t",
            content_hash="a" * 64, mode="practice", start_node="n",
        )  # fmt: skip
    app = TrainerApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert "[b]Bold[/b] Bob" in screen_text(app)


async def test_screen_can_be_pushed_by_another_app_and_closed(sample_sqlite: Path) -> None:
    class Host(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("host screen")

    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(TrainerScreen(sample_sqlite))
        await loaded(app, pilot)
        await pilot.press("escape")
        assert not isinstance(app.screen, TrainerScreen)
        assert "host screen" in screen_text(app)


async def test_missing_database_is_shown_not_crashed(tmp_path: Path) -> None:
    app = TrainerApp(tmp_path / "none.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No results: no results database at" in screen_text(app)
    assert not (tmp_path / "none.db").exists()


def test_trainer_command_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["trainer", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no results database" in result.output


async def test_every_score_column_fits_80_columns_beside_a_300_character_name(
    played_sqlite: tuple[Path, Path],
) -> None:
    db, folder = played_sqlite
    app = TrainerApp(db, scenario_dirs=[folder])
    async with app.run_test(size=(80, 24)) as pilot:
        table = await loaded(app, pilot)
        text = screen_text(app)
        heads = next(line for line in text.splitlines() if "Best" in line and "Trainee" in line)
        for column in TRAINEE_COLUMNS:  # every head is on the 80-column screen
            assert column in heads, (column, heads)
        long_row = next(line for line in text.splitlines() if "Maximiliana" in line)
        assert "…" in long_row and "100" in long_row  # cut with an ellipsis, scores kept
        assert LONG_NAME not in text
        # the drill-down shows the whole name (wrapped over several lines)
        row = table.column_values(NAME).index(LONG_NAME)
        table.move_cursor(row=row)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraineeScreen)
        whole = " ".join(screen_text(app).split()).replace(" ", "")
        assert LONG_NAME.replace(" ", "") in whole


async def test_decisions_show_the_strongest_reply_and_who_chose_what(
    played_db: tuple[Path, Path],
) -> None:
    from simulator.tui.screens.decisions import DecisionScreen, DecisionsScreen

    db, folder = played_db
    app = TrainerApp(db, scenario_dirs=[folder])
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DecisionsScreen)
        decisions = app.screen.query_one("#decisions", SortableTable)
        # by hand (conftest.PLAYS): opening 3 of 4 chose reply 1, fix 2 of 3; hardest first
        assert decisions.column_values(3) == ["fix", "opening"]
        assert decisions.column_values(0) == [pytest.approx(2 / 3), pytest.approx(3 / 4)]
        await pilot.press("enter")  # the hardest: fix
        await pilot.pause()
        assert isinstance(app.screen, DecisionScreen)
        text = " ".join(screen_text(app).split())
        assert "67% of 3 replies chose the strongest reply (★)" in text
        assert "★ 1. Yes, a replacement goes out today and arrives Thursday. — 2 (67%)" in text
        assert "3. Let me get my supervisor. — 0 (0%)" in text  # unpicked, still listed
        picks = app.screen.query_one("#picks", SortableTable)
        by_name = dict(zip(picks.column_values(3), picks.column_values(2), strict=True))
        assert by_name["Bo Chen"] == 2 and by_name["Ann Lee"] == 1
        assert "Zoë Ng" not in by_name  # she never reached this decision
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, TrainerScreen)
