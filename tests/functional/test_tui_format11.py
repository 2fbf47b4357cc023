"""Format 1.1 in the TUI: narration, speaker, reactions, "On your screen", shuffled keys,
critical errors and outcome variants, as a trainee sees them."""

from __future__ import annotations

import shutil
from pathlib import Path

from simulator.shuffle import position_of
from simulator.tui.screens.conversation import ConversationScreen
from simulator.tui.screens.debrief import DebriefScreen
from tests.functional.test_tui_flows import (
    SIZE,
    attempts,
    flat,
    flush,
    new_app,
    ready,
    whole_screen,
)
from tests.helpers import fixture


def folder(tmp_path: Path) -> Path:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    shutil.copy(fixture("format11.yaml"), scenarios / "format11.yaml")
    return scenarios


async def start(pilot) -> ConversationScreen:  # type: ignore[no-untyped-def]
    await ready(pilot)
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ConversationScreen)
    return screen


async def say(pilot, screen: ConversationScreen, authored: int) -> None:  # type: ignore[no-untyped-def]
    """Press the key under which authored reply ``authored`` is shown."""
    assert screen.session is not None
    await pilot.press(str(position_of(screen.session.shown(), authored)))


async def test_a_call_shows_each_voice_in_its_place(tmp_path: Path) -> None:
    app = new_app(folder(tmp_path), tmp_path, trainee="Priya Shah")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        text = flat(app)
        # narration has no speaker label; the line is the customer's; the screen has its box
        assert "The line crackles; an airport announcement echoes behind her." in text
        assert "(customer): The line crackles" not in text
        assert "Rosa Diaz (customer): My card's been blocked" in text
        on_screen = flat(app, screen.query_one("#on-screen"))
        assert "Card ending 4417: blocked 09:12" in on_screen and "Ref {B-17}." in on_screen
        assert "It's Priya. I can see the block." in text  # {agent} in a reply
        await say(pilot, screen, 1)
        text = flat(app)
        assert "Rosa Diaz (customer): Fine. Go on." in text  # the reaction, straight after
        assert "Marco (her brother): Just unblock it!" in text  # another speaker, own label
        # the screen stays until a later node replaces it
        assert "Card ending 4417" in flat(app, screen.query_one("#on-screen"))
        await say(pilot, screen, 1)
        assert isinstance(app.screen, DebriefScreen)
        text = await whole_screen(pilot)
        assert "Outcome: Card unblocked after Rosa passed security." in text
        assert "They said: Fifth of May, eighty-nine." in text
        assert "quality check" not in text
        flush(app)
    [row] = attempts(tmp_path)
    assert row.outcome == "Card unblocked after Rosa passed security."
    assert row.critical == () and row.shuffle_seed is not None


async def test_a_critical_reply_is_named_at_once_and_fails_the_call(tmp_path: Path) -> None:
    app = new_app(folder(tmp_path), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await say(pilot, screen, 1)
        await say(pilot, screen, 2)  # takes the brother's word: critical
        assert isinstance(app.screen, DebriefScreen)
        text = await whole_screen(pilot)
        assert "This call would fail a quality check: accepted a third party's word" in text
        assert "NOT PASSED ✗" in text
        assert "Outcome: Card unblocked." in text  # no flag raised: the fallback variant
        flush(app)
    [row] = attempts(tmp_path)
    assert row.passed is False
    assert [c.reason for c in row.critical] == [
        "accepted a third party's word instead of verifying the card holder"
    ]


async def test_practice_feedback_names_the_critical_error(tmp_path: Path) -> None:
    app = new_app(folder(tmp_path), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await say(pilot, screen, 2)  # skips security: resolved at once, but critical
        assert isinstance(app.screen, DebriefScreen)
        text = await whole_screen(pilot)
        assert "This call would fail a quality check: skipped the identity check" in text
        assert "Outcome: Card unblocked without any security check." in text
        assert "They said: Oh, thank you!" in text


async def test_an_ending_that_only_narrates_shows_its_narration(tmp_path: Path) -> None:
    app = new_app(folder(tmp_path), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await say(pilot, screen, 1)
        await say(pilot, screen, 3)  # a threat, not a boundary: she hangs up (mood 50 + 30 < 90)
        assert isinstance(app.screen, DebriefScreen)
        text = flat(app)
        assert "✗ LOST" in text and "She hangs up." in text
        assert "Outcome: Rosa closed her account." in text
        assert "Rosa Diaz: She hangs up" not in text  # narration is nobody's line
