"""Pick a scenario: filter as you type, one line per scenario, details beside the list.

The app hands the picker its data (attributes down): the catalogue
(``entries``), the trainee's record (``stats``), how many calls are unfinished
(``unfinished``) and the play ``mode``. The picker says what the trainee wants
(messages up): play an entry (`PlayRequested`, perhaps as an assessment or
timed), or resume an unfinished call (`ResumeRequested`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input

from simulator.formatting import plural
from simulator.tui.catalog import Entry
from simulator.tui.messages import PlayRequested, ResumeRequested, ScenarioChosen
from simulator.tui.settings import Mode
from simulator.tui.widgets.scenario_list import (
    ListHeader,
    ScenarioDetails,
    ScenarioList,
    Stats,
    details_content,
)
from simulator.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from simulator.tui.app import TalkdownApp

TIMED_SECONDS = 30  # "play timed" from the palette: seconds to answer each turn


class FilterInput(Input):
    """The filter box: it types everything but ``?``, which opens the help."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character != "?" and super().check_consume_key(key, character)


class PickerScreen(Screen[None]):
    """The scenario picker (the app's base screen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Choose", key_display="↑↓"),
        Binding("up", "move(-1)", "Previous", show=False),
        # Priority: the filter box and the list would each take Enter (and hide it
        # from the footer); both mean "play the highlighted scenario".
        Binding("enter", "play", "Play", priority=True),
        Binding("escape", "clear_filter", "Clear"),
        Binding("slash", "focus_filter", "Filter", show=False),
        # Priority, or the filter box would type it (FilterInput leaves "?" to this).
        Binding("question_mark", "app.help", "Help", show=False, priority=True),
        # ctrl+: plain letters belong to the filter box.
        Binding("ctrl+r", "resume", "Resume"),
        Binding("ctrl+t", "app.trainer", "Trainer"),
    ]

    AUTO_FOCUS = "#filter"
    app: TalkdownApp

    entries: reactive[list[Entry] | None] = reactive(None, init=False, always_update=True)
    stats: reactive[Mapping[str, Stats]] = reactive(dict, init=False, always_update=True)
    unfinished: reactive[int] = reactive(0, init=False)
    mode: reactive[Mode] = reactive("practice", init=False)

    def __init__(self) -> None:
        super().__init__(id="picker")
        self._drawn = False  # the first frame is on screen (the details pane waits for it)

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield FilterInput(
            placeholder="Type to filter scenarios (title, tag, channel…) · ? for help",
            id="filter", compact=True,
        )  # fmt: skip
        with Horizontal(id="picker-body"):
            with Vertical(id="scenario-pane"):
                yield ListHeader("", id="scenario-header")
                yield ScenarioList(id="scenarios")
            yield ScenarioDetails(id="details")
        yield Footer()

    def on_mount(self) -> None:
        self.set_reactive(PickerScreen.mode, self.app.settings.mode)
        entries = self.entries if self.entries is not None else self.app.catalog
        if entries is not None:
            self.set_reactive(PickerScreen.entries, entries)
            self._refilter()
        else:
            self.sub_title = "Loading scenarios…"
        # Focus before the first frame: a later focus change redraws the footer.
        self.set_focus(self.query_one("#filter", Input))
        self.call_after_refresh(self._first_frame_drawn)

    def _first_frame_drawn(self) -> None:
        # The list is on screen and usable; the details pane (a long text that grows a
        # scrollbar: ~30 ms) fills in now rather than delaying the first frame.
        self._drawn = True
        self._show_details()
        self._settle_focus()

    def on_screen_resume(self) -> None:
        self.call_after_refresh(self._settle_focus)

    def _settle_focus(self) -> None:
        # Auto-focus can miss while the base screen is still mounting its children.
        if self.is_current and self.focused is None:
            self.query_one("#filter", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resume":
            return self.unfinished > 0
        return True

    # -- data in (attributes down) ----------------------------------------------

    def watch_entries(self) -> None:
        if self.is_mounted:
            self._refilter()
            self._settle_focus()

    def watch_stats(self) -> None:
        if self.is_mounted:
            self._refilter()

    def watch_unfinished(self) -> None:
        self.refresh_bindings()
        if self.is_mounted:
            self._show_details()

    def watch_mode(self) -> None:
        if self.is_mounted:
            self._show_details()

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
        checking = sum(1 for e in self.entries if e.pending)
        bad = sum(1 for e in self.entries if e.meta is None and not e.pending)
        shown = f"{len(visible)} of {plural(len(self.entries), 'scenario')}"
        self.sub_title = (
            shown
            + (f" · {bad} invalid" if bad else "")
            + (f" · checking {checking}…" if checking else "")
        )
        self._show_details()

    def _entry(self, key: str | None) -> Entry | None:
        return next((e for e in self.entries or [] if e.key == key), None)

    @property
    def highlighted(self) -> Entry | None:
        """The entry under the list's highlight."""
        return self._entry(self.query_one(ScenarioList).highlighted_key)

    def _show_details(self) -> None:
        if not self._drawn:
            return
        entry = self.highlighted
        stats = self.stats.get(entry.meta.id) if entry and entry.meta else None
        self.query_one(ScenarioDetails).show(
            details_content(entry, stats, self.mode, unfinished=self.unfinished)
        )

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
        self._play(self._entry(message.key))

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
        self._play(self.highlighted)

    def action_resume(self) -> None:
        """Offer the unfinished calls again."""
        self.post_message(ResumeRequested())

    def action_clear_filter(self) -> None:
        """Empty the filter and go back to typing in it."""
        box = self.query_one("#filter", Input)
        box.value = ""
        box.focus()

    def action_focus_filter(self) -> None:
        """Type in the filter."""
        self.query_one("#filter", Input).focus()

    def _play(
        self, entry: Entry | None, *, mode: Mode | None = None, timed: int | None = None
    ) -> None:
        if entry is not None:
            self.post_message(PlayRequested(entry, mode=mode, timed=timed))

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        """Commands this screen offers in the palette."""
        out: list[tuple[str, str, Callable[[], Any]]] = [
            ("Play the highlighted scenario", f"Start it in {self.mode} mode", self.action_play),
        ]
        if not self.app.settings.preview:
            out += [
                ("Play as an assessment",
                 "Play the highlighted scenario assessed: feedback only at the end",
                 lambda: self._play(self.highlighted, mode="assessment")),
                (f"Play timed ({TIMED_SECONDS} s a reply)",
                 "Play the highlighted scenario under time pressure: silence when time runs out",
                 lambda: self._play(self.highlighted, timed=TIMED_SECONDS)),
            ]  # fmt: skip
        if self.unfinished:
            out.append(("Resume an unfinished call", "Pick up a call you left",
                        self.action_resume))  # fmt: skip
        out.append(("Filter scenarios", "Type to narrow the list", self.action_focus_filter))
        return out
