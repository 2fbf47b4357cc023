"""Typed replies ("say it your way"): what a trainee typed, what it was heard as, what was said.

One :class:`TypedReply` per turn answered by typing. The reply actually made
(``chosen``) went through the same rules as a picked reply; this record keeps
how it was reached, for the debrief, the store and (only with
``--include-typed``: typed text is personal data) the exports.

A typed reply is **confirmed** when the trainee said the reply it was heard as,
and **overridden** otherwise: they picked another from the list, or the text
could not be matched (``matched`` is None) and they picked one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from simulator.matching import Match
    from simulator.results import ChoiceRow

#: Typed text longer than this is cut before matching and recording: a spoken reply
#: is a sentence or three, and matching costs grow with the text.
MAX_TYPED_CHARS: Final = 500


@dataclass(frozen=True, slots=True)
class TypedReply:
    """One turn answered by typing."""

    seq: int  # the turn (the event's seq)
    node: str
    text: str  # as typed (at most MAX_TYPED_CHARS)
    matched: int | None  # authored number it was heard as; None: it could not be matched
    similarity: float  # the top reply's score, 0–1, on the matcher's own scale
    chosen: int  # authored number of the reply made
    matcher: str  # the matcher's name and version, as recorded with the attempt
    version: str

    @property
    def overridden(self) -> bool:
        """True when the reply made is not the one the text was heard as."""
        return self.chosen != self.matched

    @classmethod
    def made(cls, heard: Match, *, seq: int, node: str, chosen: int) -> TypedReply:
        """The record of reply ``chosen`` made at turn ``seq`` after typing ``heard.text``."""
        best = heard.best
        return cls(
            seq=seq,
            node=node,
            text=heard.text,
            matched=None if best is None else best.number,
            similarity=round(min(1.0, max(0.0, heard.score)), 4),
            chosen=chosen,
            matcher=heard.matcher,
            version=heard.version,
        )

    @classmethod
    def stored(cls, row: ChoiceRow, matcher: str, version: str) -> TypedReply | None:
        """The record of a stored reply (None when it was picked, not typed)."""
        if row.typed is None or row.choice is None:
            return None
        return cls(
            seq=row.seq,
            node=row.node,
            text=row.typed,
            matched=row.matched,
            similarity=row.similarity or 0.0,
            chosen=row.choice,
            matcher=matcher,
            version=version,
        )
