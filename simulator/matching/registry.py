"""Matchers by name, for ``--matcher``, the config and the record of an attempt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from simulator.matching.base import Matcher
from simulator.matching.ngram import NgramMatcher


class MatcherUnavailable(Exception):
    """The named matcher cannot run here (unknown name, or its extra is not installed)."""


def _semantic() -> Matcher:
    from simulator.matching.semantic import SemanticMatcher, missing_extra

    problem = missing_extra()
    if problem:
        raise MatcherUnavailable(problem)
    return SemanticMatcher()


#: Every matcher by name, with what it needs. Building one is cheap; a model loads
#: only on :meth:`Matcher.load` (or the first match).
MATCHERS: Final[dict[str, tuple[Callable[[], Matcher], str]]] = {
    "ngram": (NgramMatcher, "character n-gram similarity; built in, no extra needed"),
    "semantic": (
        _semantic,
        "word-embedding similarity (wordllama); needs pip install 'talkdown[semantic]'",
    ),
}
DEFAULT_MATCHER: Final = "ngram"


def matcher_names() -> tuple[str, ...]:
    """The names ``--matcher`` accepts, default first."""
    return tuple(MATCHERS)


def get_matcher(name: str = DEFAULT_MATCHER) -> Matcher:
    """A new matcher by name; raises :class:`MatcherUnavailable` saying what to do."""
    entry = MATCHERS.get(name)
    if entry is None:
        raise MatcherUnavailable(f"unknown matcher '{name}' — use one of: {', '.join(MATCHERS)}")
    return entry[0]()
