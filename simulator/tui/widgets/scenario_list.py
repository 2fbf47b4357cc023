"""The picker's list of scenarios (one line each, under a column header) and its details pane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Protocol

from textual import events
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from simulator.formatting import cells, plural, score, truncate
from simulator.terminal import visible, visible_line
from simulator.tui.catalog import Entry
from simulator.tui.messages import ScenarioChosen
from simulator.tui.text import difficulty_dots, mood_word
from simulator.tui.widgets.more import MorePanel

GAP: Final = "  "
LEVEL: Final = 5  # difficulty dots
MINUTES: Final = 3
BEST: Final = 4
FIXED: Final = len(GAP) * 3 + LEVEL + MINUTES + BEST
MIN_TITLE: Final = 8
GUESSED_WIDTH: Final = 44  # the list's width at 80 columns, before it has one of its own


class Stats(Protocol):
    """The trainee's record at one scenario (``simulator.results.ScenarioStats``)."""

    @property
    def attempts(self) -> int: ...
    @property
    def passes(self) -> int: ...
    @property
    def best_overall(self) -> float | None: ...


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def title_width(width: int) -> int:
    """Cells left for the title in a row ``width`` cells wide."""
    return max(MIN_TITLE, width - FIXED)


def header_content(width: int) -> Content:
    """The column names, aligned with `entry_row`'s columns."""
    return Content.styled(
        _pad("Scenario", title_width(width)) + GAP + "Level" + GAP + "Min".rjust(MINUTES) + GAP
        + "Best".rjust(BEST),
        "bold $text-muted",
    )  # fmt: skip


def entry_row(entry: Entry, stats: Stats | None, width: int) -> Content:
    """One line: title, difficulty, minutes, the trainee's best (``—`` when not tried).

    An invalid file shows its name and first error instead (its problems are
    listed in full in the details pane).
    """
    s = entry.meta
    if entry.pending:
        return Content.styled(truncate(f"{entry.path.name} — checking…", width), "$text-muted")
    if s is None:
        error = entry.first_error
        why = f"line {error.line}: {error.message}" if error else "not a valid scenario"
        text = truncate(visible_line(f"{entry.path.name} — {why}"), max(1, width - 10))
        return Content.assemble(("⚠ INVALID ", "bold $text-error"), (text, "$text-muted"))
    best = "—" if stats is None or not stats.attempts else score(stats.best_overall)
    tw = title_width(width)
    return Content.assemble(
        (_pad(truncate(visible_line(s.title), tw), tw), "bold"), GAP,
        difficulty_dots(s.difficulty), GAP,
        str(s.minutes).rjust(MINUTES), GAP, (best.rjust(BEST), "bold" if best != "—" else ""),
    )  # fmt: skip


class ListHeader(Static):
    """The column names above the list, aligned with its rows at whatever width it has."""

    def render(self) -> Content:
        # The list keeps a one-cell gutter for its scrollbar (talkdown.tcss): so does this.
        return header_content(self.size.width - 1 if self.size.width else GUESSED_WIDTH)


