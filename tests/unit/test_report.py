"""The cohort report: numbers on the fixed sample, filters, JSON, text and HTML safety."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.export.html_report import render_html
from simulator.export.query import Filters
from simulator.export.report import Report, build_report, report_json, sparkline
from simulator.export.sample import HASH_V1, HASH_V2
from simulator.results import DbTarget, open_store

NOW = datetime(2024, 6, 1, tzinfo=UTC)
SCRIPT_NAME = "<script>alert('name')</script>"
SCRIPT_REPLY = '<img src=x onerror="alert(1)"> & </td><script>alert(2)</script>'


@pytest.fixture
def hostile_db(store_target: DbTarget) -> DbTarget:
    """A trainee and a reply made of HTML and Rich markup."""
    path = store_target
    with open_store(path) as store:
        start = datetime(2024, 3, 1, tzinfo=UTC)
        key = store.start_attempt(
            name=SCRIPT_NAME, cohort="[bold red]c[/]", scenario_id="s<1>",
            scenario_title="<b>T</b>", content_hash="f" * 64, mode="practice",
            start_node="n<0>", started_at=start,
        )  # fmt: skip
        store.record_choice(
            key, seq=1, node="n<0>", choice=1, say=SCRIPT_REPLY, empathy=0, assertiveness=0,
            tags=["robotism"], mood_before=50, mood_after=50, seconds=5, latency_ms=None,
            next_node=None, recorded_at=start + timedelta(seconds=1),
        )  # fmt: skip
        store.finish_attempt(
            key, ending="resolved", ending_node="end", empathy=50.0, assertiveness=50.0,
            speed=50.0, overall=50.0, passed=False, finished_at=start + timedelta(seconds=2),
        )  # fmt: skip
    return path


def report_of(db: DbTarget, filters: Filters | None = None) -> Report:
    with open_store(db) as store, store.snapshot() as view:
        return build_report(view, filters or Filters(), now=NOW)


# --------------------------------------------------------------------------- numbers


def test_trainees(sample_db: Path) -> None:
    got = {t.name: t for t in report_of(sample_db).trainees}
    bo = got["Bo Chen"]
    assert (bo.attempts, bo.completed, bo.passes) == (3, 3, 1)
    assert bo.best["overall"] == pytest.approx(95.8333333)
    assert bo.mean["overall"] == pytest.approx((4.1666667 + 0 + 95.8333333) / 3)
    assert bo.mean["empathy"] == pytest.approx(50.0)  # attempt 4 not assessed: left out
    assert bo.first_overall == pytest.approx(4.1666667)
    assert bo.last_overall == pytest.approx(95.8333333)
    assert bo.trend == pytest.approx(91.6666667)
    assert len(bo.recent_overall) == 3
    zoe = got["Zoë Ng"]
    assert (zoe.attempts, zoe.completed, zoe.passes) == (2, 0, 0)
    assert zoe.best["overall"] is None and zoe.trend is None
    # Bo's lost attempt ended on a false statement (the sample's one critical reply)
    assert (bo.critical_replies, bo.critical_attempts) == (1, 1)
    assert (got["Ann Lee"].critical_replies, zoe.critical_replies) == (0, 0)


def test_scenarios(sample_db: Path) -> None:
    got = {s.scenario_id: s for s in report_of(sample_db).scenarios}
    parcel = got["late-parcel"]
    assert (parcel.attempts, parcel.completed, parcel.passes) == (5, 4, 3)
    assert parcel.pass_rate == 0.75
    assert parcel.endings == {"resolved": 3, "escalated": 0, "lost": 1}
    assert parcel.mean["overall"] == pytest.approx((95.8333333 * 2 + 4.1666667 + 93.3333333) / 4)
    refund = got["refund-policy"]
    assert refund.pass_rate == 0.0 and refund.endings["escalated"] == 1
    assert refund.mean["empathy"] is None
    assert (parcel.critical_replies, parcel.critical_attempts) == (1, 1)
    assert refund.critical_replies == 0


def test_decision_points_mark_the_critical_reply(sample_db: Path) -> None:
    points = {(p.content_hash, p.node): p for p in report_of(sample_db).decisions}
    angry = {r.choice: r for r in points[(HASH_V1, "angry")].replies}
    assert angry[2].critical == "told the customer the parcel was delivered; tracking says not"
    opening = points[(HASH_V1, "opening")].replies
    assert all(r.critical is None for r in opening)
    text = CliRunner().invoke(cli, ["report", "--db", str(sample_db)]).stdout
    assert "✗ critical" in text and "Critical" in text


def test_decision_points_are_per_version(sample_db: Path) -> None:
    points = {(p.content_hash, p.node): p for p in report_of(sample_db).decisions}
    v1 = points[(HASH_V1, "opening")]
    assert v1.total == 3
    assert [(r.choice, r.count) for r in v1.replies] == [(1, 2), (2, 1)]
    assert v1.replies[1].sins == ("robotism",)
    assert v1.replies[0].share == pytest.approx(2 / 3)
    v2 = points[(HASH_V2, "opening")]  # the edited file is counted on its own
    assert [(r.choice, r.count) for r in v2.replies] == [(1, 1), (2, 1)]
    assert v2.replies[0].say == "I'm so sorry. Let me look at this with you right now."
    policy = next(p for p in report_of(sample_db).decisions if p.node == "policy")
    assert {r.choice for r in policy.replies} == {2, None}  # silence is its own "reply"


def test_sins(sample_db: Path) -> None:
    report = report_of(sample_db)
    counts = {s.sin: s.count for s in report.sins}
    assert counts == {"robotism": 3, "runaround": 2, "apathy": 1, "rule-book": 1,
                      "brush-off": 1, "coldness": 0, "condescension": 0}  # fmt: skip
    assert [s.sin for s in report.sins][:2] == ["robotism", "runaround"]
    robotism = report.sins[0]
    assert robotism.per_100_replies == pytest.approx(100 * 3 / 16)
    assert robotism.by_scenario == {"late-parcel": 3}


@pytest.mark.parametrize(
    ("filters", "trainees", "attempts"),
    [
        (Filters(cohort="2024-autumn"), {"Zoë Ng"}, 2),
        (Filters(scenario="refund-policy"), {"Bo Chen", "Zoë Ng"}, 2),
        (Filters(since=datetime(2024, 3, 3, tzinfo=UTC)), {"Bo Chen", "Zoë Ng"}, 3),
        (Filters(cohort="nobody"), set(), 0),
    ],
)
def test_filters(sample_db: Path, filters: Filters, trainees: set[str], attempts: int) -> None:
    report = report_of(sample_db, filters)
    assert {t.name for t in report.trainees} == trainees
    assert report.attempts == attempts
    assert report.replies == sum(p.total for p in report.decisions)


def test_sparkline_uses_a_fixed_scale() -> None:
    assert sparkline([0, 50, 100]) == "▁▅█"
    assert sparkline([]) == ""
    assert sparkline([150, -5]) == "█▁"


# --------------------------------------------------------------------------- outputs


def test_json_format(sample_db: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--db", str(sample_db), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["format"] == "talkdown-report/1"
    assert data["totals"] == {"attempts": 7, "completed": 5, "replies": 16, "trainees": 3}
    assert {s["sin"]: s["count"] for s in data["sins"]}["robotism"] == 3
    point = data["decision_points"][0]
    assert set(point) == {"scenario_id", "content_hash", "node", "total", "replies", "complete",
                          "prompt", "strongest_share", "typed"}  # fmt: skip
    assert point["typed"] == {"replies": 0, "unmatched": 0, "overridden": 0}  # none typed
    # the sample's versions are not files anywhere: picked replies only, and a note says so
    assert point["complete"] is False and point["strongest_share"] is None
    assert any("Scenario file not found" in note for note in data["notes"])
    assert data["sins"][0]["definition"] and data["sins"][0]["advice"]


def test_text_format_shows_every_section(sample_db: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--db", str(sample_db), "--cohort", "2024-spring"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Cohort report — 5 attempts (5 completed), 2 trainees" in out
    for section in ("Trainees", "Scenarios", "Sins of service", "Decision points — late-parcel"):
        assert section in out
    assert "4 → 96 (+92)" in out  # Bo Chen's trend
    assert "Zoë" not in out


def test_text_output_never_reads_names_as_markup(hostile_db: Path) -> None:
    result = CliRunner().invoke(cli, ["report", "--db", str(hostile_db)])
    assert result.exit_code == 0, result.output
    assert "[bold red]c[/]" in result.stdout
    assert "<script>" in result.stdout and "alert(" in result.stdout  # text, never markup


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def test_html_escapes_names_and_replies(hostile_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(hostile_db), "--html", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    parsed = parse(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    text = "".join(parsed.text)
    assert SCRIPT_NAME in text and SCRIPT_REPLY in text  # shown as typed
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in html


def test_html_is_self_contained(sample_db: Path) -> None:
    html = render_html(report_of(sample_db))
    parsed = parse(html)
    assert html.startswith("<!DOCTYPE html>")
    assert "script" not in parsed.tags and "link" not in parsed.tags
    assert not any(name in ("src", "href") for name, _ in parsed.attrs)
    assert "@import" not in html and "url(" not in html
    # three bar charts (two cohorts compared, pass rate, sins), a sparkline for each trainee
    # with two scored attempts or more (Ann, Bo), a dated progress chart for each trainee with
    # a completed attempt (Ann, Bo; Zoë has none)
    assert parsed.tags.count("svg") == 3 + 2 + 2
    assert "Content-Security-Policy" in html and "@media print" in html
    for heading in (
        "Trainees",
        "Cohorts compared",
        "Progress over time",
        "Pass rate per scenario",
        "Sins of service",
        "Decision points: item analysis",
    ):
        assert f"<h2>{heading}</h2>" in html


def test_empty_report(store_target: DbTarget) -> None:
    db = store_target
    open_store(db).close()
    report = report_of(db)
    assert report.attempts == 0 and report.trainees == () and report.decisions == ()
    assert "No attempts match." in render_html(report)
    data: dict[str, Any] = report_json(report)
    assert data["totals"]["attempts"] == 0
    result = CliRunner().invoke(cli, ["report", "--db", str(db)])
    assert result.exit_code == 0 and "No attempts match." in result.stdout


# --------------------------------------------------------------------------- item analysis


def test_item_analysis_lists_unpicked_replies_and_marks_the_strongest(
    played_db: tuple[DbTarget, Path],
) -> None:
    """By hand (conftest.PLAYS on tui_call.yaml): at the opening 3 trainees said reply 1 and
    one said reply 3, nobody reply 2; at the fix, 2 said reply 1 and one reply 2. Reply 1 is
    the strongest at both (strengths 2, .5, .25 and 2, .67, .5 with weights 1/1)."""
    from simulator.library import ScenarioVersions

    db, folder = played_db
    with open_store(db) as store, store.snapshot() as view:
        report = build_report(view, Filters(), versions=ScenarioVersions([folder]).get)
    points = {p.node: p for p in report.decisions}
    opening = points["opening"]
    assert opening.complete and opening.total == 4
    assert [(r.choice, r.count, r.strongest) for r in opening.replies] == [
        (1, 3, True), (2, 0, False), (3, 1, False),
    ]  # fmt: skip
    assert opening.replies[1].say == "Did you read the manual?"  # never picked, still listed
    assert opening.strongest_share == pytest.approx(3 / 4)
    assert opening.prompt.startswith("[sighs] My kettle broke")
    fix = points["fix"]
    assert [(r.choice, r.count) for r in fix.replies] == [(1, 2), (2, 1), (3, 0)]
    assert fix.strongest_share == pytest.approx(2 / 3)
    assert report.notes == []
    data = report_json(report)
    assert {p["node"]: p["strongest_share"] for p in data["decision_points"]} == {
        "opening": pytest.approx(0.75), "fix": pytest.approx(2 / 3),
    }  # fmt: skip
    html = render_html(report)
    assert "Did you read the manual?" in html and "75% chose ★" in html
    text = CliRunner().invoke(cli, ["report", "--db", str(db), "--scenarios", str(folder)]).stdout
    assert "75% chose ★" in text and "★ 1" in text


def test_without_the_scenario_file_only_picked_replies_are_listed(
    played_db: tuple[DbTarget, Path], tmp_path: Path
) -> None:
    from simulator.library import ScenarioVersions

    db, folder = played_db
    (folder / "tui_call.yaml").write_text("edited since\n")  # that version is gone
    with open_store(db) as store, store.snapshot() as view:
        report = build_report(view, Filters(), versions=ScenarioVersions([folder]).get)
    opening = next(p for p in report.decisions if p.node == "opening")
    assert not opening.complete and opening.strongest_share is None
    assert {r.choice for r in opening.replies} == {1, 3}
    assert "Scenario file not found for 1 version: tui-call" in report.notes[0]


# --------------------------------------------------------------------------- progress, cohorts


def test_progress_per_trainee_per_day(sample_db: Path) -> None:
    """The sample (simulator/export/sample.py): Ann completes one attempt on 1 and 2 March;
    Bo one on 1, 2 and 4 March; Zoë none (in progress, abandoned)."""
    got = {p.name: p for p in report_of(sample_db).progress}
    assert set(got) == {"Ann Lee", "Bo Chen"}
    assert [(d.day, d.attempts, d.passes) for d in got["Bo Chen"].days] == [
        ("2024-03-01", 1, 0), ("2024-03-02", 1, 0), ("2024-03-04", 1, 1),
    ]  # fmt: skip
    assert got["Bo Chen"].days[-1].mean_overall == pytest.approx(95.8333333)
    assert [d.day for d in got["Ann Lee"].days] == ["2024-03-01", "2024-03-02"]


def test_cohorts_compared(sample_db: Path) -> None:
    """Spring: Ann and Bo, 5 attempts all completed, 3 passed; late-parcel 3 of 4 passed,
    refund-policy 0 of 1. Autumn: Zoë, 2 attempts, none completed."""
    got = {c.cohort: c for c in report_of(sample_db).cohorts}
    spring, autumn = got["2024-spring"], got["2024-autumn"]
    assert (spring.trainees, spring.attempts, spring.completed, spring.passes) == (2, 5, 5, 3)
    assert spring.pass_rate == pytest.approx(0.6)
    assert spring.pass_rates == {"late-parcel": 0.75, "refund-policy": 0.0}
    assert spring.critical_attempts == 1
    assert (autumn.attempts, autumn.completed, autumn.pass_rate) == (2, 0, None)
    # two cohorts chosen on the command line: compared in the text report
    result = CliRunner().invoke(cli, ["report", "--db", str(sample_db), "--cohort",
                                      "2024-spring", "--cohort", "2024-autumn"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Cohorts compared" in result.stdout and "Pass rate per scenario, by" in result.stdout
    one = CliRunner().invoke(cli, ["report", "--db", str(sample_db), "--cohort", "2024-spring"])
    assert "Cohorts compared" not in one.stdout


def test_several_cohorts_filter_together(sample_db: Path) -> None:
    both = report_of(sample_db, Filters(cohorts=("2024-spring", "2024-autumn")))
    assert both.attempts == 7 and len(both.cohorts) == 2
    spring = report_of(sample_db, Filters(cohorts=("2024-spring",)))
    assert spring.attempts == 5 and [c.cohort for c in spring.cohorts] == ["2024-spring"]
    assert spring.filters["cohort"] == "2024-spring"
