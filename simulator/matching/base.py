"""The matcher protocol and the one decision rule every matcher shares.

A matcher only *scores*: :meth:`Matcher.scores` gives each authored reply at a
node a similarity from 0 to 1. :func:`decide` turns those scores into a
:class:`Match`: the replies ranked best first, whether the input is rejected
and why, and a plain-words confidence for the trainee. Keeping the decision in
one place means both matchers reject the same way, and the audit and
``validate --strict`` judge a scenario by the very rule a trainee meets.

The rule, with each matcher's :class:`Settings`:

* nothing to match (no letter or digit) is rejected as ``empty``;
* a best score under ``threshold`` is rejected as ``no-match``: too far from
  every reply (off-topic input lands here: the thresholds were set from the
  scores of off-topic and in-scope lines, see benchmarks/bench_matcher.py);
* when the best two replies are less than ``margin`` apart, the input is
  rejected as ``ambiguous``: it could be either, so the trainee is asked
  rather than guessed for;
* otherwise it is heard as the best reply: "a close match" from ``close`` up,
  else "a rough match".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

if TYPE_CHECKING:
    from simulator.model import Choice, Node

Confidence = Literal["close", "rough", "none"]
RejectReason = Literal["", "empty", "no-match", "ambiguous"]

#: How each confidence is said to a trainee.
CONFIDENCE_WORDS: Final[dict[Confidence, str]] = {
    "close": "a close match",
    "rough": "a rough match",
    "none": "no match",
}


@dataclass(frozen=True, slots=True)
class Settings:
    """A matcher's decision thresholds, all on its own 0–1 score scale."""

    threshold: float  # the best reply must score at least this
    margin: float  # ... and beat the second best by at least this
    close: float  # from this score up, the match is "close" (else "rough")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One authored reply and how well the typed text matched it."""

    number: int  # the reply's authored number at the node, from 1
    choice: Choice
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """What a typed reply was heard as (or why it was not)."""

    text: str
    ranked: tuple[Candidate, ...]  # every reply at the node, best first
    rejected: bool
    reason: RejectReason  # "" when not rejected
    confidence: Confidence
    matcher: str  # the matcher's name and version, for the record
    version: str

    @property
    def best(self) -> Candidate | None:
        """The reply the text is heard as; None when rejected."""
        return None if self.rejected or not self.ranked else self.ranked[0]

    @property
    def score(self) -> float:
        """The top reply's score (0 when nothing was offered)."""
        return self.ranked[0].score if self.ranked else 0.0

    @property
    def margin(self) -> float:
        """How far the top reply is ahead of the second (its score when there is no second)."""
        if len(self.ranked) < 2:
            return self.score
        return self.ranked[0].score - self.ranked[1].score

    @property
    def confidence_words(self) -> str:
        """ "a close match", "a rough match" or "no match"."""
        return CONFIDENCE_WORDS[self.confidence]


class Matcher(Protocol):
    """Scores typed text against the authored replies at a node."""

    #: Short name used by ``--matcher`` and recorded with an attempt.
    name: str
    #: Changes whenever the scores could change (method, settings or model).
    version: str
    settings: Settings
    #: True when a match costs about a millisecond and loads nothing, so a UI may
    #: run it inline; False: run it off the UI thread.
    light: bool

    @property
    def ready(self) -> bool:
        """True when :meth:`scores` can run without loading anything first."""
        ...

    def load(self) -> None:
        """Load what scoring needs (a model); may take a while, so call it off the UI thread.

        Idempotent. :meth:`scores` calls it if it was not called, so a
        caller that does not care when the cost is paid may skip it.
        """
        ...

    def scores(self, node: Node, text: str) -> list[float]:
        """Each reply's score from 0 to 1, in authored order."""
        ...

    def match(self, node: Node, text: str) -> Match:
        """``text`` scored against every reply at ``node``, ranked, and the decision."""
        ...


def has_content(text: str) -> bool:
    """True when ``text`` holds a letter or a digit (something to match)."""
    return any(ch.isalnum() for ch in text)


def decide(
    node: Node,
    text: str,
    scores: Sequence[float],
    settings: Settings,
    *,
    matcher: str,
    version: str,
) -> Match:
    """Apply the shared decision rule (module docstring) to one node's ``scores``."""
    ranked = tuple(
        sorted(
            (
                Candidate(i + 1, c, float(s))
                for i, (c, s) in enumerate(zip(node.choices, scores, strict=True))
            ),
            key=lambda cand: (-cand.score, cand.number),
        )
    )
    reason: RejectReason = ""
    if not has_content(text) or not ranked:
        reason = "empty"
    elif ranked[0].score < settings.threshold:
        reason = "no-match"
    elif len(ranked) > 1 and ranked[0].score - ranked[1].score < settings.margin:
        reason = "ambiguous"
    confidence: Confidence = "none"
    if not reason:
        confidence = "close" if ranked[0].score >= settings.close else "rough"
    return Match(
        text=text,
        ranked=ranked,
        rejected=bool(reason),
        reason=reason,
        confidence=confidence,
        matcher=matcher,
        version=version,
    )


class ScoringMatcher:
    """What every matcher shares: :meth:`match` is :meth:`scores` plus :func:`decide`."""

    name: str
    version: str
    settings: Settings
    light: bool = False

    def scores(self, node: Node, text: str) -> list[float]:
        raise NotImplementedError

    def match(self, node: Node, text: str) -> Match:
        """``text`` scored against every reply at ``node``, ranked, and the decision."""
        scores = self.scores(node, text) if has_content(text) else [0.0] * len(node.choices)
        return decide(node, text, scores, self.settings, matcher=self.name, version=self.version)
