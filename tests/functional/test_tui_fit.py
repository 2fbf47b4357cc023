"""Every reply on screen at 80×24, in every shipped scenario and the format 1.1 fixture.

A trainee plays each call to its end at 80×24 in practice mode (so the coach's
panel takes its share of the rows), always saying the longest reply on offer
(long replies are the ones that used to be cut off). At every turn each reply
must lie wholly inside the visible part of the list, and the list inside the
terminal above the footer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simulator.library import shipped_paths
from simulator.tui.app import TalkdownApp
from simulator.tui.screens.conversation import ConversationScreen
from simulator.tui.screens.debrief import DebriefScreen
from simulator.tui.widgets.reply_list import ReplyList
from tests.functional.test_tui_flows import flat, new_app, ready
from tests.helpers import fixture

FILES = [pytest.param(p, id=p.stem) for p in shipped_paths()] + [
    pytest.param(fixture("format11.yaml"), id="format11")
]
WIDTH, HEIGHT = 80, 24
MAX_TURNS = 40  # a guard against a scenario that loops on the longest reply


def hidden_replies(app: TalkdownApp, screen: ConversationScreen) -> list[int]:
    """Positions (1-based) of the replies whose words are not all on the terminal.

    Read from what is drawn (the list's rows of the screen, line wrapping
    undone), and checked against the list's own idea of what is in view.
    """
    replies = screen.query_one(ReplyList)
    region = replies.region
    inside = region.y >= 0 and region.bottom <= HEIGHT - 1  # the footer is the last row
    drawn = flat(app, replies)
    assert screen.session is not None
    hidden = []
    for position, number in enumerate(screen.session.shown(), 1):
        words = " ".join(screen.conv.text(screen.conv.choices[number - 1].say).split())
        seen = f"{position}. {words}" in drawn
        assert seen == (inside and replies.fully_visible(position - 1)), (position, drawn)
        if not seen:
            hidden.append(position)
    return hidden


@pytest.mark.parametrize("path", FILES)
async def test_every_reply_is_visible_at_80x24(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(path, folder / path.name)
    app = new_app(folder, tmp_path)
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await ready(pilot)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        for _ in range(MAX_TURNS):
            await pilot.pause()
            assert hidden_replies(app, screen) == [], (
                f"{path.name}, node {screen.conv.node_id}: replies cut off"
            )
            assert screen.session is not None
            shown = screen.session.shown()
            says = [len(screen.conv.choices[n - 1].say) for n in shown]
            await pilot.press(str(says.index(max(says)) + 1))
            if isinstance(app.screen, DebriefScreen):
                break
        assert isinstance(app.screen, DebriefScreen)


def wordiest(count: int) -> list[tuple[Path, str]]:
    """The ``count`` nodes of the library offering the most words of reply (one a scenario)."""
    from simulator.loader import load_scenario

    best: dict[Path, tuple[int, str]] = {}
    for path in shipped_paths():
        nodes = load_scenario(path).nodes.values()
        best[path] = max((sum(len(c.say) for c in n.choices), n.id) for n in nodes if n.choices)
    ranked = sorted(best.items(), key=lambda item: item[1][0])[-count:]
    return [(path, node) for path, (_, node) in ranked]


SAY_TURNS = 2  # the wordiest node, then the next (with the coach's note on screen)


@pytest.mark.parametrize(
    ("path", "node"), [pytest.param(p, n, id=f"{p.stem}-{n}") for p, n in wordiest(4)]
)
async def test_say_mode_shows_what_was_heard_and_every_reply_at_80x24(
    path: Path, node: str, tmp_path: Path
) -> None:
    """Say mode, typing the longest reply: the heard box and every reply fit at 80×24."""
    from textual.widgets import Input

    from simulator.tui.screens.conversation import MIN_TRANSCRIPT
    from simulator.tui.widgets.say_box import SayBox
    from simulator.tui.widgets.transcript import Transcript

    app = new_app(tmp_path, tmp_path, say=True, scenario=path, from_node=node)
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await ready(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        for _ in range(SAY_TURNS):
            await pilot.pause()
            assert screen.session is not None
            shown = screen.session.shown()
            says = [screen.conv.text(screen.conv.choices[n - 1].say) for n in shown]
            longest = max(range(len(says)), key=lambda i: len(says[i]))
            screen.query_one(Input).value = says[longest]
            await pilot.press("enter")
            await pilot.pause()
            box = screen.query_one(SayBox)
            assert box.face == "heard" and box.region.bottom <= HEIGHT - 1
            inner = box.content_region
            assert inner.height == box.rows(inner.width) - 1  # all of it: rows less its border
            drawn = flat(app, box)
            assert "The customer hears:" in drawn or "Couldn't match" in drawn, drawn
            assert "Esc" in drawn  # the way back is on screen
            # ... and the customer's words keep their rows (the heard reply is cut, not them)
            assert screen.query_one(Transcript).region.height >= MIN_TRANSCRIPT
            assert hidden_replies(app, screen) == [], (
                f"{path.name}, node {screen.conv.node_id}: replies cut off in say mode"
            )
            await pilot.press(str(longest + 1))
            if isinstance(app.screen, DebriefScreen):
                break
