"""How numbers, counts and names are written for people: one set of rules everywhere.

The TUI, the text report, the HTML report and the trainer screen all format
through these functions, so the same fact never reads differently in two
places (a best score of 85.6 is "86" in the picker, the trainer screen and
the report alike).

Rules:

* Scores (0–100) are shown as whole numbers, rounded half up (85.5 → 86), or
  a placeholder when not assessed. Author tools that compare replies ask for
  one decimal explicitly (``digits=1``).
* Shares (0–1) are whole percentages: ``75%``.
* Changes carry their sign: ``+29``, ``-3``, ``0``.
* Counts agree with their noun: ``1 trainee``, ``2 trainees``.
* Long names are cut to a width with ``…``, never silently; the full name is
  shown wherever there is room for it (a drill-down, a tooltip).
* Dates are ISO (``2024-03-01``), in UTC like everything stored.

Spreadsheet exports round too (`rounded`), to two decimals: enough for any
comparison, free of binary noise such as ``16.666666666666664``.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime
from typing import Final

MISSING: Final = "—"  # a value that does not exist (not assessed, not finished)
ELLIPSIS: Final = "…"


def rounded(value: float, digits: int = 0) -> float:
    """``value`` rounded half up (away from zero) to ``digits`` decimals.

    Python's own ``round`` and ``format`` round half to even on the binary
    value (``round(0.125, 2)`` is 0.12, ``f"{2.5:.0f}"`` is "2"); people expect
    0.13 and 3. The shortest repr of the float is what is rounded, so 2.675
    (stored as 2.67499999…) rounds to 2.68 as written.
    """
    if not math.isfinite(value):
        return float(value)
    scaled = value * 10.0**digits
    # Only a written tie (… 5 in the first dropped place, nothing after it) can
    # round differently from the built-in, which is exact for everything else;
    # a tie lies within float error of x.5 once scaled. The fast path keeps a
    # 100,000-row CSV export at the speed of the bare dump.
    if abs(scaled - math.floor(scaled) - 0.5) > 1e-6:
        return float(round(value, digits))
    from decimal import ROUND_HALF_UP, Decimal  # only for ties: kept out of the start

    text = repr(float(value))
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(text).quantize(quantum, rounding=ROUND_HALF_UP))


def number(value: float, digits: int = 0) -> str:
    """``value`` rounded half up and written with exactly ``digits`` decimals (never ``-0``)."""
    text = f"{rounded(value, digits):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def score(value: float | None, *, missing: str = MISSING, digits: int = 0) -> str:
    """A 0–100 score: ``86``; ``missing`` when not assessed."""
    return missing if value is None else number(value, digits)


def rate(share: float | None, *, missing: str = MISSING) -> str:
    """A 0–1 share as a whole percentage: ``75%``."""
    return missing if share is None else f"{number(100 * share)}%"


def signed(value: float, digits: int = 0) -> str:
    """A change with its sign: ``+29``, ``-3``; no change is ``0``."""
    text = number(value, digits)
    return text if text.startswith("-") or float(text) == 0 else "+" + text


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 attempt`` / ``3 attempts`` (``many`` for irregular plurals: reply → replies)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes (wide East Asian characters take two)."""
    return sum(_width(ch) for ch in text)


def _width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in ``…`` when anything was cut."""
    if width <= 0:
        return ""
    if cells(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def day(moment: datetime) -> str:
    """The UTC date of ``moment``: ``2024-03-01``."""
    return f"{moment:%Y-%m-%d}"
