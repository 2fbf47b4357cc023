"""Classroom mode (`talkdown play --classroom`, what each `talkdown serve` browser runs).

The serving machine belongs to the trainer: a session must not greet the
next trainee with the trainer's remembered name, must not change what the
trainer's own talkdown remembers, and must not open the cohort's results.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from simulator.config import Config, load_config, save_config
from simulator.results import open_for_reading
from simulator.tui.app import make_app
from simulator.tui.screens.help import HelpScreen, help_content
from simulator.tui.screens.identity import IdentityScreen
from simulator.tui.screens.picker import PickerScreen
from tests.functional.test_tui_flows import SIZE, flat, flush, ready

#: What the trainer's own talkdown remembers on the serving machine.
TRAINER = Config(trainee="Pat Trainer", cohort="staff", email="pat@example.org", theme="nord")


async def test_a_classroom_session_asks_every_time_and_remembers_nothing(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    save_config(TRAINER)
    db = tmp_path / "class.db"
    # The trainee and cohort given (as the environment would) are ignored too.
    app = make_app(scenario_dirs=[tui_scenarios], include_shipped=False, db=db,
                   trainee="Env Name", cohort="env", classroom=True)  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, IdentityScreen)
        assert app.theme != "nord"  # the trainer's theme is theirs
        assert [w.value for w in app.screen.query(Input)] == ["", ""]  # nothing pre-filled
        assert "this page forgets you" in flat(app)
        await pilot.press(*"Kim", "enter", *"B", "enter")
        assert isinstance(app.screen, PickerScreen)
        # The trainee's choices: a theme, and a call played to its end (1, 1: resolved).
        app.theme = "gruvbox"
        await pilot.press(*"kettle", "enter")
        await pilot.pause()
        await pilot.press("1")
        await pilot.press("1")
        await pilot.pause()
        flush(app)
    assert load_config() == TRAINER  # neither the name nor the theme was written
    with open_for_reading(db) as store:
        [attempt] = store.iter_attempts()
    # Recorded under the name typed in the session, with no e-mail from the config.
    assert (attempt.trainee, attempt.cohort, attempt.email) == ("Kim", "B", None)
    assert (attempt.status, attempt.ending, attempt.turns) == ("completed", "resolved", 2)


async def test_a_classroom_session_has_no_trainer_view(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = make_app(scenario_dirs=[tui_scenarios], include_shipped=False,
                   db=tmp_path / "class.db", classroom=True)  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"Kim", "enter", *"B", "enter")
        assert isinstance(app.screen, PickerScreen)
        assert "Trainer" not in flat(app)  # not in the footer
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)  # the key does nothing
        app.action_trainer()  # nor does the action, from anywhere
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        titles = [title for title, _, _ in app.palette_commands()]
        assert "Help" in titles and "Open the trainer view" not in titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "trainer view" not in flat(app)


def test_help_lists_the_trainer_key_only_where_there_is_a_trainer_view() -> None:
    assert "the trainer view" in help_content().plain
    assert "trainer view" not in help_content(trainer_view=False).plain
    # ctrl+t in a call (say mode) stays in a classroom's help
    assert "say it your way: type your replies" in help_content(trainer_view=False).plain


def test_a_database_url_given_to_play_reaches_the_app() -> None:
    # `talkdown serve --db postgresql://…` hands the URL to each session's play
    # (in its environment); the app must open that server, not the local file.
    url = "postgresql://writer@db.example.org/talkdown"
    assert make_app(db=url, classroom=True).options.db == url
    assert make_app(db="results.db").options.db == Path("results.db")


@pytest.mark.parametrize("move_on", ["tab", "enter"])
async def test_keys_in_a_burst_land_in_the_field_they_were_typed_for(
    move_on: str, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    """A browser session (or a paste, or a fast typist) delivers keys bunched together.

    The keys are queued to the app all at once, as textual-serve delivers a
    bunched websocket frame, with no pause for the app to catch up: Tab or
    Enter must still move on before the next key is handed to a field.
    (Before the fix: name "Ann Leespring", cohort empty.)
    """
    app = make_app(scenario_dirs=[tui_scenarios], include_shipped=False,
                   db=tmp_path / "class.db", classroom=True)  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, IdentityScreen)
        # Enter at the end too: it must read the cohort only once "spring" is in it.
        for key in [*"Ann Lee", move_on, *"spring", "enter"]:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        assert app.identity == ("Ann Lee", "spring")
