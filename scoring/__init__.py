"""Pure scoring functions: per-decision points, dimensions, speed, overall, pass/fail.

No I/O and no knowledge of files, screens or databases: callers pass numbers in.
"""

from scoring.attempt import Decision, Scores, score_attempt
from scoring.points import (
    ReplyStrength,
    dimension_score,
    local_score,
    overall_score,
    reply_strengths,
    speed_score,
    strongest_replies,
    strongest_reply,
)
from scoring.vocabulary import DIMENSIONS, ENDINGS, SCORES, Ending

__all__ = [
    "DIMENSIONS",
    "ENDINGS",
    "SCORES",
    "Decision",
    "Ending",
    "ReplyStrength",
    "Scores",
    "dimension_score",
    "local_score",
    "overall_score",
    "reply_strengths",
    "score_attempt",
    "speed_score",
    "strongest_replies",
    "strongest_reply",
]
