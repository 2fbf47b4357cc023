"""The terminal app, fed the payload on every screen: nothing raw reaches the terminal.

Pilot drives the app; at each step the test takes the exact text Textual would
write to the terminal for a full redraw (the compositor's update rendered for
the app's console — what ``App._display`` sends to the driver) and checks it
like the CLI tests do: no OSC, no C1, and pyte's window title untouched — and
the payload shown on pyte's screen as ``␛]0;PWNED-TITLE␇``.

Screens covered: the picker (list, details, an invalid file's entry and
problems), the identity dialog, the conversation (title bar, transcript,
replies, coach, the author view), notifications, the debrief, the watch
mode's problems panel, the resume dialog and the trainer screens.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, Static

from simulator.engine import Conversation
from simulator.loader import load_scenario
from simulator.recording import Recorder
from simulator.results import sql as sql_mod
from simulator.store import Store
from simulator.tui.app import make_app
from simulator.tui.screens.conversation import ConversationScreen
from simulator.tui.screens.debrief import DebriefScreen, outcome_content
from simulator.tui.screens.identity import IdentityScreen
from simulator.tui.screens.resume import ResumeScreen
from simulator.tui.screens.trainer import AttemptScreen, TraineeScreen, TrainerApp, TrainerScreen
from tests.functional.test_tui_flows import new_app
from tests.functional.test_tui_flows import ready as settled
from tests.hostile.helpers import CORPUS, PAYLOAD, raw_controls, terminal

SIZE = (120, 50)


def written(app: App[Any]) -> str:
    """What Textual would write to the terminal to draw the current screen in full."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)


def assert_screen_inert(app: App[Any], *markers: str) -> str:
    """The drawn screen obeys no payload, and shows each marker's payload visibly."""
    out = written(app)
    # Textual's own output is CSI sequences (cursor moves, colours): an OSC, a C1
    # character, or any control but ESC, CR and LF can only have come from the payload.
    assert "\x1b]" not in out
    assert not raw_controls(out, allow="\x1b\r\n"), raw_controls(out, allow="\x1b\r\n")
    assert "\x1b[2J" not in out
    screen = terminal(out, *app.size)
    assert screen.title == ""
    shown = "\n".join(screen.display)
    # Each marked field is on screen, and each brought its payload, shown (wrapped
    # lines and side-by-side panes interleave, so the two are counted, not paired).
    for marker in markers:
        assert marker in shown, marker
    assert shown.count("␛]0;PWNED") >= len(markers), shown
    return " ".join(shown.split())


def key_for(app: App[Any], marker: str) -> str:
    """The number key that picks the reply starting with *marker* (replies may be shuffled)."""
    for line in terminal(written(app), *app.size).display:
        found = re.search(rf"(\d)\. {marker} ", line)
        if found:
            return found.group(1)
    raise AssertionError(f"no reply {marker} on screen")


async def drawn(pilot: Any, *needles: str) -> None:
    """Wait until the screen shows every needle (screens may fill in after a refresh)."""
    for _ in range(50):
        await pilot.pause()
        shown = "\n".join(terminal(written(pilot.app), *pilot.app.size).display)
        if all(needle in shown for needle in needles):
            return


