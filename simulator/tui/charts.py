"""Text charts for the debrief (no Textual): the customer's mood on a fixed 0–100 scale.

A chart scaled to the run's own range would draw a calm 35 as nothing and a
mild 40 as a tower; on a fixed scale 35 is a third of the way up whatever
else happened, so one call can be compared with the next.
"""

from __future__ import annotations

from typing import Final

BLOCKS: Final = " ▁▂▃▄▅▆▇█"  # eighths of a cell, bottom up
LABEL: Final = 5  # "100 ┤"


def _cell(eighths: int) -> str:
    return BLOCKS[max(0, min(8, eighths))]


def layout(values: int, width: int) -> tuple[int, int]:
    """(cells per value, gap cells) so that ``values`` columns fit in ``width`` if they can."""
    room = max(1, width - LABEL)
    per = room // max(1, values)
    if per >= 2:
        return min(3, per - 1), 1
    return 1, 0


def mood_rows(moods: list[int], height: int = 4, width: int = 60) -> list[str]:
    """The chart as lines: ``height`` rows of bars on 0–100, an axis, and turn numbers.

    Row ``r`` (0 at the top) covers moods from ``100 * (height - r - 1) / height``
    to ``100 * (height - r) / height``; a bar fills it in eighths of a cell.
    The first column is the mood at the start, then one per reply. More values
    than cells are sampled evenly (the last value always shown).
    """
    room = max(1, width - LABEL)
    if len(moods) > room:
        moods = [moods[(i * (len(moods) - 1)) // (room - 1)] for i in range(room)] if room > 1 \
            else moods[-1:]  # fmt: skip
        numbered = False
    else:
        numbered = True
    cw, gap = layout(len(moods), width)
    band = 100 / height
    lines = []
    for row in range(height):
        floor = 100 * (height - row - 1) / height
        if row == 0:
            label = "100 ┤"
        elif 2 * row == height:
            label = " 50 ┤"
        else:
            label = "    │"
        cells = "".join(
            _cell(round((max(0, min(100, mood)) - floor) / band * 8)) * cw + " " * gap
            for mood in moods
        )
        lines.append((label + cells).rstrip())
    lines.append("  0 └" + "─" * ((cw + gap) * len(moods)))
    if numbered and cw >= 2:
        marks = "".join(
            ("S" if i == 0 else str(i))[-cw:].rjust(cw) + " " * gap for i in range(len(moods))
        )
        lines.append((" " * LABEL + marks).rstrip())
    return lines
