"""Pilot tests of the TUI's flows (rules and scoring are tested on the engine, headless).

Each press costs ~90 ms, so these tests walk flows, not every branch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widget import Widget

from simulator.engine import Conversation
from simulator.recording import Recorder
from simulator.store import Store
from simulator.tui.app import TalkdownApp, make_app
from simulator.tui.screens import conversation as conversation_screen
from simulator.tui.screens.conversation import ConversationScreen
from simulator.tui.screens.debrief import DebriefScreen
from simulator.tui.screens.identity import IdentityScreen
from simulator.tui.screens.picker import PickerScreen
from simulator.tui.screens.resume import ResumeScreen
from simulator.tui.widgets.feedback import FeedbackPanel
from simulator.tui.widgets.reply_list import ReplyList
from simulator.tui.widgets.status import Countdown
from simulator.validate import check_file

SIZE = (100, 30)
FIXTURES = Path(__file__).parent.parent / "fixtures"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def screen_text(app: TalkdownApp) -> str:
    """What the terminal shows, as plain text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def flat(app: TalkdownApp, widget: Widget | None = None) -> str:
    """The screen's (or one widget's) text with line wrapping undone."""
    strips = app.screen._compositor.render_strips()
    if widget is not None:
        x, y, width, height = widget.content_region
        strips = [s.crop(x, x + width) for s in strips[y : y + height]]
    return " ".join(" ".join(s.text for s in strips).split())


def new_app(scenarios: Path, tmp_path: Path, **kwargs: Any) -> TalkdownApp:
    kwargs.setdefault("trainee", "Sam Doe")
    kwargs.setdefault("cohort", "A")
    return make_app(
        scenario_dirs=[scenarios], include_shipped=False, db=tmp_path / "results.db", **kwargs
    )


async def ready(pilot: Any) -> None:
    """Wait until start-up (catalogue, results store, first dialogs) has settled."""
    for _ in range(100):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if pilot.app.settled and pilot.app.catalog is not None:
            return
    raise AssertionError("the app never settled")


async def whole_screen(pilot: Any, height: int = 150) -> str:
    """The current screen's text in a terminal tall enough to show all of it (debriefs scroll)."""
    await pilot.resize_terminal(SIZE[0], height)
    await pilot.pause()
    return flat(pilot.app)


def flush(app: TalkdownApp) -> None:
    """Wait for the results writer (replies and finishes are committed off the UI thread)."""
    if app.writer is not None:
        app.writer.submit(lambda: None).result(timeout=10)


async def open_kettle(pilot: Any) -> ConversationScreen:
    """Filter the picker down to the kettle scenario and start it."""
    await ready(pilot)
    await pilot.press(*"kettle", "enter")
    await pilot.pause()  # the picker asks the app (a message), which opens the call
    screen = pilot.app.screen
    assert isinstance(screen, ConversationScreen)
    return screen


def attempts(tmp_path: Path) -> list[Any]:
    with Store(tmp_path / "results.db") as store:
        return list(store.iter_attempts())


# -- pick → play → debrief → retry ----------------------------------------------------------------


