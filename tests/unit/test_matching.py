"""The reply matchers: decision rule, ngram scores, registry, confusion check, loader field.

Scenarios here are hand-built; each expected answer is worked out in a comment.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from simulator.library import shipped_dir
from simulator.loader import load_bytes, load_scenario
from simulator.matching import (
    CONFIDENCE_WORDS,
    MatcherUnavailable,
    Settings,
    decide,
    get_matcher,
    matcher_names,
)
from simulator.matching.confusion import check_node, confusable_problems, word_for_word
from simulator.matching.ngram import NgramMatcher
from simulator.matching.text import char_ngrams, normalise
from simulator.model import Choice, Node, Route

END = (Route("end"),)


def node(*says: str, paraphrases: dict[int, tuple[str, ...]] | None = None) -> Node:
    extra = paraphrases or {}
    return Node(
        id="n",
        customer="",
        choices=tuple(
            Choice(say=s, routes=END, paraphrases=extra.get(i, ())) for i, s in enumerate(says, 1)
        ),
    )


PARCEL = node(
    "Can I take your order number, please?",
    "Deliveries are handled by our courier partner. They'll tell you where it is.",
    "I'm so sorry. I'll find your parcel right now and call you back by five.",
)


def test_normalise_ignores_case_apostrophes_punctuation_and_agent() -> None:
    assert normalise("I’m {agent}, DON'T worry!!") == "im dont worry"


def test_char_ngrams_stay_inside_words() -> None:
    # " ab " has the 3-grams " ab", "ab " and the 4-gram " ab "; no gram spans "ab cd".
    grams = char_ngrams("ab cd", 3, 5)
    assert " ab" in grams and " ab " in grams and "b c" not in grams


def test_exact_reply_scores_one_and_ranks_first() -> None:
    m = NgramMatcher()
    found = m.match(PARCEL, "Can I take your order number, please?")
    assert found.ranked[0].number == 1 and found.ranked[0].score == pytest.approx(1.0)
    assert not found.rejected and found.confidence == "close"
    assert found.best is found.ranked[0]
    assert [c.number for c in found.ranked] == sorted(
        (c.number for c in found.ranked),
        key=lambda n: -found.ranked[[c.number for c in found.ranked].index(n)].score,
    )


def test_paraphrase_is_heard_as_its_reply() -> None:
    found = NgramMatcher().match(PARCEL, "what's your order number?")
    assert found.best is not None and found.best.number == 1


def test_paraphrases_extend_what_a_reply_matches() -> None:
    # "reference for the purchase" shares no word with reply 1's text; once it is a
    # paraphrase of reply 1, typing it exactly scores 1.0 there.
    plain = NgramMatcher().match(PARCEL, "what's the reference for the purchase")
    richer = node(
        *(c.say for c in PARCEL.choices),
        paraphrases={1: ("what's the reference for the purchase",)},
    )
    found = NgramMatcher().match(richer, "what's the reference for the purchase")
    assert found.best is not None and found.best.number == 1
    assert found.score == pytest.approx(1.0) and found.score > plain.score


@pytest.mark.parametrize("text", ["", "   ", "?!", "…"])
def test_nothing_to_match_is_rejected_as_empty(text: str) -> None:
    found = NgramMatcher().match(PARCEL, text)
    assert found.rejected and found.reason == "empty" and found.best is None
    assert found.confidence_words == "no match"


def test_off_topic_input_is_rejected() -> None:
    found = NgramMatcher().match(PARCEL, "did you watch the football last night")
    assert found.rejected and found.reason == "no-match"


def test_decide_applies_threshold_margin_and_close() -> None:
    settings = Settings(threshold=0.3, margin=0.05, close=0.6)
    kwargs = {"matcher": "m", "version": "1"}
    # Best 0.29 < 0.3: no match, whatever the margin.
    assert decide(PARCEL, "x", [0.29, 0.0, 0.0], settings, **kwargs).reason == "no-match"
    # 0.50 - 0.46 = 0.04 < 0.05: ambiguous between replies 1 and 3.
    amb = decide(PARCEL, "x", [0.50, 0.0, 0.46], settings, **kwargs)
    assert (
        amb.rejected and amb.reason == "ambiguous" and [c.number for c in amb.ranked[:2]] == [1, 3]
    )
    # 0.50 - 0.40 = 0.10: heard as reply 1, below close (0.6): a rough match.
    rough = decide(PARCEL, "x", [0.50, 0.40, 0.0], settings, **kwargs)
    assert rough.best is not None and rough.best.number == 1 and rough.confidence == "rough"
    assert rough.margin == pytest.approx(0.10)
    close = decide(PARCEL, "x", [0.70, 0.10, 0.0], settings, **kwargs)
    assert close.confidence_words == CONFIDENCE_WORDS["close"] == "a close match"
    # Ties rank by authored number.
    tie = decide(PARCEL, "x", [0.5, 0.5, 0.0], settings, **kwargs)
    assert [c.number for c in tie.ranked] == [1, 2, 3] and tie.reason == "ambiguous"


def test_registry_names_versions_and_unknown_name() -> None:
    assert matcher_names()[0] == "ngram"
    m = get_matcher()
    assert (m.name, m.ready) == ("ngram", True) and m.version
    found = m.match(PARCEL, "order number please")
    assert (found.matcher, found.version) == (m.name, m.version)
    with pytest.raises(MatcherUnavailable, match="unknown matcher 'nope'"):
        get_matcher("nope")


def test_semantic_matcher_loads_from_its_wheel_and_matches() -> None:
    pytest.importorskip("wordllama")
    m = get_matcher("semantic")
    assert not m.ready
    m.load()
    assert m.ready and "wordllama" in m.version
    found = m.match(PARCEL, "could you give me the order reference number")
    assert found.best is not None and found.best.number == 1
    assert m.match(PARCEL, "what a lovely sunny day for a picnic").rejected


def test_word_for_word_flags_replies_closer_than_the_margin() -> None:
    # Replies 1 and 2 differ only in punctuation, which the matcher ignores: each
    # typed exactly scores 1.0 on both, a margin of 0 < 0.04, so ambiguous. (A
    # one-word difference is not: with IDF over the node, that word decides.)
    close = node(
        "I will refund the delivery charge today.",
        "I will refund the delivery charge, today!",
        "Deliveries are handled by our courier partner.",
    )
    found = word_for_word(NgramMatcher(), close)
    assert {(m.reply, m.heard_as, m.reason) for m in found} == {
        (1, 2, "ambiguous"),
        (2, 1, "ambiguous"),
    }
    assert word_for_word(NgramMatcher(), PARCEL) == []


def test_confusion_check_asks_for_paraphrases_on_close_pairs_until_told_apart() -> None:
    # late-birthday-parcel, check_tracking: reply 4 says reply 3's facts coldly
    # ("Label unreadable at the Northfield depot, Thursday..."), so the two share
    # most words (margin under 0.5). Without paraphrases the check asks for them;
    # with the library's paraphrases, none is mixed up, so it asks no more.
    scenario = load_scenario(shipped_dir() / "late-birthday-parcel.yaml")
    shipped = scenario.nodes["check_tracking"]
    bare = replace(shipped, choices=tuple(replace(c, paraphrases=()) for c in shipped.choices))
    report = check_node(NgramMatcher(), bare)
    assert report.closest == (3, 4) and report.margin < 0.5
    assert report.needs_paraphrases == ((3, 4),)
    told = check_node(NgramMatcher(), shipped)
    assert told.mixups == () and told.needs_paraphrases == ()


HEAD = """format: 1.1
id: t
title: T
customer: {name: C, mood: 50}
start: a
nodes:
  a:
    customer: Hi.
    choices:
