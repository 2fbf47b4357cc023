"""The command palette: the current screen's commands, then the app's (help, theme, quit).

This is the palette's only provider (Textual's system commands are left out),
so there is one "Quit", and "Help" is talkdown's own. A command is found by
its name or by words of its description: "assess" finds "Play as an
assessment", "trainer" finds "Open the trainer view".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, str, Callable[[], Any]]
DESCRIPTION_WEIGHT = 0.8  # a match in the description ranks below one in the name


class TalkdownCommands(Provider):
    """Offers the main actions of the screen the palette was opened from, then the app's."""

    def _commands(self) -> Iterator[Command]:
        offered = getattr(self.screen, "palette_commands", None)
        if callable(offered):
            yield from offered()
        app_offered = getattr(self.app, "palette_commands", None)
        if callable(app_offered):
            yield from app_offered()

    async def discover(self) -> Hits:
        """Every command, shown before anything is typed."""
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Commands whose name (or, ranked lower, description) fuzzily matches ``query``."""
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = max(matcher.match(name), DESCRIPTION_WEIGHT * matcher.match(help_text))
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
