"""What every backend checks before it writes: the same rules, the same messages."""

from __future__ import annotations

import dataclasses
import json
import math
import uuid as uuid_mod
from collections.abc import Sequence
from dataclasses import fields
from functools import cache
from typing import Final

from simulator.results.rows import AttemptRow, ChoiceRow, format_utc, parse_utc
from simulator.terminal import control_problem

__all__ = [
    "app_version",
    "check_choice",
    "check_name",
    "check_score",
    "check_typed",
    "normal_uuid",
    "rekey",
    "same_attempt",
    "tags_json",
    "without_typed",
]

#: Longest typed reply a store keeps (what the TUI lets a trainee type:
#: `simulator.typed.MAX_TYPED_CHARS`; a test keeps them equal).
MAX_TYPED: Final = 500


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


def check_typed(
    choice: int | None,
    typed: str | None,
    matched: int | None,
    similarity: float | None,
    matcher: str | None,
    matcher_version: str | None,
) -> float | None:
    """The rules for a typed reply's fields (say mode); returns *similarity* as a float.

    Typed text goes with a reply made (not a silence), a similarity from 0 to 1
    and the matcher that heard it; without typed text, there is no match.
    """
    if typed is None:
        if matched is not None or similarity is not None:
            raise ValueError("a match (matched, similarity) needs the typed text it was made for")
        return None
    if not isinstance(typed, str) or not typed.strip():
        raise ValueError(f"typed text must be a non-empty string; got {typed!r}")
    if len(typed) > MAX_TYPED:
        raise ValueError(f"typed text is longer than {MAX_TYPED} characters")
    if choice is None:
        raise ValueError("typed text needs a reply made, not a silence")
    if matched is not None and (isinstance(matched, bool) or not isinstance(matched, int)
                                or matched < 1):  # fmt: skip
        raise ValueError(f"matched must be a reply number >= 1 or None; got {matched!r}")
    value = check_score(similarity, "similarity", optional=False)
    assert value is not None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"similarity must be from 0 to 1; got {similarity!r}")
    for what, text in (("matcher", matcher), ("matcher_version", matcher_version)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"a typed reply needs the {what} that heard it; got {text!r}")
    return value


def without_typed(
    attempt: AttemptRow, choices: Sequence[ChoiceRow]
) -> tuple[AttemptRow, list[ChoiceRow]]:
    """*attempt* and *choices* as an export without ``--include-typed`` carries them."""
    return (
        dataclasses.replace(attempt, matcher=None, matcher_version=None),
        [dataclasses.replace(c, typed=None, matched=None, similarity=None) for c in choices],
    )


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
