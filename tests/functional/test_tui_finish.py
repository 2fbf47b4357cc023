"""Safe keys, help, the palette, the theme, the picker at 80×24 and the debrief's new parts.

Pilot walks the flows a trainee would (each press ~90 ms); the rules behind
the new debrief cards (lessons, the 0–100 chart) are tested headless in
tests/unit/test_review.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.command import CommandList, CommandPalette

from simulator.config import load_config
from simulator.tui.screens.conversation import ConversationScreen
from simulator.tui.screens.debrief import DebriefScreen
from simulator.tui.screens.help import HelpScreen
from simulator.tui.screens.leave import LeaveCallScreen
from simulator.tui.screens.picker import PickerScreen
from simulator.tui.screens.resume import ResumeScreen
from simulator.tui.widgets.feedback import FeedbackPanel
from simulator.tui.widgets.reply_list import ReplyList
from simulator.tui.widgets.scenario_list import ScenarioList
from tests.functional.test_tui_flows import (
    SIZE,
    attempts,
    flat,
    flush,
    new_app,
    open_kettle,
    ready,
    screen_text,
    whole_screen,
)

# Four replies long enough to wrap over two or three lines at 80 columns, and
# coaching long enough to need "more ↓" on a short terminal.
HEARD = "I hear you, and I want to get this right for you today. "
COACHED = "This is the coach explaining at some length what the reply did. "


def long_scenario(*, loop: bool = False) -> str:
    """`LONG`; with ``loop``, replies 1–3 keep the call at the opening (only 4 ends it)."""
    if not loop:
        return LONG
    head, _, tail = LONG.partition('      - say: "Reply 4')
    return head.replace("next: done", "next: opening") + '      - say: "Reply 4' + tail


LONG = (
    """\
format: 1
id: long-replies
title: Long replies
summary: Replies that wrap.
difficulty: 1
minutes: 2
customer: {name: Pat Lee, persona: Talks a lot., mood: 50}
start: opening
nodes:
  opening:
    customer: I have a long story to tell you about my order and why it matters so much to me.
    choices:
"""
    + "".join(
        f"""      - say: "Reply {n}: {HEARD * 2}"
        empathy: {n}
        feedback: "{COACHED * 4}"
        tags: [listen]
        next: done
"""
        for n in range(1, 5)
    )
    + """  done:
    customer: Thanks.
    ending: resolved
    outcome: Sorted.
