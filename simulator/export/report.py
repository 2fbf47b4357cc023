"""The cohort report: per trainee, per scenario, per decision point, and sins.

All counting happens in the database (the store's `ResultsView` aggregates);
Python only shapes the few hundred aggregate rows, so the report over 100,000
attempts costs a couple of index walks. Sections:

* **trainees** — per (name, cohort): attempts, completed, passes, best and mean
  of each dimension (completed attempts; a dimension never assessed is null),
  trend: first and last overall and the last `SPARK_POINTS` overall scores,
  and critical errors (replies that would fail a quality check; attempts with one).
* **scenarios** — per scenario id: attempts, completed, passes, pass rate (of
  completed attempts), critical errors, mean scores, and how many ended
  resolved/escalated/lost.
* **decision points** — per scenario id *and* content hash (each version of a
  file separately, since replies change between versions), per node: how often
  each reply was picked, its words and tags, and which sins it commits. When
  the scenario file of that version is found (`ScenarioVersions`), this is a
  full item analysis: every reply offered, unpicked ones included, the
  strongest marked, and the share of replies that chose it. Where trainees
  typed their replies (say mode): how often typed text was heard as each
  reply, how often it matched none, and how often the trainee overrode what
  was heard (counts only: typed text never appears in a report).
* **sins** — how often each of the seven sins was committed in the cohort.
* **progress** — per trainee, per day (UTC): completed attempts, passes, mean
  and best overall.
* **cohorts** — per cohort: trainees, attempts, pass rate, mean scores, critical
  errors; and the pass rate per scenario per cohort, so cohorts can be compared.

`report_json` gives the ``--format json`` object; `render_text` the Rich tables;
`simulator.export.html_report` the HTML page.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from scoring.points import strongest_replies
from scoring.vocabulary import ENDINGS, SCORES
from simulator.dialogue import render
from simulator.formatting import plural, rate, score, signed
from simulator.results import Filters, ResultsView, format_utc
from simulator.results.rows import ReplyCount, TraineePicks, TypedCount
from simulator.tags import SIN_ADVICE, SINS

if TYPE_CHECKING:
    from simulator.model import Scenario

#: Finds the scenario of a stored version by its content hash (None: not found).
Versions = Callable[[str], "Scenario | None"]

FORMAT: Final = "talkdown-report/1"
ENDING_NAMES: Final = ENDINGS
SPARK_POINTS: Final = 12
#: Characters of a name, id or title shown in a text table cell; JSON, CSV and
#: HTML keep the whole value. Bounds the text report's cost by rows, not by how
#: long a (possibly imported, hostile) name is.
NAME_SHOWN: Final = 60
#: Characters of a reply's words shown in the decision-point tables.
SAY_SHOWN: Final = 240
_SPARKS: Final = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], low: float = 0.0, high: float = 100.0) -> str:
    """Scores as a unicode sparkline on a fixed 0–100 scale (so trainees compare)."""
    top = len(_SPARKS) - 1
    out = []
    for value in values:
        share = (min(high, max(low, value)) - low) / (high - low)
        out.append(_SPARKS[round(share * top)])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class TraineeStats:
    """One trainee's results."""

    name: str
    cohort: str
    attempts: int
    completed: int
    passes: int
    best: dict[str, float | None]
    mean: dict[str, float | None]
    first_overall: float | None
    last_overall: float | None
    recent_overall: tuple[float, ...]  # the last SPARK_POINTS overall scores, oldest first
    critical_replies: int = 0  # replies that would fail a quality check
    critical_attempts: int = 0  # attempts with at least one such reply

    @property
    def trend(self) -> float | None:
        """Last overall minus first overall (None with fewer than two scored attempts)."""
        if self.first_overall is None or self.last_overall is None or self.completed < 2:
            return None
        return self.last_overall - self.first_overall


@dataclass(frozen=True, slots=True)
class ScenarioResults:
    """One scenario's results (all versions together)."""

    scenario_id: str
    title: str  # of its most recent attempt
    attempts: int
    completed: int
    passes: int
    mean: dict[str, float | None]
    endings: dict[str, int]
    critical_replies: int = 0
    critical_attempts: int = 0

    @property
    def pass_rate(self) -> float | None:
        """Passes per completed attempt, 0–1 (None before any completion)."""
        return self.passes / self.completed if self.completed else None


