"""Pure scoring functions: per-decision points, dimensions, speed, overall, pass/fail.

No I/O and no knowledge of files, screens or databases: callers pass numbers in.
"""

from scoring.attempt import Decision, Scores, score_attempt
from scoring.points import (
    dimension_score,
    local_score,
    overall_score,
    speed_score,
    strongest_reply,
)

__all__ = [
    "Decision",
    "Scores",
    "dimension_score",
    "local_score",
    "overall_score",
    "score_attempt",
    "speed_score",
    "strongest_reply",
]
