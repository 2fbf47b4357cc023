"""Scoring a whole attempt from its decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring.points import WeightsLike, dimension_score, local_score, overall_score, speed_score


@dataclass(frozen=True, slots=True)
class Decision:
    """One reply made (or a silence, ``chosen=None``) and what was offered there."""

    offered_empathy: tuple[int, ...]
    offered_assertiveness: tuple[int, ...]
    chosen: int | None  # 0-based index into the offered replies; None = silence
    critical: bool = False  # the reply would fail a real quality check on its own

    @property
    def empathy(self) -> float | None:
        """This decision's local empathy score (None: does not count)."""
        pick = None if self.chosen is None else self.offered_empathy[self.chosen]
        return local_score(pick, self.offered_empathy)

    @property
    def assertiveness(self) -> float | None:
        """This decision's local assertiveness score (None: does not count)."""
        pick = None if self.chosen is None else self.offered_assertiveness[self.chosen]
        return local_score(pick, self.offered_assertiveness)


@dataclass(frozen=True, slots=True)
class Scores:
    """An attempt's scores (0–100; None = not assessed) and its pass/fail."""

    empathy: float | None
    assertiveness: float | None
    speed: float
    overall: float
    passed: bool
    critical: int = 0  # critical replies made: any one of them fails the attempt


def score_attempt(
    decisions: Sequence[Decision],
    *,
    ending: str,
    taken_seconds: int,
    par_seconds: int | None,
    weights: WeightsLike,
    pass_mark: float,
) -> Scores:
    """Score an attempt: dimensions, speed, overall and pass.

    Passing needs all three: a resolved ending, an overall at the pass mark,
    and no critical reply. A critical reply (skipped security, money beyond
    authority, a false statement) fails the call however warm the rest was.
    """
    empathy = dimension_score(d.empathy for d in decisions)
    assertiveness = dimension_score(d.assertiveness for d in decisions)
    speed = speed_score(ending, par_seconds, taken_seconds)
    overall = overall_score(empathy, assertiveness, speed, weights)
    critical = sum(1 for d in decisions if d.critical)
    passed = ending == "resolved" and overall >= pass_mark - 1e-9 and not critical
    return Scores(empathy, assertiveness, speed, overall, passed, critical)