@dataclass(frozen=True, slots=True)
class ReplyStats:
    """How often one reply was picked at a decision point."""

    choice: int | None  # None: silence (the timer ran out)
    say: str
    tags: tuple[str, ...]
    count: int
    share: float  # of all replies made at this node
    critical: str | None = None  # why this reply fails the call
    strongest: bool = False  # the strongest reply offered here (ties: each of them)
    heard: int = 0  # typed replies heard as this reply (say mode)
    overridden: int = 0  # of those, how many the trainee did not say as heard

    @property
    def sins(self) -> tuple[str, ...]:
        """The sins of service this reply commits."""
        return tuple(tag for tag in self.tags if tag in SINS)


@dataclass(frozen=True, slots=True)
class DecisionPoint:
    """One node of one version of a scenario.

    ``complete`` when the scenario file of this version was found: then
    ``replies`` are every reply offered, in the file's order (unpicked ones
    with count 0, a silence last), the strongest are marked, and ``prompt`` is
    what the customer had just said. Otherwise only the replies picked, most
    picked first.
    """

    scenario_id: str
    content_hash: str
    node: str
    total: int
    replies: tuple[ReplyStats, ...]
    prompt: str = ""
    complete: bool = False
    typed: int = 0  # typed replies made here (say mode)
    unmatched: int = 0  # of them, heard as no reply (the trainee then picked one)
    overridden: int = 0  # of them, not said as heard (the unmatched included)

    @property
    def strongest_share(self) -> float | None:
        """The share of replies here that chose the strongest reply (None if not known)."""
        if not self.complete or not any(r.strongest for r in self.replies):
            return None
        return sum(r.share for r in self.replies if r.strongest)


@dataclass(frozen=True, slots=True)
class DayProgress:
    """One trainee's completed attempts on one day (UTC)."""

    day: str  # YYYY-MM-DD
    attempts: int
    passes: int
    mean_overall: float | None
    best_overall: float | None


@dataclass(frozen=True, slots=True)
class TraineeProgress:
    """One trainee's results day by day."""

    name: str
    cohort: str
    days: tuple[DayProgress, ...]  # oldest first


@dataclass(frozen=True, slots=True)
class CohortStats:
    """One cohort's results, to compare with the others."""

    cohort: str
    trainees: int
    attempts: int
    completed: int
    passes: int
    mean: dict[str, float | None]
    critical_attempts: int
    pass_rates: dict[str, float | None]  # per scenario id: passes per completed attempt

    @property
    def pass_rate(self) -> float | None:
        """Passes per completed attempt, 0–1 (None before any completion)."""
        return self.passes / self.completed if self.completed else None


@dataclass(frozen=True, slots=True)
class SinStats:
    """How often one sin was committed."""

    sin: str
    count: int
    per_100_replies: float
    by_scenario: dict[str, int]


@dataclass(frozen=True, slots=True)
class Report:
    """The whole report."""

    filters: dict[str, str | None]
    generated_at: str
    attempts: int
    completed: int
    replies: int
    trainees: tuple[TraineeStats, ...]
    scenarios: tuple[ScenarioResults, ...]
    decisions: tuple[DecisionPoint, ...]
    sins: tuple[SinStats, ...]  # every sin, most committed first
    progress: tuple[TraineeProgress, ...] = ()
    cohorts: tuple[CohortStats, ...] = ()
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- building


def _trainees(view: ResultsView, filters: Filters) -> tuple[TraineeStats, ...]:
    # Overall scores in time order, per trainee: keep the first and the last few.
    first: dict[tuple[str, str], float] = {}
    recent: dict[tuple[str, str], deque[float]] = defaultdict(lambda: deque(maxlen=SPARK_POINTS))
    for name, cohort, overall in view.overall_history(filters):
        first.setdefault((name, cohort), overall)
        recent[(name, cohort)].append(overall)
    out = []
    for t in view.trainee_totals(filters):
        history = tuple(recent.get((t.name, t.cohort), ()))
        out.append(
            TraineeStats(
                name=t.name,
                cohort=t.cohort,
                attempts=t.attempts,
                completed=t.completed,
                passes=t.passes,
                best=t.best,
                mean=t.mean,
                first_overall=first.get((t.name, t.cohort)),
                last_overall=history[-1] if history else None,
                recent_overall=history,
                critical_replies=t.critical_replies,
                critical_attempts=t.critical_attempts,
            )
        )
    return tuple(out)


