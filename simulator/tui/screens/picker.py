"""Pick a scenario: filter as you type, details beside the list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input

from simulator.tui.catalog import Entry
from simulator.tui.messages import ScenarioChosen
from simulator.tui.widgets.scenario_list import ScenarioDetails, ScenarioList, Stats
from simulator.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from simulator.tui.app import TalkdownApp


class PickerScreen(Screen[None]):
    """The scenario picker (the app's base screen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Choose", key_display="↑↓"),
        Binding("up", "move(-1)", "Previous", show=False),
        # Priority: the filter box and the list would each take Enter (and hide it
        # from the footer); both mean "play the highlighted scenario".
        Binding("enter", "play", "Play", priority=True),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("slash", "focus_filter", "Filter", show=False),
        # ctrl+t: plain letters belong to the filter box.
        Binding("ctrl+t", "trainer", "Trainer view"),
    ]

    AUTO_FOCUS = "#filter"
    app: TalkdownApp

    def __init__(self) -> None:
        super().__init__(id="picker")
        self.entries: list[Entry] | None = None
        self.stats: Mapping[str, Stats] = {}

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Input(placeholder="Type to filter scenarios (title, tag, channel…)", id="filter")
        with Horizontal(id="picker-body"):
            yield ScenarioList(id="scenarios")
            yield ScenarioDetails(id="details")
        yield Footer()

    def on_mount(self) -> None:
        if self.app.catalog is not None:
            self.entries = self.app.catalog
            self._refilter()
        else:
            self.sub_title = "Loading scenarios…"
        # Focus before the first frame: a later focus change redraws the footer.
        self.set_focus(self.query_one("#filter", Input))
        self.call_after_refresh(self._settle_focus)

    def on_screen_resume(self) -> None:
        self.call_after_refresh(self._settle_focus)

    def _settle_focus(self) -> None:
        # Auto-focus can miss while the base screen is still mounting its children.
        if self.is_current and self.focused is None:
            self.query_one("#filter", Input).focus()

    # -- data in ---------------------------------------------------------------

    def set_entries(self, entries: list[Entry]) -> None:
        """Show the loaded catalogue."""
        self.entries = entries
        if self.is_mounted:
            self._refilter()
            self._settle_focus()

    def set_stats(self, stats: Mapping[str, Stats]) -> None:
        """Show the trainee's attempts and best scores."""
        self.stats = stats
        if self.is_mounted:
            self._refilter()

    @property
    def matching(self) -> list[Entry]:
        """Entries matching the filter."""
        query = self.query_one("#filter", Input).value
        return [e for e in self.entries or [] if e.matches(query)]

    def _refilter(self) -> None:
        if self.entries is None:
            return
        visible = self.matching
        self.query_one(ScenarioList).show_entries(visible, self.stats)
        bad = sum(1 for e in self.entries if e.meta is None)
        shown = f"{len(visible)} of {len(self.entries)} scenarios"
        self.sub_title = shown + (f" · {bad} invalid" if bad else "")
        self._show_details()

    def _entry(self, key: str | None) -> Entry | None:
        return next((e for e in self.entries or [] if e.key == key), None)

    def _show_details(self) -> None:
        entry = self._entry(self.query_one(ScenarioList).highlighted_key)
        stats = self.stats.get(entry.meta.id) if entry and entry.meta else None
        self.query_one(ScenarioDetails).show(entry, stats, self.app.settings.mode)

    # -- events ----------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._refilter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.action_play()

    @on(ScenarioList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_details()

    @on(ScenarioChosen)
    def _chosen(self, message: ScenarioChosen) -> None:
        self._play(message.key)

    # -- actions ---------------------------------------------------------------

    def action_move(self, step: int) -> None:
        """Move the highlight while typing in the filter."""
        listing = self.query_one(ScenarioList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_play(self) -> None:
        """Play the highlighted scenario."""
        self._play(self.query_one(ScenarioList).highlighted_key)

    def action_trainer(self) -> None:
        """Open the trainer view: the cohort's results."""
        self.app.open_trainer()

    def action_clear_filter(self) -> None:
        """Empty the filter and go back to typing in it."""
        box = self.query_one("#filter", Input)
        box.value = ""
        box.focus()

    def action_focus_filter(self) -> None:
        """Type in the filter."""
        self.query_one("#filter", Input).focus()

    def _play(self, key: str | None) -> None:
        entry = self._entry(key)
        if entry is None:
            return
        self.app.play_entry(entry)

    def palette_commands(self) -> list[tuple[str, str, object]]:
        """Commands this screen offers in the palette."""
        return [
            ("Play the highlighted scenario", "Start the scenario selected in the list",
             self.action_play),
            ("Filter scenarios", "Type to narrow the list", self.action_focus_filter),
        ]  # fmt: skip
