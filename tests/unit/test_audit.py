"""``simulator.audit``: tells, policies and warnings on scenarios worked out by hand.

Scoring reminders used below (CONTRACTS.md): a reply's local score on a
dimension is (points − worst) / (best − worst) among the replies offered at
its node; its strength is the weighted sum of its two local scores (weights
1 here unless said); a dimension is the mean of the local scores × 100;
speed is 0 unless resolved, else 100 × min(1, par / seconds); overall is the
mean of the three. Every reply in the fixtures takes the default 30 seconds
and every resolved path has the same length, so any resolved path is at par
(speed 100) whichever rule sets par.
"""

from __future__ import annotations

import random

import pytest

from simulator.audit import (
    FileAudit,
    allowed_passes,
    audit_scenario,
    strict_failures,
    summarise,
)
from simulator.audit_policies import (
    always_apologise,
    longest,
    shortest,
    turn_cap,
    warm_caver,
)
from simulator.audit_surface import (
    ReplyFacts,
    is_apology_word,
    reply_facts,
    sentence_count,
    words,
)
from simulator.engine import Conversation
from simulator.model import Choice, Route
from simulator.validate import check_file
from tests.helpers import FIXTURES, scenario_from_text

AUDIT = FIXTURES / "audit"


def audit_of(name: str, runs: int = 50) -> FileAudit:
    path = AUDIT / name
    scenario = check_file(path).scenario
    assert scenario is not None
    return audit_scenario(scenario, path=str(path), runs=runs)


def draws(seed: int, count: int, replies: int = 3) -> list[int]:
    """The 0-based picks of the random policy: ``Random(seed).randrange(n)`` per decision."""
    rng = random.Random(seed)
    return [rng.randrange(replies) for _ in range(count)]


# -- surface measures ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("I'm so sorry — really.", 4),  # the dash is not a word; I'm is one
        ("A sea-view double", 3),
        ("  ", 0),
        ("£500, today!", 2),
    ],
)
def test_words_are_tokens_with_a_letter_or_digit(text: str, count: int) -> None:
    assert len(words(text)) == count


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Hello. How are you? Fine!", 3),
        ("It costs £4.50 today", 1),  # a decimal point is not a full stop
        ("Wait... what?", 2),
        ('"Stop." She left.', 2),  # a closing quote may follow the full stop
        ("No full stop here", 1),
        ("...", 0),
        ("", 0),
        ("Right. …", 1),  # an ellipsis with no word before it is not a sentence
    ],
)
def test_sentence_count(text: str, count: int) -> None:
    assert sentence_count(text) == count


@pytest.mark.parametrize(
    ("text", "opener", "apologies"),
    [
        ("Sorry, that's wrong.", True, 1),
        ("I'm so sorry.", True, 1),
        ("I do apologise for that.", True, 1),
        ("My apologies, and I apologize again.", True, 2),
        ("Mrs Brooks, I'm so sorry.", True, 1),  # 'sorry' is the fifth word
        ("Welcome, Mrs Brooks. I'm so sorry.", False, 1),  # ... and here the sixth
        ("Apologising won't fix it.", True, 1),
        ("I'm not apologetic.", False, 0),  # not a word of the apology family
        ("A sorry-looking lamp.", False, 0),
        ("SORRY! Sorry, sorry.", True, 3),
    ],
)
def test_apology_words_and_openers(text: str, opener: bool, apologies: int) -> None:
    facts = reply_facts(Choice(say=text, routes=(Route("x"),)))
    assert facts.apology_opener is opener
    assert facts.apology_words == apologies


def test_apology_word_ignores_case_and_punctuation() -> None:
    assert is_apology_word("(Sorry!)") and is_apology_word("APOLOGIES,")
    assert not is_apology_word("sorrow") and not is_apology_word("apologetically")


# -- policies on reply facts: tie-breaks -------------------------------------------


def facts(
    words: int = 5, apologies: int = 0, empathy: int = 0, assertiveness: int = 0
) -> ReplyFacts:
    return ReplyFacts(words, 1, apologies, apologies > 0, empathy, assertiveness)


RNG = random.Random(0)


def test_length_ties_go_to_the_earlier_reply() -> None:
    replies = [facts(3), facts(7), facts(7), facts(3)]
    assert longest(replies, RNG) == 1
    assert shortest(replies, RNG) == 0