def _scenarios(view: ResultsView, filters: Filters) -> tuple[ScenarioResults, ...]:
    return tuple(
        ScenarioResults(
            scenario_id=s.scenario_id,
            title=s.title,
            attempts=s.attempts,
            completed=s.completed,
            passes=s.passes,
            mean=s.mean,
            endings=s.endings,
            critical_replies=s.critical_replies,
            critical_attempts=s.critical_attempts,
        )
        for s in view.scenario_totals(filters)
    )


def _heard(typed: Sequence[TypedCount]) -> dict[int, tuple[int, int]]:
    """Reply number -> (typed replies heard as it, how many of those were overridden)."""
    return {t.matched: (t.count, t.overridden) for t in typed if t.matched is not None}


def _with_typed(point: DecisionPoint, typed: Sequence[TypedCount]) -> DecisionPoint:
    """*point* with its typed replies counted: per reply heard as, and for the node."""
    if not typed:
        return point
    heard = _heard(typed)
    replies = [
        replace(r, heard=heard[r.choice][0], overridden=heard[r.choice][1])
        if r.choice in heard else r
        for r in point.replies
    ]  # fmt: skip
    shown = {r.choice for r in replies}
    for number in sorted(set(heard) - shown):  # heard as, never said: listed all the same
        replies.append(ReplyStats(choice=number, say="", tags=(), count=0, share=0.0,
                                  heard=heard[number][0], overridden=heard[number][1]))  # fmt: skip
    return replace(
        point,
        replies=tuple(replies),
        typed=sum(t.count for t in typed),
        unmatched=sum(t.count for t in typed if t.matched is None),
        overridden=sum(t.overridden for t in typed),
    )


def _decisions(view: ResultsView, filters: Filters) -> tuple[DecisionPoint, ...]:
    by_node: dict[tuple[str, str, str], list[ReplyCount]] = defaultdict(list)
    for count in view.reply_counts(filters):
        by_node[(count.scenario_id, count.content_hash, count.node)].append(count)
    typed: dict[tuple[str, str, str], list[TypedCount]] = defaultdict(list)
    for heard in view.typed_counts(filters):
        typed[(heard.scenario_id, heard.content_hash, heard.node)].append(heard)
    points = []
    for (scenario_id, content_hash, node), picks in by_node.items():
        total = sum(p.count for p in picks)
        replies = tuple(
            ReplyStats(
                choice=p.choice,
                say=p.say,
                tags=p.tags,
                count=p.count,
                share=p.count / total,
                critical=p.critical,
            )
            for p in sorted(picks, key=lambda p: (-p.count, p.choice is None, p.choice or 0))
        )
        point = DecisionPoint(scenario_id, content_hash, node, total, replies)
        points.append(_with_typed(point, typed.get((scenario_id, content_hash, node), ())))
    # Within a version, the nodes most conversations reach come first: roughly
    # the order of the conversation, without having to load the scenario.
    points.sort(key=lambda p: (p.scenario_id, p.content_hash, -p.total, p.node))
    return tuple(points)


def _sins(decisions: Sequence[DecisionPoint], replies: int) -> tuple[SinStats, ...]:
    counts: Counter[str] = Counter()
    by_scenario: dict[str, Counter[str]] = defaultdict(Counter)
    for point in decisions:
        for reply in point.replies:
            for sin in reply.sins:
                counts[sin] += reply.count
                by_scenario[sin][point.scenario_id] += reply.count
    return tuple(
        SinStats(
            sin=sin,
            count=counts[sin],
            per_100_replies=100 * counts[sin] / replies if replies else 0.0,
            by_scenario=dict(sorted(by_scenario[sin].items())),
        )
        for sin in sorted(SINS, key=lambda s: (-counts[s], s))
    )


def _said(scenario: Scenario, raw: str) -> str:
    """Dialogue as the file has it, ``{agent}`` left as the placeholder (no trainee's name)."""
    return render(raw, "{agent}") if scenario.placeholders else raw


