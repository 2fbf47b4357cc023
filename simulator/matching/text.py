"""Text as the matchers see it: normalised, cut into character n-grams, weighted.

Normalising makes typing habits irrelevant: case, curly quotes, apostrophes
("don't" = "dont"), punctuation and spacing. ``{agent}`` (the trainee's first
name in authored text) is dropped, since a trainee types their own name.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Final

_APOSTROPHES: Final = re.compile(r"['’‘`´]")
_NOT_WORD: Final = re.compile(r"[^\w£$€%]+")

Vector = dict[str, float]


def normalise(text: str) -> str:
    """Lower case, no apostrophes or punctuation, single spaces; ``{agent}`` dropped."""
    text = unicodedata.normalize("NFKC", text.replace("{agent}", " ")).casefold()
    text = _APOSTROPHES.sub("", text)
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split())


def char_ngrams(text: str, low: int, high: int) -> Counter[str]:
    """Character n-grams of each word padded with a space either side (already normalised).

    Grams stay inside words, so "refund" matches "refunded" and "refunding"
    whatever the word order around them; a word shorter than ``low`` is one gram.
    """
    grams: Counter[str] = Counter()
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        if size <= low:
            grams[padded] += 1
            continue
        for n in range(low, min(high, size) + 1):
            for i in range(size - n + 1):
                grams[padded[i : i + n]] += 1
    return grams


def idf_weights(docs: Iterable[Counter[str]]) -> tuple[dict[str, float], float]:
    """Smoothed inverse document frequency of each gram, and the weight of an unseen gram."""
    df: Counter[str] = Counter()
    count = 0
    for doc in docs:
        df.update(doc.keys())
        count += 1
    weights = {gram: math.log((1 + count) / (1 + k)) + 1.0 for gram, k in df.items()}
    return weights, math.log(1 + count) + 1.0


def tfidf(grams: Counter[str], idf: dict[str, float], unseen: float) -> Vector:
    """A unit-length vector: sublinear term frequency times IDF."""
    vec = {g: (1.0 + math.log(tf)) * idf.get(g, unseen) for g, tf in grams.items()}
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {g: w / norm for g, w in vec.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    """Cosine of two unit vectors (their dot product)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(g, 0.0) for g, w in a.items())
