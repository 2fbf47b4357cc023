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