"""
)


def long_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "long"
    folder.mkdir()
    (folder / "long.yaml").write_text(LONG, encoding="utf-8")
    return folder


# -- safe keys ----------------------------------------------------------------------------------


async def test_a_quick_double_press_answers_one_turn(tui_scenarios: Path, tmp_path: Path) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.pause()
        # Two key presses handled before the next frame is drawn: the second would
        # land on replies the trainee has not seen yet, so it is ignored.
        screen.action_reply(1)
        screen.action_reply(1)
        assert screen.conv.turn == 1 and screen.conv.node_id == "fix"
        await pilot.pause()  # the new replies are drawn: keys count again
        await pilot.press("1")
        assert isinstance(app.screen, DebriefScreen)


async def test_escape_asks_and_a_left_call_stays_resumable(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.press("1")
        await pilot.press("b")  # no longer a hidden way out
        assert app.screen is screen
        await pilot.press("escape")
        assert isinstance(app.screen, LeaveCallScreen)
        assert "Leave this call?" in flat(app) and "It stays saved to resume" in flat(app)
        await pilot.press("enter")  # the focused button is "Stay": a reflex Enter keeps the call
        assert app.screen is screen and screen.conv.turn == 1
        await pilot.press("escape", "y")
        assert isinstance(app.screen, PickerScreen)
        flush(app)
        [row] = attempts(tmp_path)
        assert (row.status, row.turns) == ("in_progress", 1)  # kept, not abandoned
        await pilot.pause()
        assert "^r Resume" in flat(app)
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ResumeScreen)
        await pilot.press("r")
        resumed = app.screen
        assert isinstance(resumed, ConversationScreen)
        assert resumed.session is not None and resumed.session.uuid == row.uuid
        assert resumed.conv.node_id == "fix"


async def test_leaving_before_saying_anything_does_not_ask(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_kettle(pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, PickerScreen)
        flush(app)
    [row] = attempts(tmp_path)
    assert (row.status, row.turns) == ("abandoned", 0)  # nothing said, nothing to resume


async def test_the_pressure_timer_waits_while_the_leave_dialog_is_up(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    from tests.functional.test_tui_flows import FakeClock

    clock = FakeClock()
    app = new_app(tui_scenarios, tmp_path, timed=10, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_kettle(pilot)
        await pilot.press("1")
        clock.now += 3
        await pilot.press("escape")
        clock.now += 60  # a long think over the dialog
        screen.tick()
        await pilot.press("n")
        screen.tick()
        assert screen.conv.turn == 1  # no silence was counted
        assert screen.deadline is not None and screen.deadline - clock.now == 7


async def test_a_key_for_a_reply_out_of_view_shows_it_first(tmp_path: Path) -> None:
    app = new_app(long_folder(tmp_path), tmp_path)
    async with app.run_test(size=(80, 14)) as pilot:  # too short for all four replies
        await ready(pilot)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        replies = screen.query_one(ReplyList)
        await pilot.pause()
        hidden = [n for n in range(1, 5) if not replies.fully_visible(n - 1)]
        assert hidden, "the terminal is meant to be too short for every reply"
        await pilot.press(str(hidden[-1]))
        assert screen.conv.turn == 0  # refused: the trainee had not seen those words
        await pilot.pause()
        assert replies.fully_visible(hidden[-1] - 1)  # scrolled into view
        await pilot.press(str(hidden[-1]))
        assert isinstance(app.screen, DebriefScreen)


async def test_the_coach_says_more_when_cut_and_tab_scrolls_it(tmp_path: Path) -> None:
    folder = tmp_path / "loop"
    folder.mkdir()
    (folder / "loop.yaml").write_text(long_scenario(loop=True), encoding="utf-8")
    app = new_app(folder, tmp_path)
    async with app.run_test(size=(80, 20)) as pilot:  # every reply, and 3 rows of coaching
        await ready(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("1")
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        await pilot.pause()
        coach = screen.query_one(FeedbackPanel)
        assert coach.has_class("-more") and "more ↓" in flat(app)
        await pilot.press("tab")
        assert coach.has_focus
        await pilot.press("end")
        await pilot.pause()
        assert not coach.has_class("-more")
        assert "more ↓" not in flat(app, coach)


# -- help, palette, theme -----------------------------------------------------------------------


async def test_question_mark_and_f1_open_the_help(tui_scenarios: Path, tmp_path: Path) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = await whole_screen(pilot, 200)
        for phrase in ("How you are scored", "Empathy:", "Critical errors:",
                       "The seven sins of service", "robotism", "Instead:",
                       "Techniques", "acknowledge", "ctrl+r", "1 – 9"):  # fmt: skip
            assert phrase in text, phrase
        await pilot.press("escape")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert picker.query_one("#filter").value == ""  # "?" did not type into the filter
        await pilot.resize_terminal(80, 24)
        await pilot.press(*"kettle", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConversationScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, ConversationScreen)


async def palette_hits(pilot: Any, query: str) -> list[str]:
    """The palette's hits for ``query``, best first (the palette stays open)."""
    await pilot.press("ctrl+p", *query)
    await pilot.pause(0.4)  # the palette searches in a worker
    assert isinstance(pilot.app.screen, CommandPalette)
    hits = pilot.app.screen.query_one(CommandList)
    return [str(hits.get_option_at_index(i).prompt).split("\n")[0]
            for i in range(hits.option_count)]  # fmt: skip


async def test_palette_finds_assessment_timed_trainer_theme_help_and_one_quit(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"kettle")
        hits = await palette_hits(pilot, "assess")
        assert hits[0] == "Play as an assessment"
        await pilot.press("escape")
        assert "Open the trainer view" in await palette_hits(pilot, "trainer")
        await pilot.press("escape")
        assert "Theme" in await palette_hits(pilot, "theme")
        await pilot.press("escape")
        quits = [h for h in await palette_hits(pilot, "quit") if "Quit" in h]
        assert quits == ["Quit"]
        await pilot.press("escape")
        assert "Keys" not in await palette_hits(pilot, "keys")  # Textual's generic list is gone
        await pilot.press("escape")
        assert "Help" in await palette_hits(pilot, "help")
        await pilot.press("escape")
        hits = await palette_hits(pilot, "timed")
        assert hits[0].startswith("Play timed")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.session is not None
        assert screen.session.settings.timed == 30
        await pilot.press("escape")  # nothing said yet: back to the list (still filtered)
        await pilot.pause()
        await palette_hits(pilot, "assess")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.session is not None
        assert screen.session.settings.mode == "assessment"