async def test_pick_play_resolved_then_retry(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        assert screen.conv.node_id == "opening"
        await pilot.press("1")
        assert screen.conv.node_id == "fix"
        # practice mode: the coach and the named technique, with its definition
        text = flat(app)
        assert "Naming the frustration first" in text
        assert "acknowledge: Name the feeling" in text
        await pilot.press("1")
        assert isinstance(app.screen, DebriefScreen)
        text = flat(app)
        assert "✓ RESOLVED" in text
        assert "Replacement kettle arrives Thursday." in text
        assert "PASSED ✓" in text and "NOT PASSED" not in text
        assert "Empathy 100" in text
        flush(app)
        [row] = attempts(tmp_path)
        assert (row.status, row.ending, row.turns) == ("completed", "resolved", 2)
        assert row.mode == "practice"
        assert row.passed is True
        await pilot.press("r")
        retry = app.screen
        assert isinstance(retry, ConversationScreen)
        assert retry.conv.turn == 0 and retry.conv.node_id == "opening"
        assert retry.session is not None and retry.session.uuid != row.uuid
        await pilot.press("escape")  # leaving mid-conversation abandons that attempt
        assert isinstance(app.screen, PickerScreen)
        assert "1 attempt · best 100" in flat(app)
    statuses = sorted(r.status for r in attempts(tmp_path))
    assert statuses == ["abandoned", "completed"]


@pytest.mark.parametrize(
    ("keys", "ending", "shown"),
    [
        (("1", "2"), "lost", ["✗ LOST", "Outcome: Alex cancels the order.", "rule-book"]),
        (("1", "3"), "escalated", ["↑ ESCALATED", "Handed over to a supervisor."]),
        (("2",), "lost", ["✗ LOST", "Alex Kim walked out (mood reached 95)",
                          "Alex Kim: [hangs up] Forget it.", "condescension"]),
        (("3",), "escalated", ["↑ ESCALATED", "runaround"]),
    ],
)  # fmt: skip
async def test_each_ending_reaches_the_debrief(
    talkdown_home: Path,
    tui_scenarios: Path,
    tmp_path: Path,
    keys: tuple[str, ...],
    ending: str,
    shown: list[str],
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_kettle(pilot)
        await pilot.press(*keys)
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        assert screen.session.conv.ending == ending
        text = flat(app)
        for phrase in shown:
            assert phrase in text
        assert "NOT PASSED ✗" in text
    [row] = attempts(tmp_path)
    assert (row.status, row.ending) == ("completed", ending)


async def test_debrief_review_names_the_strongest_reply(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=(100, 80)) as pilot:
        await open_kettle(pilot)
        await pilot.press("1", "2")
        text = flat(app)
        # turn 1 was already the strongest reply: no advice there; turn 2 was not
        assert text.count("The strongest reply here was") == 1
        assert "The strongest reply here was: Yes, a replacement goes out today" in text
        assert "1 time — ✗ rule-book (one of the seven sins)" in text
        assert "60 → 40 → 55" in text


# -- input: numbers, arrows + Enter, mouse --------------------------------------------------------


async def test_arrows_enter_and_mouse_choose_replies(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        replies = screen.query_one(ReplyList)
        assert replies.has_focus
        await pilot.press("down", "up", "down", "down", "up", "enter")  # → reply 2
        assert [e.choice for e in screen.conv.events] == [2]
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        # the first option sits on the line below the list's top border
        await pilot.click(ReplyList, offset=(6, 1))
        assert [e.choice for e in screen.conv.events] == [1]
        await pilot.press("9")  # not offered: ignored
        assert screen.conv.turn == 1


# -- modes ----------------------------------------------------------------------------------------


async def test_assessment_mode_holds_feedback_until_the_debrief(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path, assess=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.press("1")
        assert screen.conv.turn == 1
        assert not screen.query_one(FeedbackPanel).display
        assert "Naming the frustration" not in flat(app)
        assert "acknowledge" not in flat(app)
        await pilot.press("1")
        assert isinstance(app.screen, DebriefScreen)
        text = await whole_screen(pilot)
        assert "Coach: Naming the frustration first lowers the temperature." in text
    [row] = attempts(tmp_path)
    assert row.mode == "assessment"


async def test_pressure_mode_times_out_into_silence(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    clock = FakeClock()
    app = new_app(tui_scenarios, tmp_path, timed=10, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        countdown = screen.query_one(Countdown)
        assert countdown.display and "⏱ 10 s left" in flat(app)
        clock.now += 6.5
        screen.tick()
        await pilot.pause()
        assert screen.conv.turn == 0
        assert "⏱ 4 s left!" in flat(app)  # urgent: said, not only coloured
        clock.now += 4
        screen.tick()
        await pilot.pause()
        [event] = screen.conv.events
        assert event.choice is None and event.tags == ("apathy",)
        assert (event.mood_before, event.mood_after, event.seconds) == (60, 75, 10)
        assert screen.conv.node_id == "opening"  # silence keeps the trainee where they were
        text = flat(app)
        assert "(silence — no reply within 10 s)" in text
        assert "apathy (one of the seven sins)" in text
        assert "⏱ 10 s left" in text and "left!" not in text  # restarted for the next try
        await pilot.press("1", "1")
        assert isinstance(app.screen, DebriefScreen)
    [row] = attempts(tmp_path)
    assert (row.timed_seconds, row.turns, row.ending) == (10, 3, "resolved")
    with Store(tmp_path / "results.db") as store:
        assert store.get_choices(row.uuid)[0].choice is None


# -- the store: resume, abandon, first run --------------------------------------------------------


def unfinished_attempt(tmp_path: Path, scenario_path: Path, replies: list[int]) -> str:
    scenario = check_file(scenario_path).scenario
    assert scenario is not None
    conv = Conversation(scenario)
    with Store(tmp_path / "results.db") as store:
        recorder = Recorder(store, conv, name="Sam Doe", cohort="A", mode="practice")
        for number in replies:
            recorder.record(conv.choose(number, latency_ms=1500.0))
        return recorder.uuid


async def test_resume_an_unfinished_attempt(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    uuid = unfinished_attempt(tmp_path, tui_scenarios / "tui_call.yaml", [1])
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, ResumeScreen)
        assert "The broken kettle" in flat(app) and "1 reply so far" in flat(app)
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        assert screen.session is not None and screen.session.uuid == uuid
        assert screen.conv.node_id == "fix" and screen.conv.turn == 1
        text = flat(app)
        assert "You: I'm sorry, that's really frustrating." in text
        assert "Alex Kim (customer): Can you just send a new one?" in text
        assert "Turn 2 · Call 0:20" in text
        await pilot.press("1")
        assert isinstance(app.screen, DebriefScreen)
    [row] = attempts(tmp_path)
    assert (row.uuid, row.status, row.ending, row.turns) == (uuid, "completed", "resolved", 2)


async def test_abandon_an_unfinished_attempt(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    uuid = unfinished_attempt(tmp_path, tui_scenarios / "tui_call.yaml", [1])
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, ResumeScreen)
        await pilot.press("x")
        assert isinstance(app.screen, PickerScreen)
    [row] = attempts(tmp_path)
    assert (row.uuid, row.status) == (uuid, "abandoned")


async def test_a_changed_scenario_is_not_resumed(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    path = tui_scenarios / "tui_call.yaml"
    uuid = unfinished_attempt(tmp_path, path, [1])
    path.write_text(path.read_text().replace("Thursday is fine.", "Thursday works."))
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("r")
        assert isinstance(app.screen, PickerScreen)
    [row] = attempts(tmp_path)
    assert (row.uuid, row.status) == (uuid, "abandoned")


async def test_first_run_asks_who_is_playing_once(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    from simulator.config import load_config

    app = new_app(tui_scenarios, tmp_path, trainee=None, cohort=None)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, IdentityScreen)
        await pilot.press("enter", "enter")  # empty: refused
        assert isinstance(app.screen, IdentityScreen)
        assert "Please enter your name" in flat(app)
        await pilot.press(*"Kim", "enter", "B", "enter")
        assert isinstance(app.screen, PickerScreen)
        assert app.identity == ("Kim", "B")
    config = load_config()
    assert (config.trainee, config.cohort) == ("Kim", "B")
    again = new_app(tui_scenarios, tmp_path, trainee=None, cohort=None)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(again.screen, PickerScreen)
        assert again.identity == ("Kim", "B")


# -- the picker -----------------------------------------------------------------------------------


async def test_picker_lists_invalid_files_and_filters(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = flat(app)
        assert "⚠ INVALID tui_broken.yaml — line 19: reply 1 of node" in text  # its first error
        assert "3 of 3 scenarios · 1 invalid" in text
        await pilot.press(*"tui_broken", "enter")
        assert isinstance(app.screen, PickerScreen)  # refused, not crashed
        assert "line 19:15:" in flat(app)  # the details pane lists its problems
        await pilot.press("escape", *"chat")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert [e.path.name for e in picker.matching] == ["tui_loop.yaml"]
        assert "1 of 3 scenarios" in flat(app)


async def test_dialogue_markup_is_shown_literally(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*"kettle")
        details = app.screen.query_one("#details-text")
        assert "wants it [bold]sorted[/bold]." in flat(app, details)
        await pilot.press("enter")
        assert "[sighs] My kettle broke after [bold]two[/bold] days." in flat(app)
        await pilot.press("2")  # walkout
        assert "Alex Kim: [hangs up] Forget it." in flat(app)


# -- author preview -------------------------------------------------------------------------------


async def test_watch_reloads_at_the_same_node_and_shows_errors(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    path = tui_scenarios / "tui_call.yaml"
    original = path.read_text()
    app = new_app(tui_scenarios, tmp_path, scenario=path, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        await pilot.press("1")
        assert screen.conv.node_id == "fix"
        assert app.check_reload() is False  # nothing changed yet
        path.write_text(original.replace("Can you just send a new one?", "So, a new one?"))
        assert app.check_reload() is True
        await pilot.pause()
        assert screen.conv.node_id == "fix" and screen.conv.mood == 40
        assert "So, a new one?" in flat(app)
        assert "File reloaded — restarted at node 'fix'" in flat(app)
        path.write_text(original.replace("next: lost", "next: nowhere"))
        assert app.check_reload() is True
        await pilot.pause()
        assert app.screen is screen
        assert "The file has errors" in flat(app) and "unknown node 'nowhere'" in flat(app)
        await pilot.press("1")  # replies are paused while the file is broken
        assert screen.conv.turn == 0
        path.write_text(original)
        assert app.check_reload() is True
        await pilot.pause()
        assert "The file has errors" not in flat(app)
        await pilot.press("1")
        assert isinstance(app.screen, DebriefScreen)
    assert attempts(tmp_path) == []  # a preview records nothing


async def test_author_view_in_a_preview_from_a_node(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path, scenario=tui_scenarios / "tui_call.yaml",
                  from_node="fix", mood=50)  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        assert screen.conv.node_id == "fix" and screen.conv.mood == 50
        assert "→ resolved" not in flat(app)
        await pilot.press("a")
        text = flat(app)
        assert "→ resolved · E +1 A +2 · mood -20 · 30s · [set-timeline]" in text
        assert "node fix" in text
        await pilot.press("1")
        assert isinstance(app.screen, DebriefScreen)
        assert "Preview from node 'fix'" in flat(app)
    assert attempts(tmp_path) == []


async def test_author_view_is_off_outside_previews(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.press("a")
        assert not screen.author
        assert "E +2" not in flat(app)


# -- expert replay and the palette ----------------------------------------------------------------


async def test_expert_replay_steps_and_records_nothing(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The replay also steps on its own every 2 s; this test steps it by hand, so
    # on a busy machine the timer must not get there first.
    monkeypatch.setattr(conversation_screen, "REPLAY_STEP_SECONDS", 3600.0)
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_kettle(pilot)
        await pilot.press("3")
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        await pilot.press("e")  # the replay starts once the expert path is worked out
        await app.workers.wait_for_complete()
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ConversationScreen) and replay.replay == [1, 1]
        await pilot.press("1")  # the trainee does not reply during a replay
        assert replay.conv.turn == 0
        await pilot.press("space", "space")
        assert replay.conv.ending == "resolved"
        assert "End of the expert path: resolved" in flat(app)
        await pilot.press("escape")
        assert app.screen is debrief
    assert len(attempts(tmp_path)) == 1


async def test_palette_offers_the_screens_actions(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_kettle(pilot)
        await pilot.press("3")
        assert isinstance(app.screen, DebriefScreen)
        await pilot.press("ctrl+p", *"retry")
        await pilot.pause(0.3)  # the palette searches in a worker
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.conv.turn == 0


async def test_ctrl_t_opens_the_trainer_view_from_the_picker(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path
) -> None:
    from simulator.tui.screens.trainer import TrainerScreen

    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, TrainerScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)


async def test_a_failed_save_after_the_debrief_is_still_reported(
    talkdown_home: Path, tui_scenarios: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(self: Recorder, par: int | None) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Recorder, "finish", disk_full)
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_kettle(pilot)
        await pilot.press("3")  # ends the call: the debrief shows, the finish is written after
        assert isinstance(app.screen, DebriefScreen)
        for _ in range(50):  # the writer thread reports when it fails; no fixed sleep
            await pilot.pause(0.02)
            if "Not saved" in flat(app):
                break
        text = flat(app)
        assert "Not saved" in text and "disk full" in text
    [stored] = attempts(tmp_path)
    assert stored.status == "in_progress"  # kept resumable, not marked finished
