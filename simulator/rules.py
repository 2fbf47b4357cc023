"""What one reply does: the single source of the game's rules.

The engine (one live conversation) and the analysis (every feasible path) both
call :func:`apply_reply`, so they can never disagree about mood clamping,
walkout, flags or which route a condition picks.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.model import MOOD_MAX, MOOD_MIN, Choice


@dataclass(frozen=True, slots=True)
class Vars:
    """The conversation's variables as conditions see them (after a reply)."""

    mood: int
    turn: int = 0
    empathy: int = 0
    assertiveness: int = 0
    flags: frozenset[str] = frozenset()


def clamp_mood(mood: int) -> int:
    """Keep mood within 0..100."""
    return MOOD_MIN if mood < MOOD_MIN else MOOD_MAX if mood > MOOD_MAX else mood


def after_reply(before: Vars, choice: Choice) -> Vars:
    """The variables once ``choice`` has been made (before routing)."""
    flags = before.flags | choice.set_flags if choice.set_flags else before.flags
    return Vars(
        clamp_mood(before.mood + choice.mood),
        before.turn + 1,
        before.empathy + choice.empathy,
        before.assertiveness + choice.assertiveness,
        flags,
    )


def route(choice: Choice, after: Vars, walkout_at: int) -> str | None:
    """Where ``choice`` leads given ``after``; None when the customer walks out.

    Walkout wins over any route: reaching ``walkout_at`` ends the call at once.
    """
    if after.mood >= walkout_at:
        return None
    for r in choice.routes:
        if r.condition is None or r.condition(after):
            return r.goto
    raise AssertionError("the loader guarantees an unconditional last route")


def apply_reply(before: Vars, choice: Choice, walkout_at: int) -> tuple[Vars, str | None]:
    """Apply ``choice``: the new variables and the next node (None on walkout)."""
    after = after_reply(before, choice)
    return after, route(choice, after, walkout_at)


def apply_silence(before: Vars, silence_mood: int) -> Vars:
    """A pressure-mode timeout: a turn passes, mood rises, no points, no move."""
    return Vars(
        clamp_mood(before.mood + silence_mood),
        before.turn + 1,
        before.empathy,
        before.assertiveness,
        before.flags,
    )