async def test_the_theme_is_remembered(tui_scenarios: Path, tmp_path: Path) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.theme = "textual-light"
        await pilot.pause()
    assert load_config().theme == "textual-light"
    again = new_app(tui_scenarios, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert again.theme == "textual-light"


# -- the picker ---------------------------------------------------------------------------------


async def test_picker_shows_a_line_per_scenario_and_at_least_eight_at_80x24(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    source = (Path(__file__).parent.parent / "fixtures" / "tui_call.yaml").read_text()
    for n in range(12):
        text = source.replace("id: tui-call", f"id: call-{n:02d}").replace(
            "title: The broken kettle",
            f"title: Kettle {n:02d}, one of a long series of broken kettles"[:60],
        )
        (folder / f"call{n:02d}.yaml").write_text(text, encoding="utf-8")
    app = new_app(folder, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        listing = app.screen.query_one(ScenarioList)
        drawn = flat(app, listing)
        visible = [n for n in range(12) if f"Kettle {n:02d}," in drawn]
        assert len(visible) >= 8, drawn
        rows = screen_text(app).splitlines()
        row = next(line for line in rows if "Kettle 00," in line and "●" in line)
        # one line: title (cut with …), difficulty, minutes and the best score ("—" untried)
        assert "…" in row and "●●○○○" in row and " 3 " in row and "—" in row


# -- the debrief --------------------------------------------------------------------------------


async def test_debrief_has_tomorrows_lessons_a_0_to_100_chart_and_both_paths(
    tui_scenarios: Path, tmp_path: Path
) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_kettle(pilot)
        await pilot.press("2")  # condescension: the customer walks out
        assert isinstance(app.screen, DebriefScreen)
        await app.workers.wait_for_complete()  # the expert path, worked out off the UI thread
        text = await whole_screen(pilot)
        # by hand: one weak turn, a sin → its advice
        card = text[text.index("Try this tomorrow") :].replace("│", " ")
        card = " ".join(card.split())
        assert card.startswith(
            "Try this tomorrow 1. Treat the customer as a capable adult; explain without "
            "talking down. (turn 1: condescension)"
        )
        assert "100 ┤" in text and "0 └" in text  # the chart is on the fixed scale
        assert "60 → 95" in text
        assert "Your path" in text and "Expert path" in text
        assert "◆1. Did you read the manual?" in text  # where the paths parted
        assert "✓ resolved · call 0:50" in text  # the expert's: 20 s + 30 s


async def test_expert_replay_ends_cleanly(tui_scenarios: Path, tmp_path: Path) -> None:
    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_kettle(pilot)
        await pilot.press("3")
        debrief = app.screen
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ConversationScreen)
        assert "Next step" in flat(app)
        await pilot.press("space", "space")
        await pilot.pause()
        text = flat(app)
        assert "End of the expert path: resolved — Replacement kettle arrives Thursday —" in text
        assert "Press Escape" not in text and ".." not in text
        assert not replay.query_one(ReplyList).display  # no empty reply box
        assert "Next step" not in text and "Pause" not in text  # keys that no longer apply
        assert "esc Back to the debrief" in text
        await pilot.press("escape")
        assert app.screen is debrief


# -- attributes down, messages up ---------------------------------------------------------------


async def test_screens_ask_the_app_with_messages(tui_scenarios: Path, tmp_path: Path) -> None:
    """The debrief and the picker post messages; the app decides and records."""
    from simulator.tui.messages import ConversationFinished, PlayRequested

    app = new_app(tui_scenarios, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        entry = next(e for e in picker.entries or [] if e.path.name == "tui_call.yaml")
        picker.post_message(PlayRequested(entry, mode="assessment"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.session is not None
        assert screen.session.settings.mode == "assessment"
        screen.session.choose(1)
        screen.session.choose(1)  # the call has ended, but nobody has scored it yet
        flush(app)
        assert attempts(tmp_path)[0].status == "in_progress"
        screen.post_message(ConversationFinished(screen.session))
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        flush(app)
    [row] = attempts(tmp_path)
    assert (row.status, row.ending, row.mode) == ("completed", "resolved", "assessment")


def test_no_screen_or_widget_calls_the_apps_methods_or_anothers_private_ones() -> None:
    """Screens post messages instead of calling TalkdownApp (the latency probe excepted)."""
    import ast

    tui = Path(__file__).resolve().parents[2] / "simulator" / "tui"
    app_tree = ast.parse((tui / "app.py").read_text(encoding="utf-8"))
    talkdown = next(n for n in app_tree.body if isinstance(n, ast.ClassDef)
                    and n.name == "TalkdownApp")  # fmt: skip
    methods = {n.name for n in talkdown.body if isinstance(n, ast.FunctionDef)}
    allowed = {"after_reply"}  # a benchmark hook, not navigation
    offenders = []
    for path in [*(tui / "screens").glob("*.py"), *(tui / "widgets").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            target, name = node.func.value, node.func.attr
            on_app = (
                isinstance(target, ast.Attribute)
                and target.attr == "app"
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            )
            if on_app and name in methods - allowed:
                offenders.append(f"{path.name}: self.app.{name}()")
            private = name.startswith("_") and not name.startswith("__")
            mine = isinstance(target, ast.Name) and target.id in ("self", "cls")
            if private and not mine and not isinstance(target, ast.Call):
                offenders.append(f"{path.name}: {ast.unparse(node.func)}()")
    assert offenders == []