class ScenarioList(OptionList):
    """Scenarios matching the filter, one line each; Enter or a click plays one."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self._entries: tuple[Entry, ...] = ()
        self._stats: Mapping[str, Stats] = {}
        self._width = 0

    @property
    def row_width(self) -> int:
        """The width rows are laid out for (a guess until the list has been laid out, when
        `on_resize` lays them out again)."""
        return self.scrollable_content_region.width or GUESSED_WIDTH

    def show_entries(self, entries: Sequence[Entry], stats: Mapping[str, Stats]) -> None:
        """Replace the options, keeping the highlighted entry when it is still listed.

        Once the pending files have been checked the list starts again from the
        top (the highlight was only ever on a file name).
        """
        keep = None if any(e.pending for e in self._entries) else self.highlighted_key
        self._entries, self._stats = tuple(entries), stats
        self._width = self.row_width
        options = [
            Option(entry_row(e, stats.get(e.meta.id) if e.meta else None, self._width), id=e.key)
            for e in entries
        ]
        self.set_options(options)
        ids = [o.id for o in options]
        if options:
            self.highlighted = ids.index(keep) if keep in ids else 0

    def on_resize(self, event: events.Resize) -> None:
        if self._entries and self.scrollable_content_region.width != self._width:
            self.show_entries(self._entries, self._stats)

    @property
    def highlighted_key(self) -> str | None:
        """The key of the highlighted entry."""
        if self.highlighted is None or not self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(ScenarioChosen(event.option.id))


def record_line(stats: Stats | None, unfinished: int = 0) -> str:
    """``2 attempts · best 86 · 1 pass`` or ``not tried yet``; unfinished calls too."""
    if stats is None or not stats.attempts:
        text = "not tried yet"
    else:
        text = (
            f"{plural(stats.attempts, 'attempt')} · best {score(stats.best_overall)} · "
            f"{plural(stats.passes, 'pass', 'passes')}"
        )
    if unfinished:
        text += f" · {plural(unfinished, 'unfinished call')} (ctrl+r resumes)"
    return text


def details_content(
    entry: Entry | None, stats: Stats | None, mode: str, *, unfinished: int = 0
) -> Content:
    """Summary, persona and the trainee's record; problems for an invalid file."""
    if entry is None:
        return Content("No scenario matches the filter.")
    if entry.pending:
        return Content.assemble(
            (entry.path.name, "bold"),
            "\n\nChecking this file (the first start after installing or updating talkdown "
            "checks every scenario once). Its details appear in a moment; Enter plays it now.",
        )
    s = entry.meta
    if s is None:
        lines = [
            Content.assemble(
                (visible_line(entry.path.name), "bold"), " — ", ("cannot be played", "bold")
            ),
            Content(visible_line(str(entry.path))),
            Content(""),
            Content.assemble(("Problems", "bold underline")),
        ]
        for p in entry.errors[:8]:
            hint = f" — {p.hint}" if p.hint else ""
            lines.append(Content(visible_line(f"line {p.line}:{p.col}: {p.message}{hint}")))
        lines.append(Content(f"\nRun: talkdown validate {visible_line(str(entry.path))}"))
        return Content("\n").join(lines)
    meta = [f"difficulty {s.difficulty}/5", f"about {s.minutes} min"]
    if s.channel:
        meta.append(s.channel)
    lines = [
        Content.assemble((visible_line(s.title), "bold")),
        Content.assemble((visible_line(" · ".join(meta)), "$text-muted")),
        Content(""),
        Content(visible(s.summary)),
        Content(""),
        Content.assemble(
            ("Customer: ", "bold"),
            visible_line(s.customer),
            f" — starts {mood_word(s.mood)} ({s.mood}/100)",
        ),
        Content(visible(s.persona)),
        Content(""),
        Content.assemble(("Your record: ", "bold"), record_line(stats, unfinished)),
    ]
    if s.tags:
        lines.append(Content.assemble(("Tags: ", "bold"), visible_line(", ".join(s.tags))))
    lines += [
        Content(""),
        Content(f"Enter plays it ({mode} mode). ctrl+p: play it as an assessment or timed."),
        Content.styled(visible_line(s.id), "$text-muted"),
    ]
    return Content("\n").join(lines)


class ScenarioDetails(MorePanel, can_focus=False):
    """The details pane beside the list (says "more ↓" when the rest is below)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(how="(Tab)", id=id)

    def compose(self) -> ComposeResult:
        yield Static("", id="details-text")

    def show(self, content: Content) -> None:
        """Show ``content`` from the top."""
        self.query_one("#details-text", Static).update(content)
        self.scroll_home(animate=False)
        self.call_after_refresh(self.update_cue)

    def update_cue(self) -> None:
        super().update_cue()
        self.can_focus = self.more_below or self.has_focus  # Tab reaches it only when useful
