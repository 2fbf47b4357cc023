"""The trainer screen: the cohort at a glance, a trainee's attempts, any transcript.

``TrainerScreen(db_path)`` is self-contained (it opens and closes its own
store), so the picker can push it; ``run_trainer`` hosts it in a minimal app
for ``talkdown trainer``. Three levels, Enter to go down, Escape to go back:

1. the cohort: trainees, scores first (sortable: click a header, or ``s`` /
   ``r``), beside — or, below 120 columns, under — text-bar charts of pass
   rate per scenario and sins of service;
2. one trainee's attempts (sortable too), under the trainee's full name;
3. one attempt: its scores and the transcript — what was said, tags with their
   definitions, points and mood. Feedback text is not stored, so not shown.

``d`` opens the decisions: for each decision point, how many replies chose the
strongest reply (when the scenario file of that version is found), and for
one decision every reply offered and which one each trainee chose.

Names are cut with an ellipsis to keep every score column on an 80-column
screen; the drill-down shows them whole. The numbers come from
`simulator.export.report` (aggregated in SQL), read in a worker thread so a
large database never freezes the screen, and are formatted by
`simulator.formatting`, like the report's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from simulator.export.report import (
    Report,
    ScenarioResults,
    SinStats,
    short_trend,
    summary_line,
    text_bar,
)
from simulator.formatting import plural, rate, score, signed, truncate
from simulator.library import ScenarioVersions, shipped_dir
from simulator.results import (
    AttemptRow,
    ChoiceRow,
    DbTarget,
    ResultsStore,
    StoreError,
    open_for_reading,
)
from simulator.terminal import clip, visible
from simulator.tui.review import tag_notes
from simulator.tui.safe import SafeApp
from simulator.tui.text import mood_word
from simulator.tui.widgets.feedback import tag_line
from simulator.tui.widgets.trainer_table import SortableTable, SortCell

# Scores first, names last and cut: every score column fits in 80 columns.
TRAINEE_COLUMNS = ("Best", "Mean", "Passed", "Tries", "Trend", "Trainee", "Cohort")
NAME_CELLS = 20  # a trainee name is cut to this many cells (whole in the drill-down)
COHORT_CELLS = 12
ATTEMPT_COLUMNS = ("Started (UTC)", "Overall", "Passed", "Empathy", "Assert.", "Speed",
                   "Scenario", "Mode", "Status", "Ending", "Turns")  # fmt: skip
BAR_WIDTH = 14
NAME_SHOWN = 60  # characters of an id or title shown (the database may hold huge ones)
NAME_WHOLE = 500  # a trainee's own screen shows the name whole, up to this (hostile ones cut)
_APP_CSS = Path(__file__).resolve().parent.parent / "talkdown.tcss"

CSS = """
#trainer-body { height: 1fr; layout: horizontal; }
#trainees { width: 1fr; height: 1fr; }
#charts { width: 44; height: 1fr; padding: 0 1; border: round $primary-muted; }
TrainerScreen.-narrow #trainer-body { layout: vertical; }
TrainerScreen.-narrow #charts { width: 1fr; height: 9; }
#trainer-status, #attempts-title, #attempt-scores { height: auto; padding: 0 1; }
#attempts { height: 1fr; }
#transcript { height: 1fr; padding: 0 1; }
.trainer-turn { margin-bottom: 1; }
"""


def pass_rate_chart(scenarios: tuple[ScenarioResults, ...]) -> Content:
    """Pass rate per scenario as text bars (the number beside every bar)."""
    lines = [Content.styled("Pass rate per scenario", "bold")]
    if not scenarios:
        lines.append(Content("No attempts yet."))
    ids = [clip(s.scenario_id, NAME_SHOWN) for s in scenarios]
    width = max((len(i) for i in ids), default=0)
    for s, shown in zip(scenarios, ids, strict=True):
        bar = text_bar(s.pass_rate or 0.0, BAR_WIDTH).ljust(BAR_WIDTH)
        lines.append(Content.assemble(
            shown.ljust(width), " ", (bar, "$success"),
            f" {rate(s.pass_rate)} of {s.completed}",
        ))  # fmt: skip
    return Content("\n").join(lines)


def sins_chart(sins: tuple[SinStats, ...]) -> Content:
    """How often each sin was committed, as text bars."""
    lines = [Content.styled("Sins of service", "bold")]
    most = max((s.count for s in sins), default=0)
    width = max((len(s.sin) for s in sins), default=0)
    for s in sins:
        bar = text_bar(s.count / most if most else 0.0, BAR_WIDTH).ljust(BAR_WIDTH)
        lines.append(Content.assemble(s.sin.ljust(width), " ", (bar, "$error"), f" {s.count}"))
    return Content("\n").join(lines)


def attempt_summary(attempt: AttemptRow) -> Content:
    """Who, what, when, and the scores of one attempt."""
    verdict = "" if attempt.passed is None else (
        " — PASSED ✓" if attempt.passed else " — NOT PASSED ✗")  # fmt: skip
    timed = f", timed {attempt.timed_seconds} s" if attempt.timed_seconds else ""
    turns = plural(attempt.turns, "turn")
    took = attempt.duration
    if attempt.mode == "batch":
        on_task = "time on task not measured (a batch run)"
    elif took is None:
        on_task = "not finished"
    else:
        on_task = f"took {took.total_seconds():.0f} s"
    return Content("\n").join([
        Content.assemble(
            (clip(attempt.trainee, NAME_WHOLE), "bold"),
            f" ({clip(attempt.cohort, NAME_SHOWN)}) — ",
            (clip(attempt.scenario_title, NAME_SHOWN), "bold"),
            f" [{clip(attempt.scenario_id, NAME_SHOWN)}, version "
            f"{clip(attempt.content_hash[:12], NAME_SHOWN)}]",
        ),
        Content(
            f"{attempt.mode}{timed} · started {attempt.started_at:%Y-%m-%d %H:%M:%S} UTC · "
            f"{attempt.status}" + (f" · ending {attempt.ending}" if attempt.ending else "")
            + f" · {on_task}"
        ),
        Content.assemble(
            ("Empathy ", "bold"), score(attempt.empathy), "   ",
            ("Assertiveness ", "bold"), score(attempt.assertiveness), "   ",
            ("Speed ", "bold"), score(attempt.speed), "   ",
            ("Overall ", "bold"), score(attempt.overall), (verdict, "bold"),
            f"   ({turns}, {attempt.seconds} s simulated)",
        ),
    ])  # fmt: skip


def turn_content(choice: ChoiceRow) -> Content:
    """One reply of the transcript: words, points, mood, tags with definitions."""
    said = "(silence — the timer ran out)" if choice.choice is None else visible(choice.say)
    latency = "" if choice.latency_ms is None else f", answered in {choice.latency_ms / 1000:.1f} s"
    where = f"  at {clip(choice.node, NAME_SHOWN)}" + (
        "" if choice.choice is None else f", reply {choice.choice}"
    )
    lines = [
        Content.assemble((f"Turn {choice.seq}", "bold underline"), where),
        Content.assemble(("Said: ", "bold"), said),
        Content(
            f"empathy {signed(choice.empathy)}, assertiveness {signed(choice.assertiveness)}"
            f" · mood {choice.mood_before} → {choice.mood_after} ({mood_word(choice.mood_after)})"
            f" · {choice.seconds} s simulated{latency}"
        ),
        *(tag_line(note) for note in tag_notes(choice.tags)),
    ]
    return Content("\n").join(lines)


class AttemptScreen(Screen[None]):
    """One attempt's scores and transcript."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,b", "back", "Back")]
    DEFAULT_CSS = CSS

    def __init__(self, store: ResultsStore, uuid: str) -> None:
        super().__init__(id="trainer-attempt")
        self.store = store
        self.uuid = uuid

    def compose(self) -> ComposeResult:
        yield Header()
        attempt = self.store.get_attempt(self.uuid)
        if attempt is None:
            yield Static(Content(f"Attempt {self.uuid} is no longer in the database."))
        else:
            yield Static(attempt_summary(attempt), id="attempt-scores")
            with VerticalScroll(id="transcript"):
                choices = self.store.get_choices(self.uuid)
                if not choices:
                    yield Static(Content("No replies recorded."))
                for choice in choices:
                    yield Static(turn_content(choice), classes="trainer-turn")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "attempt"
        for scroll in self.query("#transcript").results(VerticalScroll):
            scroll.focus()

    def action_back(self) -> None:
        """Back to the trainee's attempts."""
        self.dismiss()


