"""The HTML report laid out by a real browser: every score stays on the page at 1280 and 800 px.

Headless Chromium loads a copy of the report with a small probe script added
(the report itself forbids scripts; the copy drops that one header) and
writes what it measured into the page, which ``--dump-dom`` prints. The
database holds a trainee with a 300-character name, two cohorts and an item
analysis with an unpicked reply (`played_sqlite`). Skipped where Chromium is not
installed; docs/results.md says how to take the same screenshots by hand.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from simulator.export.html_report import render_html
from simulator.export.report import build_report
from simulator.library import ScenarioVersions
from simulator.results import Filters, open_store
from tests.conftest import LONG_NAME

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome")
     if (found := shutil.which(name))), None,
)  # fmt: skip
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

# Every number cell (scores, counts, shares) and every name must lie inside the
# viewport: nothing pushed off the side of the page, nothing needing a scroll.
PROBE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const outside = [];
  for (const cell of document.querySelectorAll("td.num, th.num, td.name")) {
    const box = cell.getBoundingClientRect();
    if (box.left < -0.5 || box.right > width + 0.5) outside.push(cell.textContent.trim());
  }
  const names = [...document.querySelectorAll("td.name .clamp")]
    .filter(e => e.title.length > 200).map(e => e.getBoundingClientRect().height);
  document.body.dataset.layout = JSON.stringify({
    width, scrollWidth: document.documentElement.scrollWidth, outside, names,
    lineHeight: parseFloat(getComputedStyle(document.body).lineHeight),
  });
});
</script>"""


def measure(html: str, width: int, tmp_path: Path) -> dict[str, object]:
    """Load ``html`` (probe added) at ``width`` px in headless Chromium; return what it measured."""
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    page = page.replace("</body>", PROBE + "</body>")
    path = tmp_path / f"report-{width}.html"
    path.write_text(page, encoding="utf-8")
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / f'profile-{width}'}",
         f"--window-size={width},900", "--virtual-time-budget=3000", "--dump-dom",
         path.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found = re.search(r'data-layout="([^"]*)"', result.stdout)
    assert found, f"the probe did not run: {result.stderr[-500:]}"
    return json.loads(found.group(1).replace("&quot;", '"'))  # type: ignore[no-any-return]


@pytest.mark.parametrize("width", [1280, 800])
def test_scores_stay_on_the_page_with_a_300_character_name(
    played_sqlite: tuple[Path, Path], tmp_path: Path, width: int
) -> None:
    db, folder = played_sqlite
    with open_store(db) as store, store.snapshot() as view:
        report = build_report(view, Filters(), versions=ScenarioVersions([folder]).get)
    assert any(t.name == LONG_NAME for t in report.trainees) and len(LONG_NAME) == 300
    assert len(report.cohorts) == 2  # the cohort comparison is on the page too
    layout = measure(render_html(report), width, tmp_path)
    assert layout["outside"] == [], f"cells outside a {width} px page: {layout['outside']}"
    assert layout["scrollWidth"] == layout["width"]  # no sideways scrolling
    # the long name is cut to two lines (its tooltip has it whole), not a tower of text
    heights = layout["names"]
    assert isinstance(heights, list) and heights
    line = layout["lineHeight"]
    assert isinstance(line, float)
    assert all(h <= 2 * line + 1 for h in heights), (heights, line)