def test_always_apologise_counts_apologies_then_words() -> None:
    assert always_apologise([facts(9), facts(4, 1), facts(6, 1), facts(3, 2)], RNG) == 3
    assert always_apologise([facts(4, 1), facts(6, 1), facts(6, 1)], RNG) == 1
    assert always_apologise([facts(4), facts(8), facts(6)], RNG) == 1  # no apology: longest


def test_warm_caver_prefers_low_assertiveness_among_the_non_cold() -> None:
    # Empathy ≥ 0 first: reply 1 (assertiveness −2) is cold, so reply 3 (−1) wins.
    replies = [facts(empathy=-1, assertiveness=-2), facts(empathy=2, assertiveness=1),
               facts(empathy=0, assertiveness=-1)]  # fmt: skip
    assert warm_caver(replies, RNG) == 2
    # Equally unassertive: the warmer one, then the earlier one.
    assert warm_caver([facts(empathy=0), facts(empathy=2), facts(empathy=2)], RNG) == 1
    # Every reply is cold: the least assertive of them all.
    assert warm_caver([facts(empathy=-1, assertiveness=1), facts(empathy=-2)], RNG) == 1


# -- longest.yaml: the longest reply is always the strongest -----------------------
#
# open (start, mood 50):  r1 "Sorry."            1 word, 1 sentence   emp 0  ass 0
#                         r2 (15 words, 2 sentences)                  emp 2  ass 2
#                         r3 "Policy says no."   3 words, 1 sentence  emp −1 ass 1
#   local empathy (0,2,−1) → 1/3, 1, 0; local assertiveness (0,2,1) → 0, 1, 1/2
#   strengths 1/3, 2, 1/2 → strongest r2 (the longest, the most sentences)
# ask:  r1 "Fine, whatever you want."  4 words  emp 0  ass −1 → caved (escalated)
#       r2 (14 words, 2 sentences)              emp 1  ass 2  → fixed (resolved)
#       r3 "No."                       1 word   emp −2 ass 0  → gone (lost)
#   local empathy (0,1,−2) → 2/3, 1, 0; local assertiveness (−1,2,0) → 0, 1, 1/3
#   strengths 2/3, 2, 1/3 → strongest r2 (the longest, the most sentences)
# No reply opens with an apology except open r1, which is not strongest → 0.
# Near misses: open r3 has assertiveness 1/2, ask r1 empathy 2/3 → both decisions.
#
# Policies (emp, ass, speed → overall):
#   longest          r2, r2 → fixed   (100, 100, 100)            → 100
#   shortest         r1, r3 → gone    ((1/3+0)/2, (0+1/3)/2, 0)  → 11.11
#   first            r1, r1 → caved   ((1/3+2/3)/2, 0, 0)        → 16.67
#   last             r3, r3 → gone    (0, (1/2+1/3)/2, 0)        → 13.89
#   always_apologise r1 ("Sorry."), then no apology: longest r2 → fixed
#                                     ((1/3+1)/2, (0+1)/2, 100)  → 72.22, passes
#   warm_caver       empathy ≥ 0: {r1, r2} → least assertive r1 at both → caved → 16.67


def test_longest_tells() -> None:
    audit = audit_of("longest.yaml")
    assert audit.decisions == 2
    assert audit.tell_share("longest") == 1.0
    assert audit.tell_share("most_sentences") == 1.0
    assert audit.tell_share("apology_opener") == 0.0  # no apology opener is strongest
    assert audit.near_miss_share == 1.0
    assert audit.reaction_share == 0.0 and audit.critical_replies == 0


@pytest.mark.parametrize(
    ("policy", "passed", "overall"),
    [
        ("longest", 1, 100.0),
        ("shortest", 0, 100 / 9),
        ("first", 0, 50 / 3),
        ("last", 0, 125 / 9),
        ("always_apologise", 1, 650 / 9),
        ("warm_caver", 0, 50 / 3),
    ],
)
def test_longest_fixed_policies(policy: str, passed: int, overall: float) -> None:
    result = audit_of("longest.yaml").policies[policy]
    assert (result.runs, result.passed, result.looped) == (1, passed, 0)
    assert result.mean_overall == pytest.approx(overall)


