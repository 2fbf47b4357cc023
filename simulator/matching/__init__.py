"""Matching what a trainee typed to the authored replies at a node ("say it your way").

No Textual and no I/O here: the TUI, the audit and the benchmark all call the
same :class:`Matcher` protocol. :func:`get_matcher` picks one by name (see
:data:`MATCHERS`); the default, ``ngram``, needs nothing beyond the standard
library, and ``semantic`` needs the ``[semantic]`` extra.
"""

from __future__ import annotations

from simulator.matching.base import (
    CONFIDENCE_WORDS,
    Candidate,
    Confidence,
    Match,
    Matcher,
    RejectReason,
    Settings,
    decide,
)
from simulator.matching.registry import (
    DEFAULT_MATCHER,
    MATCHERS,
    MatcherUnavailable,
    get_matcher,
    matcher_names,
)

__all__ = [
    "CONFIDENCE_WORDS",
    "DEFAULT_MATCHER",
    "MATCHERS",
    "Candidate",
    "Confidence",
    "Match",
    "Matcher",
    "MatcherUnavailable",
    "RejectReason",
    "Settings",
    "decide",
    "get_matcher",
    "matcher_names",
]
