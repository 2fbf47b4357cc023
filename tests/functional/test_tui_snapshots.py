"""Snapshots of the picker, a conversation mid-way and a debrief at 100×30 and 80×24.

Nothing machine-specific reaches the screen: scenarios come from a copy of the
TUI fixtures, results from a fresh temporary database, and no screen here
shows a time, date, path or uuid. Regenerate with ``--snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.tui.app import TalkdownApp, make_app

SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((80, 24), id="80x24")]


def new_app(scenarios: Path, tmp_path: Path, *, say: bool = False) -> TalkdownApp:
    return make_app(
        scenario_dirs=[scenarios], include_shipped=False, db=tmp_path / "results.db",
        trainee="Sam Doe", cohort="A", say=say,
    )  # fmt: skip


def keys(*presses: str) -> Any:
    """A ``run_before`` that waits for the catalogue, then presses ``presses``.

    Each key is followed by a pause: screens ask the app to move on with a
    message, and the next key belongs to the screen that message opens.
    """

    async def run_before(pilot: Any) -> None:
        for _ in range(100):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if pilot.app.settled and pilot.app.catalog is not None:
                break
        for key in presses:
            await pilot.press(key)
            await pilot.pause()
        await pilot.app.workers.wait_for_complete()  # the debrief's expert path
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_picker(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, size: Any
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=keys("down"))


@pytest.mark.parametrize("size", SIZES)
def test_conversation_midway(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, size: Any
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=keys(*"kettle", "enter", "1"))


@pytest.mark.parametrize("size", SIZES)
def test_debrief(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, size: Any
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=keys(*"kettle", "enter", "1", "2"))


@pytest.mark.parametrize("screen_keys", [pytest.param(("1",), id="conversation"),
                                         pytest.param(("1", "2"), id="debrief")])  # fmt: skip
def test_light_theme(
    snap_compare: Any,
    talkdown_home: Path,
    tui_scenarios: Path,
    tmp_path: Path,
    screen_keys: tuple[str, ...],
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    run_before = keys(*"kettle", "enter", *screen_keys)

    async def light(pilot: Any) -> None:
        pilot.app.theme = "textual-light"
        await run_before(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=light)


@pytest.mark.parametrize("size", SIZES)
def test_conversation_format11(
    snap_compare: Any,
    talkdown_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: Any,
) -> None:
    """Narration, a reaction, another speaker and the "On your screen" box, mid-call."""
    import shutil

    from simulator.tui import session

    monkeypatch.setattr(session, "new_seed", lambda: 7)  # a fixed, shuffled order
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(Path(__file__).parent.parent / "fixtures" / "format11.yaml", folder)
    app = new_app(folder, tmp_path)
    first = session.shown_order(7, "opening", 3).index(1) + 1  # the key for authored reply 1
    assert snap_compare(app, terminal_size=size, run_before=keys("enter", str(first)))


@pytest.mark.parametrize("size", SIZES)
def test_help(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, size: Any
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=keys("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_leave_dialog(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, size: Any
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    run_before = keys(*"kettle", "enter", "1", "escape")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_expert_replay_end(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, size: Any
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    run_before = keys(*"kettle", "enter", "3", "e", "space", "space")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def trainer_keys(*presses: str) -> Any:
    """A ``run_before`` for the trainer app: wait for the report, then press ``presses``."""

    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in presses:
            await pilot.press(key)
            await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen_keys", [pytest.param((), id="cohort"),
                                         pytest.param(("d",), id="decisions"),
                                         pytest.param(("d", "enter"), id="decision")])  # fmt: skip
def test_trainer(
    snap_compare: Any, played_sqlite: tuple[Path, Path], size: Any, screen_keys: tuple[str, ...]
) -> None:
    """With a 300-character name among the trainees (conftest.LONG_NAME)."""
    from simulator.tui.screens.trainer import TrainerApp

    db, folder = played_sqlite
    app = TrainerApp(db, scenario_dirs=[folder])
    assert snap_compare(app, terminal_size=size, run_before=trainer_keys(*screen_keys))


# -- say mode: the typed reply and what the customer hears --------------------------------

TYPED = "sorry, I will sort it out"  # heard as the kettle's opening reply 1 (a rough match)


@pytest.mark.parametrize("size", SIZES)
def test_say_input(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, size: Any
) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True)
    assert snap_compare(app, terminal_size=size, run_before=keys(*"kettle", "enter", *TYPED))


@pytest.mark.parametrize("size", SIZES)
def test_say_heard(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, size: Any
) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True)
    run_before = keys(*"kettle", "enter", *TYPED, "enter")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_say_not_matched(
    snap_compare: Any, talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True)
    run_before = keys(*"kettle", "enter", *"xyzzy plover", "enter")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
