"""Scoring formulas, each checked against numbers worked out by hand."""

from __future__ import annotations

import pytest

from scoring import Decision, local_score, overall_score, score_attempt, speed_score
from scoring.points import dimension_score, strongest_reply
from simulator.model import Weights


def test_local_score_is_position_between_worst_and_best() -> None:
    # offered 2, -1, 0: best 2, worst -1, span 3
    assert local_score(2, [2, -1, 0]) == pytest.approx(1.0)
    assert local_score(-1, [2, -1, 0]) == pytest.approx(0.0)
    assert local_score(0, [2, -1, 0]) == pytest.approx(1 / 3)


def test_equal_points_do_not_count_and_silence_is_worst() -> None:
    assert local_score(1, [1, 1, 1]) is None
    assert local_score(None, [1, 1]) is None
    assert local_score(None, [3, 0, -2]) == 0.0


def test_dimension_is_mean_of_counting_decisions() -> None:
    # (1.0 + 1/3) / 2 = 0.6667 -> 66.67; the None decision is left out
    assert dimension_score([1.0, 1 / 3, None]) == pytest.approx(200 / 3)
    assert dimension_score([None, None]) is None


def test_speed() -> None:
    assert speed_score("resolved", 50, 80) == pytest.approx(62.5)  # 100 * 50/80
    assert speed_score("resolved", 50, 50) == 100.0
    assert speed_score("escalated", 50, 50) == 0.0
    assert speed_score("lost", 50, 10) == 0.0
    assert speed_score("resolved", 0, 0) == 100.0


def test_overall_renormalises_over_assessed_dimensions() -> None:
    equal = Weights(1, 1, 1)
    # assertiveness not assessed: (66.67 + 62.5) / 2 = 64.58
    assert overall_score(200 / 3, None, 62.5, equal) == pytest.approx(64.5833, abs=1e-3)
    # weights 2:1:1 -> (2*66.67 + 62.5) / 3 = 65.28
    assert overall_score(200 / 3, None, 62.5, Weights(2, 1, 1)) == pytest.approx(65.2778, abs=1e-3)
    # all assessed, weights 1:2:1: (90 + 2*60 + 30) / 4 = 60
    assert overall_score(90, 60, 30, Weights(1, 2, 1)) == pytest.approx(60.0)
    # only speed has weight, empathy unassessed -> speed alone
    assert overall_score(None, None, 40, Weights(1, 1, 0)) == pytest.approx(40.0)


def test_score_attempt_pass_needs_resolved_and_mark() -> None:
    d1 = Decision((2, -1, 0), (1, 1, 1), 0)  # empathy 1.0, assertiveness not counted
    d2 = Decision((2, -1, 0), (1, 1, 1), 2)  # empathy 1/3
    common = {"taken_seconds": 80, "par_seconds": 50, "weights": Weights(), "pass_mark": 65.0}
    resolved = score_attempt([d1, d2], ending="resolved", **common)  # type: ignore[arg-type]
    # empathy 66.67, speed 62.5 -> overall 64.58 < 65: resolved but not passed
    assert resolved.empathy == pytest.approx(200 / 3)
    assert resolved.assertiveness is None
    assert resolved.speed == pytest.approx(62.5)
    assert resolved.overall == pytest.approx(64.5833, abs=1e-3)
    assert resolved.passed is False
    lower = {**common, "pass_mark": 64.0}
    assert score_attempt([d1, d2], ending="resolved", **lower).passed is True  # type: ignore[arg-type]
    # the same replies ending escalated: speed 0, overall 33.33, never passed
    escalated = score_attempt([d1, d2], ending="escalated", **lower)  # type: ignore[arg-type]
    assert escalated.overall == pytest.approx(100 / 3)
    assert escalated.passed is False


def test_strongest_reply_uses_weighted_local_scores() -> None:
    # empathy (3, 0, 1) -> locals 1, 0, 1/3; assertiveness (-1, 2, 2) -> 0, 1, 1
    # equal weights: 1, 1, 1.333 -> reply index 2
    assert strongest_reply([3, 0, 1], [-1, 2, 2], Weights()) == 2
    # empathy weighted 3: 3, 1, 2 -> reply index 0
    assert strongest_reply([3, 0, 1], [-1, 2, 2], Weights(3, 1, 1)) == 0
    # ties go to the earlier reply
    assert strongest_reply([1, 1], [0, 0], Weights()) == 0