@pytest.fixture
def hostile_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("escapes.yaml", "escapes-invalid.yaml"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


async def test_picker_play_and_debrief(hostile_dir: Path, tmp_path: Path) -> None:
    app = new_app(hostile_dir, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press(*"hostile", "enter")  # filter to the valid hostile scenario
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        assert_screen_inert(app, "TITLE", "CUSTOMER", "SAY1", "SAY2")
        await pilot.press(key_for(app, "SAY1"))  # practice mode: the coach, then the ending
        await drawn(pilot, "Debrief")
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        assert_screen_inert(app)  # whatever part of the debrief is in view
        # and each part of it, whether scrolled into view or not:
        outcome = outcome_content(debrief.session).plain
        assert "\x1b" not in outcome and "\x9b" not in outcome
        for marker in ("NAME", "RESOLVED", "OUTCOME"):
            assert f"{marker} ␛]0;PWNED" in outcome, marker


async def test_picker_details_invalid_entry_and_its_notification(
    hostile_dir: Path, tmp_path: Path
) -> None:
    app = new_app(hostile_dir, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press(*"hostile-esc")
        assert_screen_inert(app, "TITLE", "SUMMARY", "PERSONA")
        await pilot.press(*(["backspace"] * 11), *"escapes-invalid")
        text = assert_screen_inert(app)
        assert "INVALID" in text and "␛]0;PWNED-TITLE␇" in text  # the problem, shown
        await pilot.press("enter")  # playing it is refused with a notification
        await pilot.pause()
        assert "cannot be played" in assert_screen_inert(app)


async def test_author_view_in_a_preview(hostile_dir: Path, tmp_path: Path) -> None:
    app = new_app(hostile_dir, tmp_path, scenario=hostile_dir / "escapes.yaml", preview=True)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, ConversationScreen) and app.screen.author
        assert_screen_inert(app, "SAY1", "CUSTOMER")
        await pilot.press(key_for(app, "SAY2"))  # to the lost ending, with a critical reason
        await drawn(pilot, "Debrief")
        assert_screen_inert(app)
        assert isinstance(app.screen, DebriefScreen)
        outcome = outcome_content(app.screen.session).plain
        assert "\x1b" not in outcome and "\x9b" not in outcome
        assert "LOSTOUTCOME ␛]0;PWNED" in outcome


async def test_watch_mode_problems_panel(hostile_dir: Path, tmp_path: Path) -> None:
    app = new_app(hostile_dir, tmp_path, scenario=hostile_dir / "escapes-invalid.yaml", watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        text = assert_screen_inert(app)
        assert "The file has errors" in text and "␛]0;PWNED-TITLE␇" in text


async def test_identity_refuses_a_pasted_escape_sequence(hostile_dir: Path, tmp_path: Path) -> None:
    app = make_app(scenario_dirs=[hostile_dir], include_shipped=False, db=tmp_path / "r.db")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, IdentityScreen)
        app.screen.query_one("#name", Input).value = f"Eve{PAYLOAD}"
        app.screen.query_one("#cohort", Input).value = "c1"
        await pilot.press("enter", "enter")  # from the name to the cohort, then submit
        await pilot.pause()
        assert isinstance(app.screen, IdentityScreen)  # not accepted
        assert_screen_inert(app)  # the pasted text in the field is shown, not obeyed
        error = str(app.screen.query_one("#identity-error", Static).render())
        assert "Your name cannot be used: it holds the control character U+001B" in error
        assert app.identity is None


async def test_resume_dialog_shows_the_title(hostile_dir: Path, tmp_path: Path) -> None:
    scenario = load_scenario(hostile_dir / "escapes.yaml")
    with Store(tmp_path / "results.db") as store:
        Recorder(store, Conversation(scenario), name="Sam Doe", cohort="A", mode="practice")
    app = new_app(hostile_dir, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, ResumeScreen)
        assert_screen_inert(app, "TITLE")


@pytest.fixture
def legacy_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database written before names were checked, holding the payload everywhere."""
    monkeypatch.setattr(sql_mod, "check_name", lambda value, what: None)
    db = tmp_path / "legacy.db"
    start = datetime(2024, 3, 1, tzinfo=UTC)
    with Store(db) as store:
        key = store.start_attempt(
            name=f"NAME{PAYLOAD}", cohort=f"COHORT{PAYLOAD}", scenario_id="late-parcel",
            scenario_title=f"TITLE{PAYLOAD}", content_hash="a" * 64, mode="practice",
            start_node="opening", started_at=start,
        )  # fmt: skip
        store.record_choice(
            key, seq=1, node="opening", choice=1, say=f"SAY{PAYLOAD}", empathy=1,
            assertiveness=0, tags=["acknowledge"], mood_before=50, mood_after=40, seconds=10,
            latency_ms=None, next_node=None, recorded_at=start + timedelta(seconds=1),
        )  # fmt: skip
        store.finish_attempt(
            key, ending="resolved", ending_node="end", empathy=50.0, assertiveness=50.0,
            speed=50.0, overall=50.0, passed=False, finished_at=start + timedelta(seconds=2),
        )  # fmt: skip
    return db


async def test_trainer_screens(legacy_db: Path) -> None:
    app = TrainerApp(legacy_db)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, TrainerScreen)
        assert_screen_inert(app, "NAME")  # the cohort column is off to the right
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraineeScreen)
        assert_screen_inert(app, "NAME")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AttemptScreen)
        assert_screen_inert(app, "NAME", "TITLE", "SAY")


def test_the_line_filter_is_a_backstop_for_unmarked_text() -> None:
    """A string no widget made visible is still shown, at the width it was measured."""
    from rich.segment import Segment
    from textual.color import Color

    from simulator.tui.safe import SHOW_CONTROLS

    line = [Segment("ab\x1b]0;T\x07cd"), Segment("\x9b2J  ")]
    shown = SHOW_CONTROLS.apply(line, Color(0, 0, 0))
    text = "".join(s.text for s in shown)
    assert text.startswith("ab␛]0;T␇cd⟨U")  # shown, not emitted ...
    assert Segment.get_line_length(shown) == Segment.get_line_length(line)  # ... at its width
    assert SHOW_CONTROLS.apply([Segment("plain")], Color(0, 0, 0)) == [Segment("plain")]


async def test_typed_text_is_shown_not_obeyed(hostile_dir: Path, tmp_path: Path) -> None:
    """Say mode: a pasted escape sequence in what is typed, in the box and the debrief."""
    app = new_app(hostile_dir, tmp_path, scenario=hostile_dir / "escapes.yaml", say=True)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        screen.query_one(Input).value = f"TYPED {PAYLOAD}"
        assert_screen_inert(app)  # in the input
        await pilot.press("enter")  # not matched (nothing like a reply): shown in the box
        await pilot.pause()
        assert screen.heard is not None and screen.heard.text == f"TYPED {PAYLOAD}"
        assert_screen_inert(app, "TYPED")
        await pilot.press(key_for(app, "SAY1"))
        await drawn(pilot, "Debrief")
        assert isinstance(app.screen, DebriefScreen)
        await pilot.resize_terminal(SIZE[0], 200)  # the whole debrief, the typed turn in view
        await pilot.pause()
        assert "You typed" in assert_screen_inert(app, "TYPED")
