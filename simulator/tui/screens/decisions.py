"""The trainer's per-decision view: where the cohort chooses well, and who chose what.

Two levels under the trainer screen (``d``):

1. every decision point, with the share of replies that chose the strongest
   reply (★) — sorted hardest first — when the scenario file of that version
   was found, else "—";
2. one decision: what the customer had said, every reply offered (unpicked
   ones too, the strongest marked) with how often it was picked, and each
   trainee's choices there: how often they chose the strongest reply and what
   they chose the last time. Enter opens a trainee's attempts.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from simulator.export.report import DecisionPoint, Report, short_hash, trainee_picks
from simulator.formatting import plural, rate, truncate
from simulator.results import Filters, ResultsStore, StoreError
from simulator.results.rows import TraineePicks
from simulator.terminal import clip, visible
from simulator.tui.widgets.trainer_table import SortableTable, SortCell

DECISION_COLUMNS = ("Chose ★", "Replies", "Scenario", "Decision", "Version")
PICK_COLUMNS = ("Chose ★", "Times", "Last", "Trainee", "Cohort")
NAME_CELLS = 24
NAME_SHOWN = 60  # characters of an id shown (the database may hold huge ones)

CSS = """
#decisions-title, #decision-title { height: auto; padding: 0 1; }
#decisions, #picks { height: 1fr; }
#decision-replies {
    height: auto; max-height: 45%; padding: 0 1; border-bottom: solid $primary-muted;
}
"""


def replies_content(point: DecisionPoint) -> Content:
    """Every reply at ``point`` with how often it was picked; ★ the strongest."""
    lines = []
    if point.prompt:
        lines.append(Content.assemble(("Customer: ", "bold"), visible(point.prompt)))
    if point.strongest_share is not None:
        lines.append(Content.styled(f"{rate(point.strongest_share)} of "
                                    f"{plural(point.total, 'reply', 'replies')} chose the "
                                    "strongest reply (★)", "bold"))  # fmt: skip
    else:
        lines.append(Content.styled(
            "The scenario file of this version was not found: only the replies picked are "
            "listed, and the strongest is not known.", "italic",
        ))  # fmt: skip
    for reply in point.replies:
        number = "—" if reply.choice is None else str(reply.choice)
        said = "(silence)" if reply.choice is None else visible(reply.say)
        lines.append(Content.assemble(
            ("★ " if reply.strongest else "  ", "bold $text-success"), (f"{number}. ", "bold"),
            said, (f" — {reply.count} ({rate(reply.share)})",
                   "$text-muted" if reply.count == 0 else "bold"),
            (" ✗ critical" if reply.critical else "", "bold $text-error"),
        ))  # fmt: skip
    return Content("\n").join(lines)


class DecisionsScreen(Screen[None]):
    """Every decision point: how often the strongest reply was chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,b", "back", "Back")]
    DEFAULT_CSS = CSS

    def __init__(self, store: ResultsStore, report: Report, *, cohort: str | None = None) -> None:
        super().__init__(id="trainer-decisions")
        self.store = store
        self.report = report
        self.cohort = cohort
        self.points = {f"{p.content_hash}\x00{p.node}": p for p in report.decisions}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content(
            "Decision points, hardest first: the share of replies that chose the strongest "
            "reply (★). Enter: every reply, and who chose what."
        ), id="decisions-title")  # fmt: skip
        yield SortableTable(DECISION_COLUMNS, id="decisions")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "decisions"
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        table = self.query_one("#decisions", SortableTable)
        for key, p in self.points.items():
            share = p.strongest_share
            table.add_row(
                SortCell(share, rate(share), right=True), SortCell(p.total),
                SortCell(p.scenario_id), SortCell(p.node),
                SortCell(p.content_hash, short_hash(p.content_hash)),
                key=key,
            )  # fmt: skip
        table.sort_on(0, reverse=False)  # the lowest share first; unknown ones last
        table.move_cursor(row=0)
        table.focus()

    @on(DataTable.RowSelected, "#decisions")
    def open_decision(self, event: DataTable.RowSelected) -> None:
        """Drill down into one decision."""
        point = self.points.get(event.row_key.value or "")
        if point is not None:
            self.app.push_screen(DecisionScreen(self.store, point, cohort=self.cohort))

    def action_back(self) -> None:
        """Back to the cohort."""
        self.dismiss()


class DecisionScreen(Screen[None]):
    """One decision: every reply, and which one each trainee chose."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,b", "back", "Back")]
    DEFAULT_CSS = CSS

    def __init__(
        self, store: ResultsStore, point: DecisionPoint, *, cohort: str | None = None
    ) -> None:
        super().__init__(id="trainer-decision")
        self.store = store
        self.point = point
        self.cohort = cohort
        self.picks: tuple[TraineePicks, ...] = ()

    def compose(self) -> ComposeResult:
        p = self.point
        yield Header()
        where = f" · decision '{clip(p.node, NAME_SHOWN)}' · version {short_hash(p.content_hash)}"
        title = Content.assemble((clip(p.scenario_id, NAME_SHOWN), "bold"), where)
        yield Static(title, id="decision-title")
        with VerticalScroll(id="decision-replies", can_focus=False):
            yield Static(replies_content(p))
        yield SortableTable(PICK_COLUMNS, id="picks")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"decision {clip(self.point.node, NAME_SHOWN)}"
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        p = self.point
        strongest = {r.choice for r in p.replies if r.strongest}
        table = self.query_one("#picks", SortableTable)
        try:
            with self.store.snapshot() as view:
                self.picks = trainee_picks(view, Filters(cohort=self.cohort), p.scenario_id,
                                           p.content_hash, p.node)  # fmt: skip
        except StoreError as exc:
            self.notify(f"Cannot read the results: {exc}", severity="error")
            return
        for t in self.picks:
            times = sum(t.picks.values())
            good = sum(n for choice, n in t.picks.items() if choice in strongest)
            chose = (SortCell(good / times, f"{good} of {times}") if strongest
                     else SortCell(None, right=True))  # fmt: skip
            last = "silence" if t.last is None else str(t.last) + (" ★" if t.last in strongest
                                                                  else "")  # fmt: skip
            table.add_row(
                chose, SortCell(times), SortCell(t.last, last),
                SortCell(t.name, truncate(t.name, NAME_CELLS)), SortCell(t.cohort),
                key=f"{t.cohort}\x00{t.name}",
            )  # fmt: skip
        table.sort_on(0, reverse=False)
        table.move_cursor(row=0)
        table.focus()

    @on(DataTable.RowSelected, "#picks")
    def open_trainee(self, event: DataTable.RowSelected) -> None:
        """A trainee's attempts (their whole name, every attempt)."""
        from simulator.tui.screens.trainer import TraineeScreen

        if event.row_key.value is not None:
            cohort, name = event.row_key.value.split("\x00", 1)
            self.app.push_screen(TraineeScreen(self.store, name, cohort))

    def action_back(self) -> None:
        """Back to the decisions."""
        self.dismiss()