def test_longest_random_policy_replays_its_seeds() -> None:
    # Overall of each (open pick, ask pick), from the tables above:
    #   ask r2 resolves (speed 100); ask r1 / r3 do not (speed 0).
    emp = {"open": (1 / 3, 1.0, 0.0), "ask": (2 / 3, 1.0, 0.0)}
    ass = {"open": (0.0, 1.0, 0.5), "ask": (0.0, 1.0, 1 / 3)}

    def overall(o: int, a: int) -> float:
        speed = 100.0 if a == 1 else 0.0
        return (50 * (emp["open"][o] + emp["ask"][a]) + 50 * (ass["open"][o] + ass["ask"][a])
                + speed) / 3  # fmt: skip

    # Every resolved path passes: its lowest overall is open r1 then ask r2, 72.22.
    runs = [draws(seed, 2) for seed in range(20)]
    result = audit_of("longest.yaml", runs=20).policies["random"]
    assert result.runs == 20
    assert result.passed == sum(1 for o, a in runs if a == 1)
    assert result.mean_overall == pytest.approx(sum(overall(o, a) for o, a in runs) / 20)


def test_longest_warnings_name_each_way_to_win() -> None:
    audit = audit_of("longest.yaml")
    text = "\n".join(audit.warnings)
    assert "the longest reply is the strongest at 100% of decisions (2 of 2)" in text
    assert "the reply with the most sentences is the strongest at 100%" in text
    assert "always picking the longest reply passes (overall 100.0)" in text
    assert "always picking the most apologetic reply passes (overall 72.2)" in text
    assert "reply 1" not in text and "warmest" not in text  # first and warm_caver fail
    rand = audit.policies["random"]
    assert rand.pass_rate > 0.1
    assert f"picking replies at random passes {rand.passed} of 50 runs" in text
    assert all(" — " in w for w in audit.warnings)  # each says what to do
    assert strict_failures([audit])


# -- fair.yaml and warm.yaml: three decisions, replies A (strong), B (long), C (short) ---
#
# A sits 1st, 2nd, 3rd at d1, d2, d3 (B and C around it), so 'first' meets B at
# d2 and 'last' meets C at d1. B is the longest, has the most sentences and at
# d1 and d3 opens with "I'm so sorry"; A never opens with an apology. A goes on
# (d3: to a resolved ending), B to an escalation, C to a lost ending.
#
# fair: A (emp 2, ass 2), B (−1, 1), C (1, −1)
#   local empathy (2,−1,1) → A 1, B 0, C 2/3; assertiveness (2,1,−1) → A 1, B 2/3, C 0
#   strongest A; warm_caver (empathy ≥ 0: A, C) picks C; near miss everywhere (B's 2/3).
#   longest / always_apologise: B at d1 → (0, 66.67, 0) → 22.22
#   shortest / last / warm_caver: C at d1 → (66.67, 0, 0) → 22.22
#   first: A at d1, B at d2 → ((1+0)/2, (1+2/3)/2, 0) → 44.44
#   random passes only with A at every decision: draws (0, 1, 2).
# warm: A (2, 0), B (−1, 2), C (−2, −1)
#   local empathy (2,−1,−2) → A 1, B 1/4, C 0; assertiveness (0,2,−1) → A 1/3, B 1, C 0
#   strengths A 4/3, B 5/4, C 0 → strongest A; warm_caver (empathy ≥ 0: only A) picks A
#   everywhere → (100, 33.33, 100) → 77.78, passes.


def test_fair_scenario_has_no_tells_and_no_naive_pass() -> None:
    audit = audit_of("fair.yaml")
    assert audit.decisions == 3
    assert [audit.tell_share(t) for t in ("longest", "most_sentences", "apology_opener")] == [
        0.0,
        0.0,
        0.0,
    ]
    assert audit.near_miss_share == 1.0
    for name in ("longest", "shortest", "last", "always_apologise", "warm_caver"):
        assert audit.policies[name].mean_overall == pytest.approx(200 / 9), name
    assert audit.policies["first"].mean_overall == pytest.approx(400 / 9)
    assert all(r.passed == 0 for name, r in audit.policies.items() if name != "random")
    expected = sum(1 for seed in range(50) if draws(seed, 3) == [0, 1, 2])
    assert audit.policies["random"].passed == expected <= 5
    assert audit.warnings == ()
    assert strict_failures([audit]) == []


def test_warm_scenario_is_passed_by_the_warm_caver_only() -> None:
    audit = audit_of("warm.yaml")
    passed = {name: r.passed for name, r in audit.policies.items() if name != "random"}
    assert passed == {**dict.fromkeys(passed, 0), "warm_caver": 1}
    assert audit.policies["warm_caver"].mean_overall == pytest.approx(700 / 9)
    assert audit.warnings == (
        "always picking the warmest, least assertive reply passes (overall 77.8) — make "
        "caving in cost something: a reply that gives in or skips a check should score low "
        "on assertiveness, lead somewhere worse, or be marked 'critical:'",
    )