def item_analysis(point: DecisionPoint, scenario: Scenario | None) -> DecisionPoint:
    """``point`` with every reply its version offers, the strongest marked.

    The strongest reply is the one the debrief and the analysis name
    (`scoring.points.strongest_replies`, the scenario's weights); when
    several tie, each of them counts as the strongest.
    """
    if scenario is None or scenario.content_hash != point.content_hash:
        return point
    node = scenario.nodes.get(point.node)
    if node is None or not node.choices:
        return point
    picked = {r.choice: r for r in point.replies}
    heard = {r.choice: (r.heard, r.overridden) for r in point.replies if r.heard}
    best = strongest_replies(
        [c.empathy for c in node.choices],
        [c.assertiveness for c in node.choices],
        scenario.scoring.weights,
    )
    replies = []
    for number, choice in enumerate(node.choices, 1):
        count = picked[number].count if number in picked else 0
        heard_as, overridden = heard.get(number, (0, 0))
        replies.append(ReplyStats(
            choice=number, say=_said(scenario, choice.say), tags=tuple(choice.tags),
            count=count, share=count / point.total if point.total else 0.0,
            critical=choice.critical or None, strongest=number - 1 in best,
            heard=heard_as, overridden=overridden,
        ))  # fmt: skip
    if None in picked:  # timed play: the silences, after the replies
        replies.append(picked[None])
    return replace(point, replies=tuple(replies), prompt=_said(scenario, node.customer),
                   complete=True)  # fmt: skip


def _conversation_order(point: DecisionPoint, versions: Versions) -> tuple[str, str, int, int, str]:
    """Most reached first; on a tie, the order the nodes have in the file (when it is known)."""
    scenario = versions(point.content_hash) if point.complete else None
    position = list(scenario.nodes).index(point.node) if scenario is not None else 1 << 30
    return (point.scenario_id, point.content_hash, -point.total, position, point.node)


def _progress(view: ResultsView, filters: Filters) -> tuple[TraineeProgress, ...]:
    """Completed attempts per trainee per UTC day."""
    days: dict[tuple[str, str], list[DayProgress]] = defaultdict(list)
    for d in view.day_totals(filters):
        days[(d.name, d.cohort)].append(
            DayProgress(d.day, d.attempts, d.passes, d.mean_overall, d.best_overall)
        )
    return tuple(TraineeProgress(name, cohort, tuple(d)) for (name, cohort), d in days.items())


def _cohorts(view: ResultsView, filters: Filters) -> tuple[CohortStats, ...]:
    """Each cohort's totals and mean scores (completed attempts), and its pass rate per scenario."""
    return tuple(
        CohortStats(
            cohort=c.cohort,
            trainees=c.trainees,
            attempts=c.attempts,
            completed=c.completed,
            passes=c.passes,
            mean=c.mean,
            critical_attempts=c.critical_attempts,
            pass_rates={
                sid: passes / completed if completed else None
                for sid, (completed, passes) in c.by_scenario.items()
            },
        )
        for c in view.cohort_totals(filters)
    )


def trainee_picks(
    view: ResultsView, filters: Filters, scenario_id: str, content_hash: str, node: str
) -> tuple[TraineePicks, ...]:
    """Which reply each trainee chose at one decision point (the trainer's per-decision view)."""
    return tuple(view.trainee_picks(filters, scenario_id, content_hash, node))


