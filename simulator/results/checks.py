"""What every backend checks before it writes: the same rules, the same messages."""

from __future__ import annotations

import dataclasses
import json
import math
import uuid as uuid_mod
from collections.abc import Sequence
from dataclasses import fields
from functools import cache

from simulator.results.rows import AttemptRow, ChoiceRow, format_utc, parse_utc
from simulator.terminal import control_problem

__all__ = [
    "app_version",
    "check_choice",
    "check_name",
    "check_score",
    "normal_uuid",
    "rekey",
    "same_attempt",
    "tags_json",
]


@cache
def app_version() -> str:
    """This talkdown's version, stored with every attempt it starts."""
    from importlib import metadata

    try:
        return metadata.version("talkdown")
    except metadata.PackageNotFoundError:
        pass
    try:
        import simulator

        return str(getattr(simulator, "__version__", "unknown"))
    except ImportError:  # pragma: no cover - simulator is always importable here
        return "unknown"


def check_choice(value: str, allowed: Sequence[str], what: str) -> None:
    """Raise ValueError unless *value* is one of *allowed*."""
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}; got {value!r}")


def check_score(value: float | None, what: str, *, optional: bool = True) -> float | None:
    """A finite number as a float (None allowed when *optional*)."""
    if value is None:
        if optional:
            return None
        raise ValueError(f"{what} is required")
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number; got {value!r}")
    return float(value)


def check_name(value: str, what: str) -> None:
    """A name (trainee, cohort): non-empty text without control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string; got {value!r}")
    problem = control_problem(value)
    if problem is not None:  # every way in checks first; this is the last line
        raise ValueError(f"{what} cannot be stored: {problem}")


def normal_uuid(value: str) -> str:
    """*value* as a canonical uuid string (ValueError if it is none)."""
    try:
        return str(uuid_mod.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"not a uuid: {value!r}") from None


def tags_json(tags: Sequence[str]) -> str:
    """The stored form of a reply's tags (a JSON array of strings)."""
    if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
        raise TypeError(f"tags must be a sequence of strings; got {tags!r}")
    return json.dumps(list(tags), ensure_ascii=False)


#: Local ids, bookkeeping and derived summaries: not part of what an attempt *is*.
_IGNORED_ON_COMPARE = frozenset({"trainee_id", "email", "updated_at", "sins", "techniques"})


def same_attempt(left: AttemptRow, right: AttemptRow) -> bool:
    """Equal in every field that describes the attempt (not local ids or bookkeeping)."""
    return all(
        getattr(left, f.name) == getattr(right, f.name)
        for f in fields(AttemptRow)
        if f.name not in _IGNORED_ON_COMPARE
    )


def rekey(choice: ChoiceRow, key: str) -> ChoiceRow:
    """*choice* as it reads back once stored under attempt *key*."""
    return dataclasses.replace(
        choice,
        attempt_uuid=key,
        tags=tuple(choice.tags),
        recorded_at=parse_utc(format_utc(choice.recorded_at)),
    )