# -- ties.yaml -----------------------------------------------------------------------
#
# t1: r1 "Yes, we can." (3 words) emp 1 ass 1; r2 "No, we can't." (3) emp 1 ass 0;
#     r3 "Hm, right." (2) emp 0 ass 0. Local empathy 1, 1, 0; assertiveness 1, 0, 0
#     → strengths 2, 1, 0: strongest r1. Longest ties r1/r2 → 1/2. Sentences: one
#     each → 1/3. No apology → 0. Near miss: r2 (empathy 1).
# t2: r1 "Sorry, I got that wrong. I'll fix it." (8 words, 2 sentences) emp 2;
#     r2 (12 words, 1 sentence) ass 2; r3 "I'm so sorry." (3 words) 0, 0.
#     Local empathy 1, 0, 0; assertiveness 0, 1, 0 → strengths 1, 1, 0: r1 and r2
#     tie for strongest. Longest r2 → 1; most sentences r1 → 1; apology openers
#     r1 and r3 → 1/2. No near miss (r3 scores 0 on both).
# 'orphan' is unreachable: its long, strong reply counts for nothing.
# Shares: longest (1/2 + 1)/2, sentences (1/3 + 1)/2, apology (0 + 1/2)/2, near miss 1/2.


def test_ties_split_and_unreachable_nodes_do_not_count() -> None:
    audit = audit_of("ties.yaml")
    assert audit.decisions == 2
    assert audit.tell_share("longest") == pytest.approx(0.75)
    assert audit.tell_share("most_sentences") == pytest.approx(2 / 3)
    assert audit.tell_share("apology_opener") == pytest.approx(0.25)
    assert audit.near_miss_share == 0.5
    assert "(1.5 of 2)" in audit.warnings[0]


def test_tells_use_the_scenarios_weights() -> None:
    # Assertiveness weighs 3: t1 strengths 1+3, 1, 0 (still r1); t2 strengths 1, 3, 0,
    # so r2 alone is strongest. Longest (1/2 + 1)/2; sentences (1/3 + 0)/2; apology
    # openers r1, r3 are both weak → 0; near miss at t1 (r2) and t2 (r1, empathy 1).
    text = (AUDIT / "ties.yaml").read_text(encoding="utf-8")
    text = text.replace("start: t1", "scoring:\n  weights: {assertiveness: 3}\nstart: t1")
    audit = audit_scenario(scenario_from_text(text))
    assert audit.tell_share("longest") == pytest.approx(0.75)
    assert audit.tell_share("most_sentences") == pytest.approx(1 / 6)
    assert audit.tell_share("apology_opener") == 0.0
    assert audit.near_miss_share == 1.0


# -- loop.yaml: reply 1 ("Again.") returns to 'hub'; reply 2 ("Fix it.") resolves -----
#
# 2 nodes, so a run stops after max(100, 3 × 2) = 100 replies. shortest ("Again."),
# first and warm_caver (both replies have empathy ≥ 0; "Again." is less assertive)
# never end: not passed, overall 0. longest, last and always_apologise reply 2 at
# once: (100, 100, 100) → 100. Random with k "Again."s before "Fix it." scores
# 100/(k+1) on each dimension (par 30s, taken 30(k+1)s) → passes only when k = 0.


def test_a_policy_that_loops_is_stopped_and_fails() -> None:
    audit = audit_of("loop.yaml")
    for name in ("shortest", "first", "warm_caver"):
        result = audit.policies[name]
        assert (result.runs, result.passed, result.mean_overall, result.looped) == (1, 0, 0.0, 1)
    for name in ("longest", "last", "always_apologise"):
        assert audit.policies[name].passed == 1
    looped = [w for w in audit.warnings if "loop" in w]
    assert len(looped) == 3
    assert all("stopped after 100 replies and counted as not passed" in w for w in looped)
    assert audit.policies["random"].passed == sum(
        1 for seed in range(50) if draws(seed, 1, 2) == [1]
    )


