"""The scoring model's formulas (DESIGN.md "Scoring model", CONTRACTS.md "Scoring details")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

#: Strengths closer than this are a tie (they are sums of small fractions).
STRENGTH_EPSILON: Final = 1e-9


class WeightsLike(Protocol):
    """Anything with the three weights as attributes."""

    @property
    def empathy(self) -> float: ...
    @property
    def assertiveness(self) -> float: ...
    @property
    def speed(self) -> float: ...


def local_score(chosen: float | None, offered: Sequence[float]) -> float | None:
    """``(chosen - worst) / (best - worst)`` among the replies offered at one node.

    None when every offered reply carries the same points (the decision does not
    count for this dimension). ``chosen=None`` is a silence: it scores as the
    worst reply, 0.
    """
    if not offered:
        return None
    best, worst = max(offered), min(offered)
    if best == worst:
        return None
    if chosen is None:
        return 0.0
    return (chosen - worst) / (best - worst)


def dimension_score(locals_: Iterable[float | None]) -> float | None:
    """Mean of the counting decisions × 100; None when no decision counts."""
    total = 0.0
    count = 0
    for value in locals_:
        if value is not None:
            total += value
            count += 1
    return 100.0 * total / count if count else None


def speed_score(ending: str, par_seconds: int | None, taken_seconds: int) -> float:
    """0 unless resolved; else ``100 × min(1, par / taken)``."""
    if ending != "resolved":
        return 0.0
    if taken_seconds <= 0 or par_seconds is None:
        return 100.0
    return 100.0 * min(1.0, par_seconds / taken_seconds)


def overall_score(
    empathy: float | None, assertiveness: float | None, speed: float, weights: WeightsLike
) -> float:
    """Weighted mean of the assessed dimensions (weights renormalised over them).

    If every assessed dimension has weight 0, the plain mean of the assessed
    dimensions is used so the attempt still gets a meaningful number.
    """
    parts = [(speed, weights.speed)]
    if empathy is not None:
        parts.append((empathy, weights.empathy))
    if assertiveness is not None:
        parts.append((assertiveness, weights.assertiveness))
    total_weight = sum(w for _, w in parts)
    if total_weight <= 0:
        return sum(v for v, _ in parts) / len(parts)
    return sum(v * w for v, w in parts) / total_weight


@dataclass(frozen=True, slots=True)
class ReplyStrength:
    """One offered reply's local scores and their weighted sum (its strength)."""

    empathy: float | None  # None: the node's replies all carry the same empathy
    assertiveness: float | None
    strength: float


def reply_strengths(
    empathy: Sequence[float], assertiveness: Sequence[float], weights: WeightsLike
) -> list[ReplyStrength]:
    """Each offered reply's strength: the weighted sum of its local scores.

    This is the one definition of "how good a reply is" that the debrief, the
    analysis, the audit and the report all use. A dimension whose offered
    points are all equal adds nothing for any reply.
    """
    out = []
    for e_points, a_points in zip(empathy, assertiveness, strict=True):
        e = local_score(e_points, empathy)
        a = local_score(a_points, assertiveness)
        value = (weights.empathy * e if e is not None else 0.0) + (
            weights.assertiveness * a if a is not None else 0.0
        )
        out.append(ReplyStrength(e, a, value))
    return out


def strongest_reply(
    empathy: Sequence[float], assertiveness: Sequence[float], weights: WeightsLike
) -> int:
    """Index of the reply with the highest strength; ties go to the earlier reply."""
    best_index = 0
    best_value = float("-inf")
    for i, reply in enumerate(reply_strengths(empathy, assertiveness, weights)):
        if reply.strength > best_value + STRENGTH_EPSILON:
            best_index, best_value = i, reply.strength
    return best_index


def strongest_replies(
    empathy: Sequence[float], assertiveness: Sequence[float], weights: WeightsLike
) -> frozenset[int]:
    """Indices of every reply that ties for the highest strength."""
    values = [r.strength for r in reply_strengths(empathy, assertiveness, weights)]
    if not values:
        return frozenset()
    top = max(values)
    return frozenset(i for i, v in enumerate(values) if v >= top - STRENGTH_EPSILON)
