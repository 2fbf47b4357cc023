"""The cohort report as one self-contained HTML file (``talkdown report --html``).

Inline CSS and inline SVG charts only: no scripts, no fonts, no outside assets,
and a Content-Security-Policy that forbids them anyway, so a hostile name that
somehow slipped past escaping still could not run. Every name and text from the
database goes through `html.escape`. Charts carry their numbers as text, so
they read in black and white and when printed.

Layout: the page reads at any width from a phone to a wide monitor and on
paper. Tables put the scores right after the name, names wrap anywhere (a
300-character name makes a tall cell, never a wide table), and charts scale
to the page. ``tests/functional/test_html_layout.py`` renders the report in
headless Chromium at 1280 and 800 px and checks that every score cell is
inside the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Final

from scoring.vocabulary import DIMENSIONS, SCORES
from simulator.export.report import (
    ENDING_NAMES,
    NOT_SAID,
    CohortStats,
    DecisionPoint,
    Report,
    TraineeProgress,
    TraineeStats,
    heard_cell,
    short_hash,
    summary_line,
    typed_line,
)
from simulator.formatting import plural, rate, score, signed
from simulator.tags import SIN_ADVICE, SINS

_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'"
#: Column heads of the scores (soft hyphens let a narrow column break the long one).
HEADS: Final = {"empathy": "Empathy", "assertiveness": "Assert&shy;ive&shy;ness",
                "speed": "Speed", "overall": "Overall"}  # fmt: skip

_CSS: Final = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; color: #1a1a1a; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #345; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; overflow-wrap: anywhere; }
.meta { color: #555; margin-top: 0; }
.note { background: #fff7e0; border-left: 4px solid #c90; padding: .4rem .6rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #ccc; padding: .25rem .4rem; text-align: left;
         vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.name { overflow-wrap: anywhere; max-width: 16em; }
.clamp { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2;
         line-clamp: 2; overflow: hidden; overflow-wrap: anywhere; max-width: 16em; }
td.text { overflow-wrap: anywhere; }
.best { color: #555; font-size: .85em; }
.sin { color: #a01010; font-weight: 600; }
.small { color: #555; font-size: .9em; }
.zero { color: #888; }
tr.strongest td { background: #eaf6ea; }
tr.strongest td.pick { box-shadow: inset 4px 0 #2a7a2a; }
tr.strongest td.decision { background: none; box-shadow: none; }
.star { color: #1d6b1d; font-weight: 700; }
.bar { display: inline-block; height: .7em; background: #4a6a8a; vertical-align: middle; }
svg { max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #1a1a1a; }
svg .bar { fill: #4a6a8a; }
svg .sinbar { fill: #a33; }
svg .spark, svg .line { fill: none; stroke: #345; stroke-width: 1.5; }
svg .dot { fill: #345; }
svg .grid { stroke: #ccc; stroke-width: 1; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: .8rem; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: .5rem .7rem; break-inside: avoid; }
.card h3 { margin: 0 0 .3rem; }
.card h3 .clamp { -webkit-line-clamp: 2; line-clamp: 2; }
.card ul { margin: .3rem 0 0; padding-left: 1.1rem; }
@media (max-width: 900px) {
  body { margin: 1rem auto; font-size: 13px; }
  th, td { padding: .2rem .25rem; }
  .wide-only { display: none; }
}
@media print {
  @page { margin: 12mm; }
  body { margin: 0; max-width: none; font-size: 10.5px; }
  section, tr, svg, .card { break-inside: avoid; }
  thead { display: table-header-group; }
  .wide-only { display: none; }
  .bar, svg .bar, svg .sinbar, tr.strongest td { print-color-adjust: exact;
                                                 -webkit-print-color-adjust: exact; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def bar_chart(rows: Sequence[tuple[str, float, str]], *, title: str, css_class: str = "bar") -> str:
    """A horizontal SVG bar chart: (label, 0–1 length, value text) per row; scales to the page."""
    label_w, bar_w, row_h = 260, 360, 22
    height = row_h * len(rows) + 10
    width = label_w + bar_w + 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{_e(title)}</title>'
    ]
    for i, (label, share, value) in enumerate(rows):
        y = 5 + i * row_h
        length = max(0.0, min(1.0, share)) * bar_w
        short = label if len(label) <= 40 else label[:39] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(short)}</text>'
            f'<rect class="{css_class}" x="{label_w}" y="{y + 3}" width="{length:.1f}" '
            f'height="{row_h - 8}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + 15}">{_e(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(values: Sequence[float], width: int = 60, height: int = 20) -> str:
    """A tiny SVG line of 0–100 scores (fixed scale, so trainees compare)."""
    if len(values) < 2:
        return ""
    step = (width - 4) / (len(values) - 1)
    points = " ".join(
        f"{2 + i * step:.1f},{2 + (height - 4) * (1 - min(100, max(0, v)) / 100):.1f}"
        for i, v in enumerate(values)
    )
    label = ", ".join(score(v) for v in values)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}">'
        f"<title>overall: {_e(label)}</title>"
        f'<polyline class="spark" points="{points}"/></svg>'
    )


def progress_svg(progress: TraineeProgress, width: int = 300, height: int = 96) -> str:
    """Daily mean overall (0–100) against the date: spacing follows the calendar.

    The first and last dates label the axis; every point carries its date and
    figures in a tooltip.
    """
    days = [d for d in progress.days if d.mean_overall is not None]
    if not days:
        return ""
    left, right, top, bottom = 28, 8, 6, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    ordinals = [date.fromisoformat(d.day).toordinal() for d in days]
    first, span = ordinals[0], max(1, ordinals[-1] - ordinals[0])

    def x(ordinal: int) -> float:
        return left + (plot_w * (ordinal - first) / span if len(days) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (1 - min(100, max(0, value)) / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{_e(progress.name)}: mean overall per day'
        "</title>"
    ]
    for level in (0, 50, 100):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(level):.1f}" '
            f'y2="{y(level):.1f}"/><text x="{left - 4}" y="{y(level) + 4:.1f}" '
            f'text-anchor="end">{level}</text>'
        )
    points = " ".join(
        f"{x(o):.1f},{y(d.mean_overall or 0):.1f}" for o, d in zip(ordinals, days, strict=True)
    )
    if len(days) > 1:
        parts.append(f'<polyline class="line" points="{points}"/>')
    for ordinal, d in zip(ordinals, days, strict=True):
        tip = (f"{d.day}: mean {score(d.mean_overall)}, best {score(d.best_overall)}, "
               f"{d.passes} of {plural(d.attempts, 'attempt')} passed")  # fmt: skip
        parts.append(
            f'<circle class="dot" cx="{x(ordinal):.1f}" cy="{y(d.mean_overall or 0):.1f}" r="3">'
            f"<title>{_e(tip)}</title></circle>"
        )
    parts.append(f'<text x="{left}" y="{height - 4}">{_e(days[0].day)}</text>')
    if len(days) > 1:
        parts.append(
            f'<text x="{width - right}" y="{height - 4}" text-anchor="end">'
            f"{_e(days[-1].day)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def name_cell(name: str) -> str:
    """A name cut to two lines with ``…`` (the whole name in its tooltip): a 300-character
    name must not push the scores off the page."""
    return f'<td class="name"><span class="clamp" title="{_e(name)}">{_e(name)}</span></td>'


def _num(value: str, cls: str = "num") -> str:
    return f'<td class="{cls}">{value}</td>'


def _trainee_row(t: TraineeStats) -> str:
    def mean_best(dim: str) -> str:
        return f'{score(t.mean[dim])}<br><span class="best">best {score(t.best[dim])}</span>'

    trend = "—" if t.trend is None else signed(t.trend)
    cells = [
        name_cell(t.name) + name_cell(t.cohort),
        _num(mean_best("overall")),
        *(_num(mean_best(d)) for d in DIMENSIONS),
        _num(f"{t.passes} of {t.completed}"),
        _num(str(t.attempts)),
        _num(str(t.critical_replies)),
        f'<td class="num">{trend} {sparkline_svg(t.recent_overall)}</td>',
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def _decision_rows(point: DecisionPoint, typed: bool = False) -> list[str]:
    """A decision point's rows; ``typed``: its version's table has the "Heard as" column."""
    rows = []
    share = point.strongest_share
    node = f"<strong>{_e(point.node)}</strong>"
    if point.prompt:
        node += f'<br><span class="small">“{_e(point.prompt)}”</span>'
    if share is not None:
        node += f'<br><span class="star">{rate(share)} chose ★</span>'
    if point.typed:
        node += f'<br><span class="small">{_e(typed_line(point))}</span>'
    for i, reply in enumerate(point.replies):
        said = "(silence)" if reply.choice is None else reply.say or NOT_SAID
        marks = [f'<span class="sin">⚠ {_e(t)}</span>' if t in SINS else _e(t) for t in reply.tags]
        if reply.critical:
            marks.insert(0, f'<span class="sin" title="{_e(reply.critical)}">✗ critical</span>')
        number = "—" if reply.choice is None else str(reply.choice)
        star = '<span class="star" title="the strongest reply">★</span> ' if reply.strongest else ""
        cls = ' class="strongest"' if reply.strongest else ""
        zero = " zero" if reply.count == 0 else ""
        span = len(point.replies)
        cell = f'<td rowspan="{span}" class="text decision">{node}</td>' if i == 0 else ""
        rows.append(
            f"<tr{cls}>{cell}"
            f'<td class="num pick">{star}{number}</td>'
            f'<td class="text{zero}">{_e(said)}</td><td class="text">{", ".join(marks)}</td>'
            f'<td class="num{zero}">{reply.count}</td>'
            f'<td class="num{zero}"><span class="bar wide-only" '
            f'style="width:{reply.share * 5:.2f}em"></span> {rate(reply.share)}</td>'
            + (f'<td class="num">{_e(heard_cell(reply))}</td>' if typed else "")
            + "</tr>"
        )
    return rows


def _cohort_section(cohorts: Sequence[CohortStats]) -> list[str]:
    ids = sorted({sid for c in cohorts for sid in c.pass_rates})
    bars = [
        (c.cohort, c.pass_rate or 0.0, f"{rate(c.pass_rate)} of {c.completed}") for c in cohorts
    ]
    out = [
        "<section><h2>Cohorts compared</h2>",
        bar_chart(bars, title="Pass rate per cohort (of completed attempts)"),
        '<p class="small">Mean scores of completed attempts. Critical: attempts with a reply '
        "that would fail a quality check.</p>"
        "<table><thead><tr><th>Cohort</th><th class=num>Pass rate</th>"
        + "".join(f"<th class=num>{HEADS[d]}</th>" for d in SCORES)
        + "<th class=num>Trainees</th><th class=num>Tries</th><th class=num>Done</th>"
        "<th class=num>Critical</th></tr></thead><tbody>",
    ]
    for c in cohorts:
        out.append(
            "<tr>" + name_cell(c.cohort) + _num(rate(c.pass_rate))
            + "".join(_num(score(c.mean[d])) for d in SCORES)
            + _num(str(c.trainees)) + _num(str(c.attempts)) + _num(str(c.completed))
            + _num(str(c.critical_attempts)) + "</tr>"
        )  # fmt: skip
    out.append("</tbody></table>")
    if ids:
        heads = "".join(f'<th class="num"><span class="clamp">{_e(c.cohort)}</span></th>'
                        for c in cohorts)  # fmt: skip
        out.append(
            "<h3>Pass rate per scenario, by cohort</h3><table><thead><tr><th>Scenario</th>"
            + heads + "</tr></thead><tbody>"
        )  # fmt: skip
        for sid in ids:
            out.append(
                "<tr>" + name_cell(sid)
                + "".join(_num(rate(c.pass_rates.get(sid))) for c in cohorts) + "</tr>"
            )  # fmt: skip
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _progress_section(progress: Sequence[TraineeProgress]) -> list[str]:
    out = [
        "<section><h2>Progress over time</h2>",
        '<p class="small">Completed attempts per day (UTC): the mean overall score that day, '
        "on a fixed 0–100 scale; the spacing follows the calendar.</p>",
        '<div class="cards">',
    ]
    for p in progress:
        last = p.days[-6:]
        items = "".join(
            f"<li>{_e(d.day)}: {score(d.mean_overall)} "
            f'<span class="small">({d.passes} of {plural(d.attempts, "attempt")} passed)</span>'
            "</li>"
            for d in last
        )
        earlier = len(p.days) - len(last)
        more = f'<li class="small">… and {plural(earlier, "earlier day")}</li>' if earlier else ""
        out.append(
            f'<div class="card"><h3><span class="clamp" title="{_e(p.name)}">{_e(p.name)}</span>'
            f'<span class="small">{_e(p.cohort)}</span></h3>'
            f"{progress_svg(p)}<ul>{more}{items}</ul></div>"
        )
    out.append("</div></section>")
    return out


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>talkdown cohort report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Cohort report</h1>",
    ]
    filters = ", ".join(f"{k} = {v}" for k, v in report.filters.items() if v is not None)
    out.append(
        f'<p class="meta">{summary_line(report)}. Generated {_e(report.generated_at)}'
        + (f"; filters: {_e(filters)}" if filters else "")
        + ".</p>"
    )
    out += [f'<p class="note">{_e(note)}</p>' for note in report.notes]
    if not report.attempts:
        out.append("<p>No attempts match.</p></body></html>")
        return "\n".join(out) + "\n"

    out.append("<section><h2>Trainees</h2>")
    out.append(
        '<p class="small">Scores are the mean of completed attempts, with the best below; '
        "“—” means not assessed. Passed: passes of completed attempts. Critical: replies that "
        "would fail a quality check. Trend: last overall minus first, and the recent scores.</p>"
    )
    out.append(
        "<table><thead><tr><th>Trainee</th><th>Cohort</th><th class=num>Overall</th>"
        + "".join(f"<th class=num>{HEADS[d]}</th>" for d in DIMENSIONS)
        + "<th class=num>Passed</th><th class=num>Tries</th>"
        "<th class=num>Critical</th><th class=num>Trend</th></tr></thead><tbody>"
    )
    out.extend(_trainee_row(t) for t in report.trainees)
    out.append("</tbody></table></section>")

    if len(report.cohorts) > 1:
        out += _cohort_section(report.cohorts)

    if report.progress:
        out += _progress_section(report.progress)

    out.append("<section><h2>Pass rate per scenario</h2>")
    out.append(
        bar_chart(
            [
                (s.scenario_id, s.pass_rate or 0.0, f"{rate(s.pass_rate)} of {s.completed}")
                for s in report.scenarios
            ],
            title="Pass rate per scenario (of completed attempts)",
        )
    )
    out.append("<table><thead><tr>")
    out.append(
        "<th>Scenario</th><th class=num>Pass rate</th>"
        + "".join(f"<th class=num>{HEADS[d]}</th>" for d in SCORES)
        + "<th class=num>Tries</th><th class=num>Done</th><th class=num>Critical</th>"
        + "<th>Endings</th></tr></thead><tbody>"
    )
    for sc in report.scenarios:
        endings = ", ".join(f"{sc.endings[e]} {e}" for e in ENDING_NAMES)
        out.append(
            f'<tr><td class="name">{_e(sc.scenario_id)}<br>'
            f'<span class="small">{_e(sc.title)}</span></td>'
            + _num(rate(sc.pass_rate))
            + "".join(_num(score(sc.mean[d])) for d in SCORES)
            + _num(str(sc.attempts)) + _num(str(sc.completed)) + _num(str(sc.critical_replies))
            + f'<td class="small">{endings}</td></tr>'
        )  # fmt: skip
    out.append("</tbody></table></section>")

    out.append("<section><h2>Sins of service</h2>")
    most = max((s.count for s in report.sins), default=0)
    out.append(
        bar_chart(
            [(s.sin, s.count / most if most else 0.0, str(s.count)) for s in report.sins],
            title="How often each sin was committed",
            css_class="sinbar",
        )
    )
    out.append(
        "<table><thead><tr><th>Sin</th><th class=num>Times</th>"
        "<th class=num>Per 100 replies</th><th>What it is</th><th>Instead</th>"
        "</tr></thead><tbody>"
    )
    for s in report.sins:
        out.append(
            f'<tr><td class="sin">{_e(s.sin)}</td><td class="num">{s.count}</td>'
            f'<td class="num">{score(s.per_100_replies, digits=1)}</td>'
            f'<td class="text">{_e(SINS[s.sin])}</td>'
            f'<td class="text">{_e(SIN_ADVICE.get(s.sin, ""))}</td></tr>'
        )
    out.append("</tbody></table></section>")

    out.append("<section><h2>Decision points: item analysis</h2>")
    out.append(
        '<p class="small">Per scenario version (content hash): every reply offered and how '
        "often it was picked — unpicked replies too, when the scenario file was found. "
        "★ marks the strongest reply, and “chose ★” the share of replies that picked it. "
        "Replies marked in red commit a sin of service; a critical reply would fail a "
        "quality check on its own.</p>"
    )
    current: tuple[str, str] | None = None
    typed = {(p.scenario_id, p.content_hash) for p in report.decisions if p.typed}
    for point in report.decisions:
        version = (point.scenario_id, point.content_hash)
        if version != current:
            if current is not None:
                out.append("</tbody></table>")
            current = version
            heard = "<th class=num>Heard as</th>" if version in typed else ""
            out.append(
                f"<h3>{_e(point.scenario_id)} "
                f'<span class="small">version {_e(short_hash(point.content_hash))}</span></h3>'
                "<table><thead><tr><th>Decision</th><th class=num>#</th><th>Reply</th>"
                "<th>Tags</th><th class=num>Picked</th><th class=num>Share</th>"
                f"{heard}</tr></thead><tbody>"
            )
        out.extend(_decision_rows(point, version in typed))
    if current is not None:
        out.append("</tbody></table>")
    out.append("</section></body></html>")
    return "\n".join(out) + "\n"
