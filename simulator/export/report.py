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
  each reply was picked, its words and tags, and which sins it commits.
* **sins** — how often each of the seven sins was committed in the cohort.

`report_json` gives the ``--format json`` object; `render_text` the Rich tables;
`simulator.export.html_report` the HTML page.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from scoring.vocabulary import ENDINGS, SCORES
from simulator.results import Filters, ResultsView, format_utc
from simulator.results.rows import ReplyCount
from simulator.tags import SIN_ADVICE, SINS

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

    @property
    def sins(self) -> tuple[str, ...]:
        """The sins of service this reply commits."""
        return tuple(tag for tag in self.tags if tag in SINS)


@dataclass(frozen=True, slots=True)
class DecisionPoint:
    """One node of one version of a scenario."""

    scenario_id: str
    content_hash: str
    node: str
    total: int
    replies: tuple[ReplyStats, ...]  # most picked first


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


def _decisions(view: ResultsView, filters: Filters) -> tuple[DecisionPoint, ...]:
    by_node: dict[tuple[str, str, str], list[ReplyCount]] = defaultdict(list)
    for count in view.reply_counts(filters):
        by_node[(count.scenario_id, count.content_hash, count.node)].append(count)
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
        points.append(DecisionPoint(scenario_id, content_hash, node, total, replies))
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


def build_report(view: ResultsView, filters: Filters, *, now: datetime | None = None) -> Report:
    """The report over the attempts matching *filters* (read inside one snapshot)."""
    trainees = _trainees(view, filters)
    scenarios = _scenarios(view, filters)
    decisions = _decisions(view, filters)
    replies = sum(point.total for point in decisions)
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
    }


# --------------------------------------------------------------------------- text


def fmt_score(value: float | None) -> str:
    """A 0–100 score for a table cell: one decimal, or ``—`` when not assessed."""
    return "—" if value is None else f"{value:.1f}"


def _whole(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def fmt_rate(value: float | None) -> str:
    """A 0–1 rate as a percentage, or ``—``."""
    return "—" if value is None else f"{100 * value:.0f}%"


def fmt_trend(trainee: TraineeStats, *, spark: bool = True) -> str:
    """``52 → 81 (+29) ▃▅▇`` — first and last overall, the change, the sparkline."""
    if trainee.first_overall is None or trainee.last_overall is None:
        return "—"
    change = trainee.trend
    delta = "" if change is None else f" ({change:+.0f})"
    text = f"{trainee.first_overall:.0f} → {trainee.last_overall:.0f}{delta}"
    return f"{text} {sparkline(trainee.recent_overall)}" if spark else text


def text_bar(share: float, width: int = 20) -> str:
    """A horizontal bar of *width* cells for a 0–1 share (eighths for the tail)."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[rest - 1] if rest else "")


def short_hash(content_hash: str) -> str:
    """The first 12 hex digits of a content hash: enough to tell versions apart."""
    return content_hash[:12]


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
        f"Cohort report — {report.attempts} attempts ({report.completed} completed), "
        f"{len(report.trainees)} trainees, {report.replies} replies"
        + (f"; {filters}" if filters else ""),
        style="bold",
    ))  # fmt: skip
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
            "/".join(_whole(t.best[d]) for d in SCORES),
            "/".join(_whole(t.mean[d]) for d in SCORES),
            Text(fmt_trend(t)),
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
            str(s.attempts), str(s.completed), fmt_rate(s.pass_rate), str(s.critical_replies),
            *(fmt_score(s.mean[d]) for d in SCORES),
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
            Text(sin.sin), str(sin.count), f"{sin.per_100_replies:.1f}",
            text_bar(sin.count / most if most else 0.0, 10), Text(SINS[sin.sin]),
        )  # fmt: skip
    console.print(table)

    current: tuple[str, str] | None = None
    points: Table | None = None
    for point in report.decisions:
        version = (point.scenario_id, point.content_hash)
        if version != current:
            if points is not None:
                console.print(points)
            current = version
            points = Table(
                title=Text(
                    f"Decision points — {clip(point.scenario_id, NAME_SHOWN)} "
                    f"(version {clip(short_hash(point.content_hash), NAME_SHOWN)})"
                ),
                title_justify="left",
            )
            for head in ("Node", "#", "Reply", "Tags", "Picked", "Share"):
                points.add_column(
                    head,
                    justify="right" if head in ("#", "Picked") else "left",
                    overflow="fold",
                )
        assert points is not None
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
            points.add_row(
                cell(point.node, limit=NAME_SHOWN) if i == 0 else "",
                "—" if reply.choice is None else str(reply.choice),
                Text("(silence)") if reply.choice is None
                else cell(reply.say, limit=SAY_SHOWN, one_line=False),
                tags, str(reply.count), f"{fmt_rate(reply.share)} {text_bar(reply.share, 8)}",
                end_section=i == len(point.replies) - 1,
            )  # fmt: skip
    if points is not None:
        console.print(points)
