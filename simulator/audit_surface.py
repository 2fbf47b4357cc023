"""Surface features of a reply that a trainee can see without thinking.

``talkdown audit`` asks whether these features alone find the strongest reply.
Each measure is defined here once, so the tells (which reply a surface rule
picks) and the naive policies (which reply a thoughtless trainee picks) read
the same numbers:

* **words**: whitespace-separated tokens that contain a letter or a digit
  (``I'm`` and ``sea-view`` are one word each; a lone ``—`` is none). Words,
  not characters, because length is what a skimming reader weighs: a reply
  with more words *looks* longer, whatever its spelling. It is also the
  measure word processors use, so an author can check it.
* **sentences**: runs of ``.``, ``!``, ``?`` or ``…`` followed by a space or
  the end (closing quotes and brackets may come between), plus a final
  fragment without one. ``£4.50`` and ``e.g.x`` do not end a sentence; a run
  with no word before it (a lone ``...``) is not a sentence.
* **apology words**: ``sorry`` and the *apolog-* family (``apology``,
  ``apologies``, ``apologise``/``apologize`` and their ``-s``, ``-d``,
  ``-ing`` forms), matched as whole words in any case.
* **opens with an apology**: an apology word among the reply's first
  :data:`OPENING_WORDS` words — "Sorry, …", "I'm so sorry", "I do apologise",
  "My apologies", "Mrs Brooks, I'm so sorry" all do; "Welcome. I've got bad
  news, and I'm sorry" does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from simulator.model import Choice

#: How many words from the start of a reply count as its opening.
OPENING_WORDS: Final = 5

_HAS_WORD: Final = re.compile(r"[^\W_]")
_SENTENCE_END: Final = re.compile(r"[.!?…]+[\"'’”)\]]*(?=\s|$)")
_APOLOGY: Final = re.compile(r"\W*(?:sorry|apolog(?:y|ies|i[sz]e[sd]?|i[sz]ing))\W*")


def words(text: str) -> list[str]:
    """The reply's words (see the module docstring), in order."""
    return [token for token in text.split() if _HAS_WORD.search(token)]


def sentence_count(text: str) -> int:
    """How many sentences ``text`` holds (0 for text without a word)."""
    count = 0
    last = 0
    for match in _SENTENCE_END.finditer(text):
        if _HAS_WORD.search(text, last, match.start()):
            count += 1
        last = match.end()
    if _HAS_WORD.search(text, last):
        count += 1
    return count


def is_apology_word(word: str) -> bool:
    """True for ``sorry`` or an *apolog-* word, ignoring case and surrounding punctuation."""
    return _APOLOGY.fullmatch(word.casefold()) is not None


@dataclass(frozen=True, slots=True)
class ReplyFacts:
    """What a thoughtless trainee can see of one reply, plus its raw points."""

    words: int
    sentences: int
    apology_words: int
    apology_opener: bool
    empathy: int
    assertiveness: int


def reply_facts(choice: Choice) -> ReplyFacts:
    """The surface facts of one reply (its text as written in the file)."""
    tokens = words(choice.say)
    return ReplyFacts(
        words=len(tokens),
        sentences=sentence_count(choice.say),
        apology_words=sum(1 for t in tokens if is_apology_word(t)),
        apology_opener=any(is_apology_word(t) for t in tokens[:OPENING_WORDS]),
        empathy=choice.empathy,
        assertiveness=choice.assertiveness,
    )


def node_facts(choices: Iterable[Choice]) -> tuple[ReplyFacts, ...]:
    """The surface facts of every reply at a node, in authored order."""
    return tuple(reply_facts(c) for c in choices)


def argmax(values: Sequence[int]) -> frozenset[int]:
    """Indices of every value equal to the largest (empty for no values)."""
    if not values:
        return frozenset()
    top = max(values)
    return frozenset(i for i, v in enumerate(values) if v == top)


# -- tells: the replies a surface rule picks at one decision (ties: all of them) ----


def pick_longest(replies: Sequence[ReplyFacts]) -> frozenset[int]:
    """The replies with the most words."""
    return argmax([r.words for r in replies])


def pick_most_sentences(replies: Sequence[ReplyFacts]) -> frozenset[int]:
    """The replies with the most sentences."""
    return argmax([r.sentences for r in replies])


def pick_apology_opener(replies: Sequence[ReplyFacts]) -> frozenset[int]:
    """The replies that open with an apology (empty when none does)."""
    return frozenset(i for i, r in enumerate(replies) if r.apology_opener)