class TraineeScreen(Screen[None]):
    """One trainee's attempts, newest first; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,b", "back", "Back")]
    DEFAULT_CSS = CSS

    def __init__(self, store: ResultsStore, name: str, cohort: str) -> None:
        super().__init__(id="trainer-trainee")
        self.store = store
        self.trainee = (name, cohort)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Content.assemble("Attempts of ", (clip(self.trainee[0], NAME_WHOLE), "bold"),
                             f" ({clip(self.trainee[1], NAME_SHOWN)}) — Enter opens one, "
                             "Escape goes back"),
            id="attempts-title",
        )  # fmt: skip
        yield SortableTable(ATTEMPT_COLUMNS, id="attempts")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = (
            f"{clip(self.trainee[0], NAME_SHOWN)} · {clip(self.trainee[1], NAME_SHOWN)}"
        )
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        table = self.query_one("#attempts", SortableTable)
        name, cohort = self.trainee
        for a in self.store.iter_attempts(cohort=cohort, trainee=name):
            passed = None if a.passed is None else ("yes" if a.passed else "no")
            table.add_row(
                SortCell(a.started_at, f"{a.started_at:%Y-%m-%d %H:%M}"),
                SortCell(a.overall, score(a.overall), right=True), SortCell(passed),
                *(SortCell(v, score(v), right=True)
                  for v in (a.empathy, a.assertiveness, a.speed)),
                SortCell(a.scenario_id), SortCell(a.mode), SortCell(a.status),
                SortCell(a.ending), SortCell(a.turns),
                key=a.uuid,
            )  # fmt: skip
        table.sort_on(0, reverse=True)  # newest first
        table.move_cursor(row=0)
        table.focus()

    @on(DataTable.RowSelected, "#attempts")
    def open_attempt(self, event: DataTable.RowSelected) -> None:
        """Drill down into the chosen attempt."""
        if event.row_key.value is not None:
            self.app.push_screen(AttemptScreen(self.store, event.row_key.value))

    def action_back(self) -> None:
        """Back to the cohort."""
        self.dismiss()


class TrainerScreen(Screen[None]):
    """The cohort's trainees beside (or above) the report's charts."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("d", "decisions", "Decisions"),
        Binding("f5", "reload", "Reload"),
    ]
    DEFAULT_CSS = CSS
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual's own type)

    def __init__(
        self,
        db_path: DbTarget | None = None,
        *,
        cohort: str | None = None,
        scenario_dirs: Sequence[Path] = (),
    ) -> None:
        super().__init__(id="trainer")
        self.db_path = db_path
        self.cohort = cohort
        self.store: ResultsStore | None = None
        self.report: Report | None = None
        # The scenario files, to list every reply of a decision (trainers' folders, shipped).
        self.versions = ScenarioVersions([*scenario_dirs, shipped_dir()])

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Content("Loading results…"), id="trainer-status")
        with Horizontal(id="trainer-body"):
            yield SortableTable(TRAINEE_COLUMNS, id="trainees")
            with VerticalScroll(id="charts"):
                yield Static(id="pass-chart")
                yield Static(id="sins-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "trainer" + (f" · cohort {self.cohort}" if self.cohort else "")
        try:
            self.store = open_for_reading(self.db_path)
        except StoreError as exc:
            self._status(f"No results: {exc}")
            return
        self.query_one("#trainees", SortableTable).focus()
        self.load()

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()

    @work(thread=True, exclusive=True, group="trainer-report")
    def load(self) -> None:
        """Build the report off the UI thread, then show it."""
        from simulator.export.report import build_report
        from simulator.results import Filters

        store = self.store
        if store is None:
            return
        try:
            with store.snapshot() as view:
                report = build_report(view, Filters(cohort=self.cohort),
                                      versions=self.versions.get)  # fmt: skip
        except StoreError as exc:
            self.app.call_from_thread(self._status, f"Cannot read the results: {exc}")
            return
        self.app.call_from_thread(self.show, report)

    def _status(self, text: str) -> None:
        self.query_one("#trainer-status", Static).update(Content(text))

    def show(self, report: Report) -> None:
        """Fill the table and the charts from *report*."""
        self.report = report
        self._status(
            f"{summary_line(report)}. Enter: a trainee's attempts · d: decisions · "
            "s / r or a header click: sort"
        )
        table = self.query_one("#trainees", SortableTable)
        table.clear()
        for t in report.trainees:
            table.add_row(
                SortCell(t.best["overall"], score(t.best["overall"]), right=True),
                SortCell(t.mean["overall"], score(t.mean["overall"]), right=True),
                SortCell(t.passes, f"{t.passes}/{t.completed}"),
                SortCell(t.attempts),
                SortCell(t.trend, short_trend(t), right=False),
                SortCell(t.name, truncate(t.name, NAME_CELLS)),
                SortCell(t.cohort, truncate(t.cohort, COHORT_CELLS)),
                key=f"{t.cohort}\x00{t.name}",
            )  # fmt: skip
        if table.sort_index is not None:
            table.sort_on(table.sort_index, reverse=table.sort_reverse)
        self.query_one("#pass-chart", Static).update(pass_rate_chart(report.scenarios))
        self.query_one("#sins-chart", Static).update(
            Content("\n").join([Content(""), sins_chart(report.sins)])
        )

    @on(DataTable.RowSelected, "#trainees")
    def open_trainee(self, event: DataTable.RowSelected) -> None:
        """Drill down into the chosen trainee's attempts."""
        if self.store is None or event.row_key.value is None:
            return
        cohort, name = event.row_key.value.split("\x00", 1)
        self.app.push_screen(TraineeScreen(self.store, name, cohort))

    def action_reload(self) -> None:
        """Read the database again (others may have recorded since)."""
        if self.store is not None:
            self.load()

    def action_decisions(self) -> None:
        """Each decision point: how often the strongest reply was chosen."""
        if self.store is not None and self.report is not None:
            from simulator.tui.screens.decisions import DecisionsScreen

            self.app.push_screen(DecisionsScreen(self.store, self.report, cohort=self.cohort))

    def action_close(self) -> None:
        """Leave the trainer screen."""
        self.dismiss()


class TrainerApp(SafeApp[None]):
    """A minimal app hosting only the trainer screen (``talkdown trainer``)."""

    # The main app's stylesheet, when present, so both look alike.
    CSS_PATH = str(_APP_CSS) if _APP_CSS.exists() else None
    TITLE = "talkdown"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(
        self,
        db: DbTarget | None = None,
        *,
        cohort: str | None = None,
        scenario_dirs: Sequence[Path] = (),
    ) -> None:
        super().__init__()
        self.db = db
        self.cohort = cohort
        self.scenario_dirs = tuple(scenario_dirs)

    def on_mount(self) -> None:
        self.push_screen(
            TrainerScreen(self.db, cohort=self.cohort, scenario_dirs=self.scenario_dirs),
            callback=self._when_trainer_closed,
        )

    def _when_trainer_closed(self, _: None) -> None:
        self.exit()


def run_trainer(
    db: DbTarget | None = None, *, cohort: str | None = None, scenario_dirs: Sequence[Path] = ()
) -> None:
    """Run the trainer screen on its own until the trainer closes it."""
    TrainerApp(db, cohort=cohort, scenario_dirs=scenario_dirs).run()
