"""The picker's list of scenarios and its details pane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from simulator.terminal import visible, visible_line
from simulator.tui.catalog import Entry
from simulator.tui.messages import ScenarioChosen
from simulator.tui.text import difficulty_dots, mood_word, plural, score_text


class Stats(Protocol):
    """The trainee's record at one scenario (``simulator.store.ScenarioStats``)."""

    @property
    def attempts(self) -> int: ...
    @property
    def passes(self) -> int: ...
    @property
    def best_overall(self) -> float | None: ...


def record_text(stats: Stats | None) -> str:
    """``2 attempts · best 81`` or ``not tried yet``."""
    if stats is None or not stats.attempts:
        return "not tried yet"
    return f"{plural(stats.attempts, 'attempt')} · best {score_text(stats.best_overall)}"


def entry_prompt(entry: Entry, stats: Stats | None) -> Content:
    """Two lines: title and difficulty, then minutes · channel · tags · record."""
    s = entry.meta
    if s is None:
        error = entry.first_error
        why = visible_line(error.message) if error else "not a valid scenario"
        line = f" line {error.line}" if error else ""
        return Content.assemble(
            ("⚠ INVALID ", "bold $error"), (visible_line(entry.path.name), "bold"), "\n  ",
            (f"{line.strip()}: {why}" if line else why, "$text-muted"),
        )  # fmt: skip
    facts = [f"{s.minutes} min"]
    if s.channel:
        facts.append(s.channel)
    if s.tags:
        facts.append(", ".join(s.tags))
    facts.append(record_text(stats))
    return Content.assemble(
        (visible_line(s.title), "bold"), "  ", (difficulty_dots(s.difficulty), ""),
        "\n  ", (visible_line(" · ".join(facts)), "$text-muted"),
    )  # fmt: skip


class ScenarioList(OptionList):
    """Scenarios matching the filter; Enter or a click plays one."""

    def show_entries(self, entries: Sequence[Entry], stats: Mapping[str, Stats]) -> None:
        """Replace the options, keeping the highlighted entry when it is still listed."""
        keep = None
        if self.highlighted is not None and self.option_count:
            keep = self.get_option_at_index(self.highlighted).id
        options = []
        for entry in entries:
            found = stats.get(entry.meta.id) if entry.meta else None
            options.append(Option(entry_prompt(entry, found), id=entry.key))
        self.set_options(options)
        ids = [o.id for o in options]
        if options:
            self.highlighted = ids.index(keep) if keep in ids else 0

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


def _record_line(stats: Stats | None) -> str:
    if stats is None or not stats.attempts:
        return record_text(stats)
    return f"{record_text(stats)}, {plural(stats.passes, 'pass', 'passes')}"


def details_content(entry: Entry | None, stats: Stats | None, mode: str) -> Content:
    """Summary, persona and the trainee's record; problems for an invalid file."""
    if entry is None:
        return Content("No scenario matches the filter.")
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
    meta = [s.id, f"difficulty {difficulty_dots(s.difficulty)} ({s.difficulty}/5)",
            f"about {s.minutes} min"]  # fmt: skip
    if s.channel:
        meta.append(s.channel)
    lines = [
        Content.assemble((visible_line(s.title), "bold")),
        Content.assemble((visible_line(" · ".join(meta)), "$text-muted")),
    ]
    if s.tags:
        lines.append(Content("Tags: " + visible_line(", ".join(s.tags))))
    lines += [
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
        Content.assemble(("Your record: ", "bold"), _record_line(stats)),
        Content(""),
        Content(f"Enter or click to play ({mode} mode)."),
    ]
    return Content("\n").join(lines)


class ScenarioDetails(VerticalScroll, can_focus=False):
    """The details pane beside the list."""

    def compose(self) -> ComposeResult:
        yield Static("", id="details-text")

    def show(self, entry: Entry | None, stats: Stats | None, mode: str) -> None:
        """Describe ``entry``."""
        self.query_one("#details-text", Static).update(details_content(entry, stats, mode))
        self.scroll_home(animate=False)
