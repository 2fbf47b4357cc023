"""The command palette's talkdown commands: whatever the current screen offers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, str, Callable[[], Any]]


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
        """Commands whose name fuzzily matches ``query``."""
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