def build_report(
    view: ResultsView,
    filters: Filters,
    *,
    now: datetime | None = None,
    versions: Versions | None = None,
) -> Report:
    """The report over the attempts matching *filters* (read inside one snapshot).

    ``versions`` finds a stored version's scenario file (by content hash) for
    the item analysis; without it, or for a version not found, decision points
    list only the replies that were picked (and a note says so).
    """
    trainees = _trainees(view, filters)
    scenarios = _scenarios(view, filters)
    decisions = _decisions(view, filters)
    replies = sum(point.total for point in decisions)
    notes: list[str] = []
    if versions is not None:
        decisions = tuple(item_analysis(p, versions(p.content_hash)) for p in decisions)
        decisions = tuple(sorted(decisions, key=lambda p: _conversation_order(p, versions)))
    missing = sorted({(p.scenario_id, p.content_hash) for p in decisions if not p.complete})
    if missing:
        shown = ", ".join(f"{sid} ({short_hash(h)})" for sid, h in missing)
        notes.append(
            f"Scenario file not found for {plural(len(missing), 'version')}: {shown}. Their "
            "decision points list only the replies picked; add the folder holding those files "
            "with --scenarios to see every reply and the strongest."
        )
    return Report(
        filters=filters.describe(),
        generated_at=format_utc(now or datetime.now(UTC)),
        attempts=sum(s.attempts for s in scenarios),
        completed=sum(s.completed for s in scenarios),
        replies=replies,
        trainees=trainees,
        scenarios=scenarios,
        decisions=decisions,
        sins=_sins(decisions, replies),
        progress=_progress(view, filters),
        cohorts=_cohorts(view, filters),
        notes=notes,
    )


# --------------------------------------------------------------------------- JSON


def report_json(report: Report) -> dict[str, Any]:
    """The ``--format json`` object (``"format": "talkdown-report/1"``)."""
    return {
        "format": FORMAT,
        "generated_at": report.generated_at,
        "filters": report.filters,
        "totals": {
            "attempts": report.attempts,
            "completed": report.completed,
            "replies": report.replies,
            "trainees": len(report.trainees),
        },
        "trainees": [
            {**asdict(t), "recent_overall": list(t.recent_overall), "trend": t.trend}
            for t in report.trainees
        ],
        "scenarios": [{**asdict(s), "pass_rate": s.pass_rate} for s in report.scenarios],
        "decision_points": [
            {
                "scenario_id": p.scenario_id,
                "content_hash": p.content_hash,
                "node": p.node,
                "total": p.total,
                "complete": p.complete,
                "prompt": p.prompt if p.complete else None,
                "strongest_share": p.strongest_share,
                "typed": {"replies": p.typed, "unmatched": p.unmatched, "overridden": p.overridden},
                "replies": [
                    {**asdict(r), "tags": list(r.tags), "sins": list(r.sins)} for r in p.replies
                ],
            }
            for p in report.decisions
        ],
        "sins": [
            {**asdict(s), "definition": SINS[s.sin], "advice": SIN_ADVICE.get(s.sin, "")}
            for s in report.sins
        ],
        "progress": [
            {"name": t.name, "cohort": t.cohort, "days": [asdict(d) for d in t.days]}
            for t in report.progress
        ],
        "cohorts": [{**asdict(c), "pass_rate": c.pass_rate} for c in report.cohorts],
        "notes": list(report.notes),
    }


# --------------------------------------------------------------------------- text


def fmt_trend(trainee: TraineeStats, *, spark: bool = True) -> str:
    """``52 → 81 (+29) ▃▅▇`` — first and last overall, the change, the sparkline."""
    if trainee.first_overall is None or trainee.last_overall is None:
        return "—"
    change = trainee.trend
    delta = "" if change is None else f" ({signed(change)})"
    text = f"{score(trainee.first_overall)} → {score(trainee.last_overall)}{delta}"
    return f"{text} {sparkline(trainee.recent_overall)}" if spark else text


def short_trend(trainee: TraineeStats, points: int = 6) -> str:
    """``+29 ▃▅▇`` — the change since the first attempt and the last few scores (a table cell)."""
    if trainee.last_overall is None:
        return "—"
    spark = sparkline(trainee.recent_overall[-points:])
    return spark if trainee.trend is None else f"{signed(trainee.trend)} {spark}"


def text_bar(share: float, width: int = 20) -> str:
    """A horizontal bar of *width* cells for a 0–1 share (eighths for the tail)."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[rest - 1] if rest else "")


def short_hash(content_hash: str) -> str:
    """The first 12 hex digits of a content hash: enough to tell versions apart."""
    return content_hash[:12]


#: A reply typed text was heard as but nobody said, where its words are not known.
NOT_SAID: Final = "(heard as, never said; add --scenarios to see its words)"


def typed_line(point: DecisionPoint) -> str:
    """``12 typed: 2 matched none, 3 overridden`` for a decision point's typed replies."""
    return f"{point.typed} typed: {point.unmatched} matched none, {point.overridden} overridden"


