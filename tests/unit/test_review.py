"""The debrief's rules without Textual: "Try this tomorrow" and the 0–100 mood chart."""

from __future__ import annotations

from simulator.engine import Conversation
from simulator.tui.charts import mood_rows
from simulator.tui.review import lessons
from tests.helpers import scenario_from_text

# Three decisions; weights 1/1. Strength of a reply = local empathy + local
# assertiveness, each (points - worst) / (best - worst) among the replies offered.
#   a: 1 (E 2, A 1) → 1 + 1 = 2 (strongest); 2 (E 0, A 0, robotism) → .5 + 0 = .5
#   b: 1 (E 1, A 2, set-timeline) → 2 (strongest); 2 (E 1, A 0) → 1 + 0 = 1
#   c: 1 (E 1) → 1 (strongest); 2 (E 0, critical) → 0
# Playing 2, 2, 2: gaps 1.5 (a), 1 (b), 1 (c, critical). Critical first, then the
# largest gap: c, a, b. c's lesson names the critical reason; a's is robotism's
# advice; b's is the technique the strongest reply used (set-timeline).
SCENARIO = """\
format: 1.1
id: lessons
title: Lessons
summary: Three decisions.
difficulty: 1
minutes: 1
customer: {name: Kim, persona: p, mood: 50}
start: a
nodes:
  a:
    customer: One.
    choices:
      - {say: A1, empathy: 2, assertiveness: 1, next: b}
      - {say: A2, tags: [robotism], feedback: Too stiff., next: b}
  b:
    customer: Two.
    choices:
      - {say: B1, empathy: 1, assertiveness: 2, tags: [set-timeline], next: c}
      - {say: B2, empathy: 1, feedback: No time given., next: c}
  c:
    customer: Three.
    choices:
      - {say: C1, empathy: 1, next: end}
      - {say: C2, critical: promised a refund beyond your authority, next: end}
  end:
    customer: Bye.
    ending: resolved
    outcome: Done.
"""


def played(*numbers: int) -> Conversation:
    conv = Conversation(scenario_from_text(SCENARIO))
    for number in numbers:
        conv.choose(number, latency_ms=0.0)
    return conv


def test_lessons_come_from_the_weakest_turns_critical_first() -> None:
    got = lessons(played(2, 2, 2))
    assert [(lesson.seq, lesson.because) for lesson in got] == [
        (3, "failed the call"), (1, "robotism"), (2, "a stronger reply"),
    ]  # fmt: skip
    assert (
        got[0].text == "Never let this happen on a call: promised a refund beyond your authority."
    )
    assert got[1].text == "Answer what they actually said, in your own words."
    assert got[2].text.startswith("Set timeline: When it can't be solved now")


def test_no_lessons_when_every_reply_was_the_strongest() -> None:
    assert lessons(played(1, 1, 1)) == []


def test_at_most_three_lessons_and_no_advice_twice() -> None:
    assert len(lessons(played(2, 2, 2), limit=2)) == 2


def test_the_mood_chart_is_on_a_fixed_0_to_100_scale() -> None:
    # 4 rows of 25: 35 fills the bottom row and 10/25 of the next (3 eighths, ▃);
    # 100 fills every row; 0 draws nothing.
    rows = mood_rows([35, 100, 0], height=4, width=40)
    assert rows[0] == "100 ┤    ███"
    assert rows[2] == " 50 ┤▃▃▃ ███"
    assert rows[3] == "    │███ ███"
    assert rows[4] == "  0 └" + "─" * 12
    assert rows[5] == "       S   1   2"
    # a calm 35 alone is still drawn a third of the way up, not as nothing (or a tower)
    alone = mood_rows([35], height=4, width=40)
    assert alone[3] == "    │███" and alone[0] == "100 ┤"


def test_a_long_call_is_sampled_to_fit_the_width() -> None:
    rows = mood_rows(list(range(100)), height=4, width=30)
    assert all(len(row) <= 30 for row in rows)
    assert rows[0].endswith("█")  # the last value (99) is always shown