"""
TAIL = """  end:
    customer: Bye.
    ending: resolved
"""


def load(choices: str, fmt: str = "1.1"):  # type: ignore[no-untyped-def]
    text = HEAD.replace("format: 1.1", f"format: {fmt}") + choices + TAIL
    return load_bytes(text.encode(), "t.yaml")


def test_loader_reads_paraphrases() -> None:
    result = load(
        "      - say: Hello there\n        paraphrases: [Hi, 'Good morning']\n        next: end\n"
    )
    assert not result.errors
    assert result.scenario is not None
    assert result.scenario.nodes["a"].choices[0].paraphrases == ("Hi", "Good morning")


@pytest.mark.parametrize(
    ("field", "line", "col", "message"),
    [
        ("paraphrases: 5\n", 11, 22, "must be a list of texts"),
        ("paraphrases: [ok, [x]]\n", 11, 27, "must be text, not a list"),
        ("paraphrases: ['', ok]\n", 11, 23, "is empty"),
        ("paraphrases: ['{agnet} here']\n", 11, 24, "only {agent} is replaced"),
    ],
)
def test_loader_errors_point_at_the_paraphrase(
    field: str, line: int, col: int, message: str
) -> None:
    result = load(f"      - say: Hello\n        {field}        next: end\n")
    errors = [p for p in result.errors if message in p.message]
    assert errors, [p.message for p in result.problems]
    assert (errors[0].line, errors[0].col) == (line, col)


def test_paraphrases_are_new_in_format_1_1() -> None:
    result = load("      - say: Hello\n        paraphrases: [Hi]\n        next: end\n", fmt="1")
    assert any(p.code == "format" and "paraphrases" in p.message for p in result.errors)


def test_repeated_paraphrase_is_a_warning() -> None:
    result = load("      - say: Hello\n        paraphrases: [hello, Hi, hi]\n        next: end\n")
    assert not result.errors
    assert [p.code for p in result.warnings] == ["duplicate", "duplicate"]


def test_too_many_paraphrases_is_an_error() -> None:
    many = ", ".join(f"'way {i}'" for i in range(21))
    result = load(f"      - say: Hello\n        paraphrases: [{many}]\n        next: end\n")
    assert any(p.code == "too-many-paraphrases" for p in result.errors)


def test_validate_strict_warns_about_confusable_replies(tmp_path: Path) -> None:
    text = (
        HEAD
        + "      - say: I'll refund the charge today.\n        next: end\n"
        + "      - say: I'll refund the charge, today!\n        next: end\n"
        + TAIL
    )
    result = load_bytes(text.encode(), "t.yaml")
    assert result.scenario is not None
    problems = confusable_problems(result.scenario, get_matcher())
    assert [(p.code, p.line, p.severity) for p in problems][:1] == [
        ("confusable-replies", 10, "warning")
    ]
    assert "replies 1 and 2 of node 'a'" in problems[0].message