def heard_cell(reply: ReplyStats) -> str:
    """How often typed text was heard as *reply* (and how often that was overridden)."""
    if not reply.heard:
        return ""
    return f"{reply.heard}" + (f" ({reply.overridden} overridden)" if reply.overridden else "")


def summary_line(report: Report) -> str:
    """``7 attempts (5 completed), 3 trainees, 19 replies`` with agreeing plurals."""
    return (
        f"{plural(report.attempts, 'attempt')} ({report.completed} completed), "
        f"{plural(len(report.trainees), 'trainee')}, {plural(report.replies, 'reply', 'replies')}"
    )


def progress_text(progress: TraineeProgress, last: int = 8) -> str:
    """``2024-03-01 96 (1/1 passed) · 2024-03-04 96 (1/1 passed)`` — the last days."""
    shown = progress.days[-last:]
    more = len(progress.days) - len(shown)
    parts = [f"{d.day} {score(d.mean_overall)} ({d.passes}/{d.attempts} passed)" for d in shown]
    return (f"… {plural(more, 'earlier day')} · " if more else "") + " · ".join(parts)


def render_text(report: Report, console: Any) -> None:
    """Print the report as Rich tables on *console* (a `rich.console.Console`).

    Every name and reply is a `rich.text.Text`, never markup: a trainee called
    ``[bold]`` is printed as typed. Untrusted text goes through
    `simulator.terminal.rich_text`: control characters are shown, never
    emitted, and names, ids and titles are clipped to `NAME_SHOWN` characters.
    """
    from rich.table import Table
    from rich.text import Text

    from simulator.terminal import clip
    from simulator.terminal import rich_text as cell

    filters = ", ".join(
        f"{k}={clip(v, NAME_SHOWN)}" for k, v in report.filters.items() if v is not None
    )
    console.print(Text(
        f"Cohort report — {summary_line(report)}" + (f"; {filters}" if filters else ""),
        style="bold",
    ))  # fmt: skip
    for note in report.notes:
        console.print(cell(f"Note: {note}", "italic", one_line=False))
    if not report.attempts:
        console.print(Text("No attempts match."))
        return

    table = Table(title="Trainees", title_justify="left")
    for head in ("Trainee", "Cohort", "Attempts", "Done", "Passed", "Critical"):
        if head in ("Trainee", "Cohort"):
            table.add_column(head, overflow="fold")  # up to NAME_SHOWN characters, folded
        else:
            table.add_column(head, justify="right")
    for head in ("Best E/A/S/O", "Mean E/A/S/O", "Trend (overall)"):  # E/A/S/O: see caption
        table.add_column(head)
    for t in report.trainees:
        table.add_row(
            cell(t.name, limit=NAME_SHOWN), cell(t.cohort, limit=NAME_SHOWN),
            str(t.attempts), str(t.completed), str(t.passes), str(t.critical_replies),
            "/".join(score(t.best[d]) for d in SCORES),
            "/".join(score(t.mean[d]) for d in SCORES),
            Text(fmt_trend(t)),
        )  # fmt: skip
    console.print(table)

    if len(report.cohorts) > 1:
        table = Table(title="Cohorts compared", title_justify="left")
        table.add_column("Cohort", overflow="fold")
        for head in ("Trainees", "Attempts", "Done", "Pass rate", "Critical", "Empathy",
                     "Assert.", "Speed", "Overall"):  # fmt: skip
            table.add_column(head, justify="right")
        for c in report.cohorts:
            table.add_row(
                cell(c.cohort, limit=NAME_SHOWN), str(c.trainees), str(c.attempts),
                str(c.completed),
                rate(c.pass_rate), str(c.critical_attempts), *(score(c.mean[d]) for d in SCORES),
            )  # fmt: skip
        console.print(table)
        table = Table(title="Pass rate per scenario, by cohort", title_justify="left")
        table.add_column("Scenario", overflow="fold")
        for c in report.cohorts:
            table.add_column(cell(c.cohort, limit=NAME_SHOWN), justify="right", overflow="fold")
        for sid in sorted({sid for c in report.cohorts for sid in c.pass_rates}):
            table.add_row(
                cell(sid, limit=NAME_SHOWN), *(rate(c.pass_rates.get(sid)) for c in report.cohorts)
            )
        console.print(table)

    table = Table(title="Progress per day (UTC): mean overall, passed of completed",
                  title_justify="left")  # fmt: skip
    table.add_column("Trainee", overflow="fold")
    table.add_column("Cohort", overflow="fold")
    table.add_column("Days", overflow="fold")
    for p in report.progress:
        table.add_row(
            cell(p.name, limit=NAME_SHOWN), cell(p.cohort, limit=NAME_SHOWN),
            Text(progress_text(p)),
        )  # fmt: skip
    console.print(table)

    table = Table(title="Scenarios", title_justify="left")
    table.add_column("Scenario", overflow="fold")
    for head in ("Attempts", "Done", "Pass rate", "Critical", "Empathy", "Assert.", "Speed",
                 "Overall"):  # fmt: skip
        table.add_column(head, justify="right")
    for head in ENDING_NAMES:
        table.add_column(head.capitalize(), justify="right")
    for s in report.scenarios:
        table.add_row(
            Text.assemble(
                cell(s.scenario_id, limit=NAME_SHOWN), "\n", cell(s.title, limit=NAME_SHOWN)
            ),
            str(s.attempts), str(s.completed), rate(s.pass_rate), str(s.critical_replies),
            *(score(s.mean[d]) for d in SCORES),
            *(str(s.endings[e]) for e in ENDING_NAMES),
        )  # fmt: skip
    console.print(table)

    table = Table(title="Sins of service", title_justify="left")
    table.add_column("Sin")
    table.add_column("Times", justify="right")
    table.add_column("Per 100 replies", justify="right")
    table.add_column("", min_width=10)
    table.add_column("What it is")
    most = max((sin.count for sin in report.sins), default=0)
    for sin in report.sins:
        table.add_row(
            Text(sin.sin), str(sin.count), score(sin.per_100_replies, digits=1),
            text_bar(sin.count / most if most else 0.0, 10), Text(SINS[sin.sin]),
        )  # fmt: skip
    console.print(table)

    current: tuple[str, str] | None = None
    points: Table | None = None
    typed = {(p.scenario_id, p.content_hash) for p in report.decisions if p.typed}
    for point in report.decisions:
        version = (point.scenario_id, point.content_hash)
        if version != current:
            if points is not None:
                console.print(points)
            current = version
            points = Table(
                title=Text(
                    f"Decision points — {clip(point.scenario_id, NAME_SHOWN)} "
                    f"(version {clip(short_hash(point.content_hash), NAME_SHOWN)}; "
                    "★ the strongest reply)"
                ),
                title_justify="left",
            )
            heads = ("Node", "#", "Reply", "Tags", "Picked", "Share")
            for head in heads + (("Heard as",) if version in typed else ()):
                points.add_column(
                    head,
                    justify="right" if head in ("#", "Picked", "Heard as") else "left",
                    overflow="fold",
                )
        assert points is not None
        node = cell(point.node, limit=NAME_SHOWN)
        if point.strongest_share is not None:
            node.append(f"\n{rate(point.strongest_share)} chose ★", style="bold")
        if point.typed:
            node.append(f"\n{typed_line(point)}")
        for i, reply in enumerate(point.replies):
            tags = Text()
            if reply.critical:
                tags.append("✗ critical", style="bold red")
                if reply.tags:
                    tags.append(", ")
            for k, tag in enumerate(reply.tags):
                if k:
                    tags.append(", ")
                # A sin is marked by shape (⚠) as well as colour.
                tags.append(f"⚠ {tag}" if tag in SINS else clip(tag, NAME_SHOWN),
                            style="bold red" if tag in SINS else "")  # fmt: skip
            number = "—" if reply.choice is None else str(reply.choice)
            heard = (heard_cell(reply),) if version in typed else ()
            points.add_row(
                node if i == 0 else "",
                ("★ " if reply.strongest else "") + number,
                Text("(silence)") if reply.choice is None
                else cell(reply.say or NOT_SAID, limit=SAY_SHOWN, one_line=False),
                tags, str(reply.count), f"{rate(reply.share)} {text_bar(reply.share, 8)}",
                *heard, end_section=i == len(point.replies) - 1,
            )  # fmt: skip
    if points is not None:
        console.print(points)
