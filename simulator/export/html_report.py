"""The cohort report as one self-contained HTML file (``talkdown report --html``).

Inline CSS and inline SVG charts only: no scripts, no fonts, no outside assets,
and a Content-Security-Policy that forbids them anyway, so a hostile name that
somehow slipped past escaping still could not run. Every name and text from the
database goes through `html.escape`. Charts carry their numbers as text, so
they read in black and white and when printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Final

from scoring.vocabulary import SCORES
from simulator.export.report import (
    ENDING_NAMES,
    Report,
    TraineeStats,
    fmt_rate,
    fmt_score,
    fmt_trend,
    short_hash,
)
from simulator.tags import SIN_ADVICE, SINS

_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'"

_CSS: Final = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, sans-serif; color: #1a1a1a; margin: 2rem auto;
       max-width: 70rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #345; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #ccc; padding: .25rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #eef1f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.sin { color: #a01010; font-weight: 600; }
.small { color: #555; font-size: .9em; }
.bar { display: inline-block; height: .7em; background: #4a6a8a; vertical-align: middle; }
svg text { font: 12px system-ui, sans-serif; fill: #1a1a1a; }
svg .bar { fill: #4a6a8a; }
svg .sinbar { fill: #a33; }
svg .spark { fill: none; stroke: #345; stroke-width: 1.5; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  section, tr, svg { break-inside: avoid; }
  thead { display: table-header-group; }
  .bar, svg .bar, svg .sinbar { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def bar_chart(rows: Sequence[tuple[str, float, str]], *, title: str, css_class: str = "bar") -> str:
    """A horizontal SVG bar chart: (label, 0–1 length, value text) per row."""
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


def sparkline_svg(values: Sequence[float], width: int = 120, height: int = 24) -> str:
    """A tiny SVG line of 0–100 scores (fixed scale, so trainees compare)."""
    if len(values) < 2:
        return ""
    step = (width - 4) / (len(values) - 1)
    points = " ".join(
        f"{2 + i * step:.1f},{2 + (height - 4) * (1 - min(100, max(0, v)) / 100):.1f}"
        for i, v in enumerate(values)
    )
    label = ", ".join(f"{v:.0f}" for v in values)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}">'
        f"<title>overall: {_e(label)}</title>"
        f'<polyline class="spark" points="{points}"/></svg>'
    )


def _trainee_row(t: TraineeStats) -> str:
    cells = [
        f"<td>{_e(t.name)}</td><td>{_e(t.cohort)}</td>",
        f'<td class="num">{t.attempts}</td><td class="num">{t.completed}</td>',
        f'<td class="num">{t.passes}</td><td class="num">{t.critical_replies}</td>',
        *(f'<td class="num">{fmt_score(t.best[d])}</td>' for d in SCORES),
        *(f'<td class="num">{fmt_score(t.mean[d])}</td>' for d in SCORES),
        f"<td>{_e(fmt_trend(t, spark=False))} {sparkline_svg(t.recent_overall)}</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"


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
        f'<p class="meta">{report.attempts} attempts ({report.completed} completed), '
        f"{len(report.trainees)} trainees, {report.replies} replies. "
        f"Generated {_e(report.generated_at)}"
        + (f"; filters: {_e(filters)}" if filters else "")
        + ".</p>"
    )
    if not report.attempts:
        out.append("<p>No attempts match.</p></body></html>")
        return "\n".join(out) + "\n"

    out.append("<section><h2>Pass rate per scenario</h2>")
    out.append(
        bar_chart(
            [
                (s.scenario_id, s.pass_rate or 0.0, f"{fmt_rate(s.pass_rate)} of {s.completed}")
                for s in report.scenarios
            ],
            title="Pass rate per scenario (of completed attempts)",
        )
    )
    out.append("</section>")

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
            f'<td class="num">{s.per_100_replies:.1f}</td><td>{_e(SINS[s.sin])}</td>'
            f"<td>{_e(SIN_ADVICE.get(s.sin, ''))}</td></tr>"
        )
    out.append("</tbody></table></section>")

    out.append("<section><h2>Trainees</h2><table><thead><tr>")
    out.append(
        "<th>Trainee</th><th>Cohort</th><th class=num>Attempts</th><th class=num>Done</th>"
        "<th class=num>Passed</th><th class=num>Critical errors</th>"
        + "".join(f"<th class=num>Best {d}</th>" for d in SCORES)
        + "".join(f"<th class=num>Mean {d}</th>" for d in SCORES)
        + "<th>Trend (overall)</th></tr></thead><tbody>"
    )
    out.extend(_trainee_row(t) for t in report.trainees)
    out.append("</tbody></table></section>")

    out.append("<section><h2>Scenarios</h2><table><thead><tr>")
    out.append(
        "<th>Scenario</th><th class=num>Attempts</th><th class=num>Done</th>"
        "<th class=num>Pass rate</th><th class=num>Critical errors</th>"
        + "".join(f"<th class=num>Mean {d}</th>" for d in SCORES)
        + "".join(f"<th class=num>{e}</th>" for e in ENDING_NAMES)
        + "</tr></thead><tbody>"
    )
    for sc in report.scenarios:
        out.append(
            f'<tr><td>{_e(sc.scenario_id)}<br><span class="small">{_e(sc.title)}</span></td>'
            f'<td class="num">{sc.attempts}</td><td class="num">{sc.completed}</td>'
            f'<td class="num">{fmt_rate(sc.pass_rate)}</td>'
            f'<td class="num">{sc.critical_replies}</td>'
            + "".join(f'<td class="num">{fmt_score(sc.mean[d])}</td>' for d in SCORES)
            + "".join(f'<td class="num">{sc.endings[e]}</td>' for e in ENDING_NAMES)
            + "</tr>"
        )
    out.append("</tbody></table></section>")

    out.append("<section><h2>Decision points</h2>")
    out.append(
        '<p class="small">Per scenario version (content hash): how often each reply was '
        "picked. Replies marked in red commit a sin of service; a critical reply would "
        "fail a quality check on its own.</p>"
    )
    current: tuple[str, str] | None = None
    for point in report.decisions:
        version = (point.scenario_id, point.content_hash)
        if version != current:
            if current is not None:
                out.append("</tbody></table>")
            current = version
            out.append(
                f"<h3>{_e(point.scenario_id)} "
                f'<span class="small">version {_e(short_hash(point.content_hash))}</span></h3>'
                "<table><thead><tr><th>Node</th><th class=num>#</th><th>Reply</th>"
                "<th>Tags</th><th class=num>Picked</th><th>Share</th></tr></thead><tbody>"
            )
        for i, reply in enumerate(point.replies):
            said = "(silence)" if reply.choice is None else reply.say
            marks = [
                f'<span class="sin">⚠ {_e(t)}</span>' if t in SINS else _e(t) for t in reply.tags
            ]
            if reply.critical:
                marks.insert(0, f'<span class="sin" title="{_e(reply.critical)}">✗ critical</span>')
            tags = ", ".join(marks)
            node = _e(point.node) if i == 0 else ""
            out.append(
                f"<tr><td>{node}</td>"
                f'<td class="num">{"—" if reply.choice is None else reply.choice}</td>'
                f"<td>{_e(said)}</td><td>{tags}</td>"
                f'<td class="num">{reply.count}</td>'
                f'<td><span class="bar" style="width:{reply.share * 6:.2f}em"></span> '
                f"{fmt_rate(reply.share)}</td></tr>"
            )
    if current is not None:
        out.append("</tbody></table>")
    out.append("</section></body></html>")
    return "\n".join(out) + "\n"
