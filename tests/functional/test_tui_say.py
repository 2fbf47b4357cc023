"""Say mode in the TUI: type, see what the customer hears, confirm, override, rephrase.

Pilot drives the kettle call (tests/fixtures/tui_call.yaml, format 1: replies in
authored order, so key n is reply n). The default ``ngram`` matcher hears the
typed lines below as worked out by reading them: ``SORRY`` shares "sorry",
"frustrating", "sort it out" with opening reply 1 and nothing with 2 or 3;
``GIBBERISH`` shares no word with any reply. A matcher with a model is stood in
for by `GatedMatcher`, whose load and scoring wait for the test to open a gate,
so "off the UI thread" is checked by the UI staying live while they wait.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual.widgets import Input

from simulator.matching import registry
from simulator.matching.ngram import NgramMatcher
from simulator.model import Node
from simulator.results import open_store
from simulator.tui.app import TalkdownApp
from simulator.tui.messages import ReplyChosen
from simulator.tui.screens.conversation import ConversationScreen
from simulator.tui.screens.debrief import DebriefScreen
from simulator.tui.widgets.reply_list import ReplyList
from simulator.tui.widgets.say_box import SayBox
from tests.functional.test_tui_flows import (
    FakeClock,
    attempts,
    flat,
    flush,
    new_app,
    open_kettle,
    whole_screen,
)

SIZE = (100, 30)
SORRY = "sorry that is frustrating, I will sort it out for you"  # heard as opening 1
GIBBERISH = "xyzzy plover"  # no reply's words: not matched
OPENING_1 = "I'm sorry, that's really frustrating. Let me sort it out for you now."


async def type_text(pilot: Any, text: str) -> None:
    """Type ``text`` into the say box (set at once: a key press costs ~90 ms) and press Enter."""
    field = pilot.app.screen.query_one(Input)
    assert field.has_focus, "the say box's input should have the keys"
    field.value = text
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def say_screen(app: TalkdownApp) -> ConversationScreen:
    screen = app.screen
    assert isinstance(screen, ConversationScreen) and screen.session is not None
    return screen


async def test_a_typed_reply_is_heard_confirmed_and_scored_as_if_picked(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_kettle(pilot)
        await pilot.pause()
        replies = screen.query_one(ReplyList)
        assert not replies.display and not replies.can_focus  # typing: nothing to recognise
        assert "Say it your way" in flat(app)
        await pilot.press("1")  # a digit is typed, not a reply
        assert screen.conv.turn == 0 and screen.query_one(Input).value == "1"
        replies.post_message(ReplyChosen(1))  # nor does the hidden list say anything
        await pilot.pause()
        assert screen.conv.turn == 0
        await type_text(pilot, SORRY)
        text = flat(app)
        assert f"The customer hears: “{OPENING_1}”" in text
        assert "That's a close match." in text and "Esc rephrases" in text
        assert replies.display and replies.highlighted == 0  # reply 1, highlighted
        assert screen.conv.turn == 0  # nothing is said until the trainee confirms
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session is not None
        [event] = screen.conv.events
        # opening reply 1 by hand: E 2, A 1, mood 60 - 20 = 40, its coach's note
        assert (event.choice, event.mood_after, event.empathy) == (1, 40, 2)
        assert "Naming the frustration first" in flat(app)
        record = screen.session.typed[1]
        assert (record.text, record.matched, record.chosen) == (SORRY, 1, 1)
        assert not record.overridden and record.matcher == "ngram"
        assert not replies.display and screen.query_one(Input).value == ""  # the next turn
        flush(app)
    [attempt] = attempts(tmp_path)  # kept with the attempt, in the results database
    assert attempt.matcher == "ngram"
    with open_store(tmp_path / "results.db") as store:
        [row] = store.get_choices(attempt.uuid)
    assert (row.typed, row.matched, row.choice, row.overridden) == (SORRY, 1, 1, False)


async def test_rephrase_keeps_the_text_and_a_number_overrides_the_match(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.pause()
        await type_text(pilot, SORRY)
        assert screen.heard is not None
        await pilot.press("escape")  # rephrase, not leave
        await pilot.pause()
        assert screen.heard is None and app.screen is screen
        field = screen.query_one(Input)
        assert field.value == SORRY and field.has_focus and not screen.query_one(ReplyList).display
        await pilot.press(*" today")  # keys typed at once add to the words kept
        await pilot.press("enter")
        await pilot.pause()
        assert screen.heard is not None and screen.heard.text == SORRY + " today"
        await pilot.press("3")  # heard as 1, but the trainee says 3 (escalates at once)
        await pilot.pause()
        debrief = app.screen  # the call ended: the debrief replaced it
        assert isinstance(debrief, DebriefScreen)
        record = debrief.session.typed[1]
        assert (record.matched, record.chosen, record.overridden) == (1, 3, True)
        assert debrief.session.conv.ending == "escalated"
        text = await whole_screen(pilot)
        assert f"You typed: “{SORRY} today”" in text
        assert f"Heard as: {OPENING_1}" in text
        assert "You chose instead: I'll transfer you to our returns team." in text
        assert "The strongest reply here was: I'm sorry, that's really frustrating." in text


async def test_text_that_cannot_be_matched_is_never_guessed(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.pause()
        await type_text(pilot, GIBBERISH)
        text = flat(app)
        assert f"Couldn't match “{GIBBERISH}”" in text
        assert "isn't close enough to any reply here" in text
        assert "Pick the reply you meant — press 1–3" in text
        replies = screen.query_one(ReplyList)
        assert replies.display and replies.highlighted is None
        await pilot.press("enter")  # nothing is highlighted, so nothing is said
        await pilot.pause()
        assert screen.conv.turn == 0
        await pilot.press("1")
        await pilot.pause()
        assert screen.session is not None
        record = screen.session.typed[1]
        assert (record.matched, record.chosen) == (None, 1)
        assert record.overridden


async def test_empty_input_asks_for_words(tui_scenarios: Path, tmp_path: Path) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.pause()
        await type_text(pilot, "  ?! ")
        assert "Type what you would say to the customer" in flat(app)
        assert screen.heard is None and screen.conv.turn == 0


async def test_ctrl_t_switches_between_typing_and_the_list(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)  # no --say: the list, as always
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.pause()
        assert "^t Type replies" in flat(app)
        names = [name for name, _, _ in screen.palette_commands()]
        assert "Say it your way: type your replies (ctrl+t)" in names
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert screen.saying and screen.query_one(Input).has_focus
        assert not screen.query_one(ReplyList).display
        assert "^t Pick replies" in flat(app)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not screen.saying and not screen.query_one(SayBox).display
        assert screen.query_one(ReplyList).has_focus
        await pilot.press("1")
        await pilot.pause()
        assert screen.conv.turn == 1 and screen.session is not None
        assert screen.session.typed == {}  # picked, not typed


async def test_the_expert_replay_of_a_typed_call_is_not_typed(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_kettle(pilot)
        await pilot.pause()
        await type_text(pilot, GIBBERISH)
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        await app.workers.wait_for_complete()
        await pilot.press("e")
        await pilot.pause()
        replay = say_screen(app)
        assert replay.replay is not None and not replay.saying
        assert not replay.query_one(SayBox).display
        assert not replay.check_action("say", (True,))


# -- a matcher with a model: off the UI thread -------------------------------------------


class GatedMatcher(NgramMatcher):
    """The ngram matcher posing as one with a model: loading waits for ``gate``."""

    gate: ClassVar[threading.Event] = threading.Event()
    loads: ClassVar[list[str]] = []  # the thread of each real load
    matched_in: ClassVar[list[str]] = []  # the thread of each match
    fail: ClassVar[str] = ""  # loading raises this

    light = False

    def __init__(self) -> None:
        super().__init__()
        self.name = "gated"
        self._loaded = False

    @property
    def ready(self) -> bool:
        return self._loaded

    def load(self) -> None:
        if self._loaded:
            return
        assert self.gate.wait(timeout=10), "the test never opened the gate"
        if self.fail:
            raise RuntimeError(self.fail)
        if not self._loaded:
            self.loads.append(threading.current_thread().name)
            self._loaded = True

    def scores(self, node: Node, text: str) -> list[float]:
        self.load()
        self.matched_in.append(threading.current_thread().name)
        return super().scores(node, text)


async def open_kettle_loading(pilot: Any) -> ConversationScreen:
    """`open_kettle` without waiting for every worker (the model's load waits at its gate)."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause(0.02)
        if app.settled and app.catalog is not None and app.store_state != "opening":
            break
    else:
        raise AssertionError("the app never settled")
    await pilot.press(*"kettle", "enter")
    await pilot.pause()
    return say_screen(app)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> type[GatedMatcher]:
    """``--matcher gated``: a `GatedMatcher`, its gate shut."""
    monkeypatch.setattr(GatedMatcher, "gate", threading.Event())
    monkeypatch.setattr(GatedMatcher, "loads", [])
    monkeypatch.setattr(GatedMatcher, "matched_in", [])
    monkeypatch.setattr(GatedMatcher, "fail", "")
    monkeypatch.setitem(registry.MATCHERS, "gated", (GatedMatcher, "a test stand-in"))
    return GatedMatcher


async def test_a_model_loads_once_and_matches_off_the_ui_thread(
    tui_scenarios: Path, tmp_path: Path, gated: type[GatedMatcher]
) -> None:
    app = new_app(tui_scenarios, tmp_path, say=True, matcher="gated")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle_loading(pilot)  # (the app's warm-up waits at the gate)
        await pilot.pause()
        assert "Loading the gated matcher (once, about a second)" in flat(app)
        field = screen.query_one(Input)
        field.value = SORRY  # the trainee types while it loads
        await pilot.press("enter")
        await pilot.pause()
        assert "Loading the gated matcher (once, about a second), then matching" in flat(app)
        assert field.disabled and screen.conv.turn == 0
        await pilot.press("ctrl+p")  # the UI answers while the model loads
        await pilot.pause()
        assert app.screen is not screen
        await pilot.press("escape")
        await pilot.pause()
        gated.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"The customer hears: “{OPENING_1}”" in flat(app)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.conv.turn == 1 and screen.session is not None
        assert screen.session.typed[1].matcher == "gated"
        await type_text(pilot, "a replacement goes out today and arrives thursday")
        assert "The customer hears: “Yes, a replacement goes out today" in flat(app)
    main = threading.main_thread().name
    assert len(gated.loads) == 1 and gated.loads[0] != main  # once, off the UI thread
    assert gated.matched_in and main not in gated.matched_in


async def test_a_match_that_arrives_after_a_silence_is_dropped(
    tui_scenarios: Path, tmp_path: Path, gated: type[GatedMatcher]
) -> None:
    clock = FakeClock()
    app = new_app(tui_scenarios, tmp_path, say=True, matcher="gated", timed=10, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle_loading(pilot)
        await pilot.pause()
        screen.query_one(Input).value = SORRY
        await pilot.press("enter")
        await pilot.pause()
        clock.now += 11  # the timer runs out while the text is being matched
        screen.tick()
        await pilot.pause()
        assert screen.conv.turn == 1 and screen.conv.events[0].choice is None  # a silence
        gated.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.heard is None and not screen.query_one(ReplyList).display
        assert screen.query_one(Input).value == SORRY  # still there to send now
        assert screen.session is not None and screen.session.typed == {}


async def test_a_matcher_that_cannot_load_turns_typing_off(
    tui_scenarios: Path, tmp_path: Path, gated: type[GatedMatcher]
) -> None:
    gated.fail = "the weights are missing"
    gated.gate.set()
    app = new_app(tui_scenarios, tmp_path, say=True, matcher="gated")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_kettle(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.saying and screen.query_one(ReplyList).display
        text = flat(app)
        assert "Typed replies are off" in text and "the weights are missing" in text