def test_the_turn_cap_grows_with_the_scenario() -> None:
    small = check_file(AUDIT / "loop.yaml").scenario
    assert small is not None and turn_cap(small) == 100
    nodes = "\n".join(
        f"  n{i}:\n    customer: Hi.\n    choices:\n"
        f"      - {{say: On., empathy: 1, feedback: F., next: n{i + 1}}}\n"
        f"      - {{say: Round., feedback: F., next: n0}}"
        for i in range(40)
    )
    text = (
        "format: 1\nid: chain\ntitle: Chain\nsummary: S.\ndifficulty: 1\nminutes: 1\n"
        "customer: {name: P, persona: P., mood: 50, walkout_at: 100}\nstart: n0\nnodes:\n"
        f"{nodes}\n  n40:\n    customer: Bye.\n    ending: resolved\n    outcome: Done.\n"
    )
    chain = scenario_from_text(text)
    assert turn_cap(chain) == 3 * 41  # 41 nodes: past the minimum of 100
    # 'last' always says "Round." and never leaves n0; 'first' walks the chain.
    audit = audit_scenario(chain, runs=1)
    assert audit.policies["last"].looped == 1 and audit.policies["first"].passed == 1


# -- critical.yaml (format 1.1) -------------------------------------------------------
#
# open: r1 (long) emp 2 ass 2, critical, with a reaction → resolved
#       r2 emp 1 ass 1 → resolved;  r3 "No." 0, 0 → lost
# longest / first / always_apologise (no apology: longest) pick r1: (100, 100, 100)
# → overall 100, but the critical reply fails the call. r2 scores (50, 50, 100) →
# 66.67 < 70, so nothing passes. One critical reply; reactions 1 of 3 replies.


def test_a_critical_reply_fails_an_otherwise_perfect_policy() -> None:
    audit = audit_of("critical.yaml")
    for name in ("longest", "first", "always_apologise"):
        result = audit.policies[name]
        assert (result.passed, result.mean_overall) == (0, 100.0)
    assert audit.critical_replies == 1
    assert audit.reaction_share == pytest.approx(1 / 3)
    assert not any("passes" in w for w in audit.warnings)
    assert audit.tell_share("longest") == 1.0  # the tell is still there


# -- several files ----------------------------------------------------------------------


def test_a_fixed_policy_may_pass_one_file_in_ten() -> None:
    assert [allowed_passes(n) for n in (1, 9, 10, 11, 25)] == [1, 1, 1, 1.1, 2.5]
    fair, warm = audit_of("fair.yaml"), audit_of("warm.yaml")
    assert strict_failures([fair, warm]) == []  # warm_caver passes 1 file of 2: allowed
    failures = strict_failures([fair, warm, warm])
    assert failures == [
        "warm_caver passes 2 of 3 files (at most 1 allowed): audit-warm, audit-warm"
    ]
    summary = summarise([fair, warm, warm], invalid=["broken.yaml"])
    assert summary.beaten["warm_caver"] == 2 and summary.beaten["longest"] == 0
    assert summary.flagged == {"longest": 0, "most_sentences": 0, "apology_opener": 0}
    assert summary.decisions == 9 and summary.invalid == ("broken.yaml",)
    assert summary.strict_failures == tuple(failures)


def test_library_tell_share_pools_every_decision() -> None:
    # longest.yaml: 2 of 2 decisions; ties.yaml: 1.5 of 2 → 3.5 of 4.
    summary = summarise([audit_of("longest.yaml"), audit_of("ties.yaml")])
    assert summary.tell_shares["longest"] == pytest.approx(3.5 / 4)
    assert summary.flagged["longest"] == 2


# -- the engine's restart, which the policies use -----------------------------------------


def test_a_restarted_conversation_plays_like_a_new_one() -> None:
    scenario = check_file(FIXTURES / "mini.yaml").scenario
    assert scenario is not None
    conv = Conversation(scenario)
    # mini.yaml: mood 60 → 70 ('angry') → 60 ('check') → 100: the customer walks out.
    for number in (2, 2, 2):
        conv.choose(number, latency_ms=0.0)
    assert conv.walked_out
    conv.restart()
    assert (conv.node_id, conv.mood, conv.turn, conv.finished) == ("opening", 60, 0, False)
    conv.restart()
    fresh = Conversation(scenario)
    for played in (conv, fresh):
        for number in (1, 1):
            played.choose(number, latency_ms=0.0)
    assert conv.path == fresh.path == ["opening", "check", "happy"]
    assert conv.events == fresh.events and conv.vars == fresh.vars
    assert conv.seconds == fresh.seconds and conv.score(50) == fresh.score(50)
