"""Pilot tests of the trainer screen: open on a seeded database, sort, drill down, back."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from textual.app import App
from textual.widgets import Static

from simulator.cli import cli
from simulator.export.sample import sample_uuid
from simulator.store import Store
from simulator.tui.screens.trainer import (
    AttemptScreen,
    TraineeScreen,
    TrainerApp,
    TrainerScreen,
)
from simulator.tui.widgets.trainer_table import SortableTable

SIZE = (120, 36)


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
        assert table.column_values(0) == ["Zoë Ng", "Ann Lee", "Bo Chen"]  # by cohort, name
        text = screen_text(app)
        assert "3 trainees, 7 attempts (5 completed)" in text
        assert "Pass rate per scenario" in text and "Sins of service" in text
        assert "robotism" in text and "75% of 4" in text  # the charts' text bars

        await pilot.press("s")  # sort by the first column
        assert table.column_values(0) == ["Ann Lee", "Bo Chen", "Zoë Ng"]
        await pilot.press("r")  # and reverse it
        assert table.column_values(0) == ["Zoë Ng", "Bo Chen", "Ann Lee"]

        # Click the "Attempts" header: fewest first, then again for most first.
        columns = list(table.columns.values())
        assert columns[2].label.plain == "Attempts"
        header_x = sum(c.get_render_width(table) for c in columns[:2]) + 2
        await pilot.click("#trainees", offset=(header_x, 0))
        assert table.sort_index == 2 and not table.sort_reverse
        assert table.column_values(2) == [2, 2, 3]
        await pilot.click("#trainees", offset=(header_x, 0))
        assert table.sort_reverse and table.column_values(2) == [3, 2, 2]
        assert table.column_values(0)[0] == "Bo Chen"
        await pilot.pause()
        assert "Attempts ▼" in screen_text(app)

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
        assert table.column_values(0)[0] == "Bo Chen"  # the sort survived the trip
        await pilot.press("escape")
    assert app.return_code == 0


async def test_cohort_filter_and_a_silent_reply(sample_sqlite: Path) -> None:
    app = TrainerApp(sample_sqlite, cohort="2024-autumn")
    async with app.run_test(size=SIZE) as pilot:
        table = await loaded(app, pilot)
        assert table.column_values(0) == ["Zoë Ng"]
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
