"""The default matcher: character n-gram TF-IDF similarity, standard library only.

Each reply at a node is represented by its authored text, its ``paraphrases``
and, optionally, the words of its tags (``tag_weight``, off by default: it did
not earn its place on the tuning half). Typed text is scored against
each of a reply's texts by the cosine of their TF-IDF vectors of character
3–5-grams, and a reply's score is its best text's. IDF is computed over the
node's own texts, so grams every reply shares ("I'm", "you") count for little
and what sets one reply apart counts for most.

Character grams forgive typos, plurals and tense ("refund", "refunded") that a
word matcher would miss; with IDF over the node they also need no stop-word
list or language model. The settings (threshold, margin, close) were tuned on
the tuning half of tests/paraphrases/ (see docs/authoring.md, "Say it your
way", and benchmarks/bench_matcher.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from simulator.matching.base import ScoringMatcher, Settings
from simulator.matching.cache import NodeCache
from simulator.matching.text import Vector, char_ngrams, cosine, idf_weights, normalise, tfidf
from simulator.model import Node

NAME: Final = "ngram"
#: Bump when scores can change for the same input (method, grams, weights, settings).
VERSION: Final = "1"
LOW: Final = 3  # shortest character gram
HIGH: Final = 5  # longest character gram
#: Share of a reply's score from its tags' words. Measured on the tuning half: 0.05–0.2
#: rejected slightly more off-topic input but heard fewer loosely worded replies, so off.
TAG_WEIGHT: Final = 0.0
SETTINGS: Final = Settings(threshold=0.2, margin=0.04, close=0.45)


@dataclass(frozen=True, slots=True)
class _Index:
    idf: dict[str, float]
    unseen: float
    texts: tuple[tuple[Vector, ...], ...]  # per reply: its text and paraphrases
    tags: tuple[Vector, ...]  # per reply: its tags' words (empty vector: no tags)


def reply_texts(node: Node) -> list[list[str]]:
    """Per reply at ``node``: its authored text, then its paraphrases (normalised)."""
    return [[normalise(c.say), *(normalise(p) for p in c.paraphrases)] for c in node.choices]


def _tag_words(tags: tuple[str, ...]) -> str:
    return normalise(" ".join(tag.replace("-", " ") for tag in tags))


class NgramMatcher(ScoringMatcher):
    """Character 3–5-gram TF-IDF over each reply's text, paraphrases and tags."""

    light = True  # p95 about 1 ms on a 9-reply node (benchmarks/bench_matcher.py)

    def __init__(self, settings: Settings = SETTINGS, *, tag_weight: float = TAG_WEIGHT) -> None:
        self.name = NAME
        self.version = VERSION if tag_weight == TAG_WEIGHT else f"{VERSION}+tags{tag_weight:g}"
        self.settings = settings
        self.tag_weight = tag_weight
        self._cache: NodeCache[_Index] = NodeCache(self._index)

    @property
    def ready(self) -> bool:
        return True

    def load(self) -> None:
        """Nothing to load: the matcher is ready when built."""

    def _index(self, node: Node) -> _Index:
        texts = [[char_ngrams(t, LOW, HIGH) for t in reply] for reply in reply_texts(node)]
        tags = [char_ngrams(_tag_words(c.tags), LOW, HIGH) for c in node.choices]
        idf, unseen = idf_weights([g for reply in texts for g in reply] + [t for t in tags if t])
        return _Index(
            idf=idf,
            unseen=unseen,
            texts=tuple(tuple(tfidf(g, idf, unseen) for g in reply) for reply in texts),
            tags=tuple(tfidf(t, idf, unseen) for t in tags),
        )

    def vector(self, node: Node, text: str) -> Vector:
        """``text`` as a vector in ``node``'s space."""
        index = self._cache.get(node)
        return tfidf(char_ngrams(normalise(text), LOW, HIGH), index.idf, index.unseen)

    def scores(self, node: Node, text: str) -> list[float]:
        index = self._cache.get(node)
        query = tfidf(char_ngrams(normalise(text), LOW, HIGH), index.idf, index.unseen)
        out: list[float] = []
        for texts, tags in zip(index.texts, index.tags, strict=True):
            best = max((cosine(query, t) for t in texts), default=0.0)
            if self.tag_weight and tags:
                best = (1.0 - self.tag_weight) * best + self.tag_weight * cosine(query, tags)
            out.append(best)
        return out
