"""``talkdown audit``: can this scenario be beaten without thinking?

For one scenario the audit measures (CONTRACTS.md "`talkdown audit`"):

* **tells**: at each decision node a trainee can reach, which reply a surface
  rule picks (the longest, the one with the most sentences, the one that
  opens with an apology) and whether that is a strongest reply. A decision
  counts j/k when the rule ties between k replies of which j are strongest,
  and 0 when the rule picks nothing there (no reply opens with an apology).
  The share is the mean over decisions.
* **policies**: thoughtless trainees (:mod:`simulator.audit_policies`) played
  through the real engine and scored against the scenario's par.
* **near misses**: decisions where a reply that is not a strongest one still
  scores ≥ 0.5 on empathy or on assertiveness (a distractor worth thinking
  about); **reactions** and **critical** replies at reachable decisions.
* **warnings**: what lets a trainee win without judgement.
* **confusion** (typed replies, issue 14): per decision node, the margin
  between its replies and the texts the default reply matcher mixes up
  (:mod:`simulator.matching.confusion`). It is reported beside the rest and
  changes neither the warnings nor ``--strict``.

"Strongest" is always :func:`scoring.strongest_replies` with the scenario's
weights, and reachability is the analysis' own, so the audit judges a
scenario exactly as the game scores it. No Textual, no printing: the command
(:mod:`simulator.commands.audit`) renders what this module computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from scoring import reply_strengths, strongest_replies
from simulator.analysis import explore, par_for, reachability
from simulator.audit_policies import DETERMINISTIC, POLICIES, play, turn_cap
from simulator.audit_surface import (
    ReplyFacts,
    node_facts,
    pick_apology_opener,
    pick_longest,
    pick_most_sentences,
)
from simulator.engine import Conversation
from simulator.matching import get_matcher
from simulator.matching.confusion import NodeConfusion, check_nodes
from simulator.model import Node, Scenario

#: ``--runs``: seeded random play-throughs per scenario.
DEFAULT_RUNS: Final = 50
#: A tell whose share is above this is a warning (and fails ``--strict``).
TELL_LIMIT: Final = 0.5
#: ``random`` passing more than this share of its runs is a warning.
RANDOM_LIMIT: Final = 0.1
#: A deterministic policy may pass at most max(1, this share of the files audited).
LIBRARY_SHARE: Final = 0.1
#: A reply scoring at least this locally on one dimension is a near miss when not strongest.
NEAR_MISS: Final = 0.5

#: The surface rules, in report order.
TELLS: Final[Mapping[str, Callable[[Sequence[ReplyFacts]], frozenset[int]]]] = {
    "longest": pick_longest,
    "most_sentences": pick_most_sentences,
    "apology_opener": pick_apology_opener,
}

#: How each tell and policy is named to an author.
TELL_WORDS: Final[Mapping[str, str]] = {
    "longest": "the longest reply",
    "most_sentences": "the reply with the most sentences",
    "apology_opener": "a reply that opens with an apology",
}
POLICY_WORDS: Final[Mapping[str, str]] = {
    "longest": "always picking the longest reply",
    "shortest": "always picking the shortest reply",
    "first": "always picking reply 1",
    "last": "always picking the last reply",
    "always_apologise": "always picking the most apologetic reply",
    "warm_caver": "always picking the warmest, least assertive reply",
    "random": "picking replies at random",
}
_TELL_FIX: Final[Mapping[str, str]] = {
    "longest": "make the strongest reply short and plain at some decisions, and let weak "
    "replies ramble (over-explaining, excuses, scripted filler)",
    "most_sentences": "let some strong replies be one clear sentence, and give weak replies "
    "several (excuses, policy recitals)",
    "apology_opener": "open some weak replies with 'sorry' (a hollow or grovelling apology) "
    "and some strong ones without one",
}
_POLICY_FIX: Final[Mapping[str, str]] = {
    "longest": "make length no guide: strong replies that are short, weak ones that ramble",
    "shortest": "make brevity no guide: some strong replies need a few more words",
    "first": "put the strongest reply in different places at different decisions",
    "last": "put the strongest reply in different places at different decisions",
    "always_apologise": "make apologising no guide: a hollow or grovelling apology should "
    "score low, and some strong replies should fix the problem without one",
    "warm_caver": "make caving in cost something: a reply that gives in or skips a check "
    "should score low on assertiveness, lead somewhere worse, or be marked 'critical:'",
}


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """How one policy did over its runs."""

    runs: int
    passed: int
    mean_overall: float
    looped: int = 0  # runs stopped at the turn cap (counted as not passed, overall 0)

    @property
    def pass_rate(self) -> float:
        """Share of the runs that passed."""
        return self.passed / self.runs if self.runs else 0.0

    def to_json(self) -> dict[str, Any]:
        """``{"runs", "passed", "mean_overall"}`` (CONTRACTS.md)."""
        return {"runs": self.runs, "passed": self.passed, "mean_overall": self.mean_overall}


@dataclass(frozen=True, slots=True)
class FileAudit:
    """One scenario's audit."""

    path: str
    scenario_id: str
    title: str
    decisions: int
    tell_hits: Mapping[str, float]  # sum over decisions of j/k (see the module docstring)
    policies: Mapping[str, PolicyResult]
    near_misses: int
    replies: int  # replies offered at reachable decisions
    reactions: int
    critical_replies: int
    par_seconds: int | None
    complete: bool  # False: reachability stopped at its budget; figures cover what it found
    states: int
    warnings: tuple[str, ...]
    confusion: tuple[NodeConfusion, ...] = ()  # per reachable decision node, file order
    matcher: str = ""  # the reply matcher the confusion check used, "name version"

    @property
    def confusion_margin(self) -> float | None:
        """The smallest margin between two replies at any decision (None: no decisions)."""
        return min((c.margin for c in self.confusion), default=None)

    def tell_share(self, tell: str) -> float:
        """Share 0–1 of decisions where ``tell`` picks a strongest reply."""
        return self.tell_hits[tell] / self.decisions if self.decisions else 0.0

    @property
    def near_miss_share(self) -> float:
        """Share of decisions with a near-miss distractor."""
        return self.near_misses / self.decisions if self.decisions else 0.0

    @property
    def reaction_share(self) -> float:
        """Share of replies at reachable decisions that carry a ``reaction``."""
        return self.reactions / self.replies if self.replies else 0.0

    def beaten_by(self, policy: str) -> bool:
        """True when ``policy`` beats this scenario: a deterministic one passes it,
        or ``random`` passes more than :data:`RANDOM_LIMIT` of its runs."""
        result = self.policies[policy]
        if policy in DETERMINISTIC:
            return result.passed > 0
        return result.pass_rate > RANDOM_LIMIT

    def to_json(self) -> dict[str, Any]:
        """The per-file object of ``talkdown audit --format json``."""
        return {
            "scenario": self.scenario_id,
            "path": self.path,
            "decisions": self.decisions,
            "tells": {tell: self.tell_share(tell) for tell in TELLS},
            "policies": {name: result.to_json() for name, result in self.policies.items()},
            "near_miss_share": self.near_miss_share,
            "reaction_share": self.reaction_share,
            "critical_replies": self.critical_replies,
            "warnings": list(self.warnings),
            "confusion": {
                "matcher": self.matcher,
                "margin": None
                if self.confusion_margin is None
                else round(self.confusion_margin, 3),
                "nodes": [c.to_json() for c in self.confusion],
            },
        }


def decision_nodes(scenario: Scenario, reachable: Iterable[str]) -> list[Node]:
    """The reachable nodes that offer replies, in file order."""
    found = set(reachable)
    return [n for n in scenario.nodes.values() if n.id in found and not n.is_ending]


def audit_scenario(scenario: Scenario, *, path: str = "", runs: int = DEFAULT_RUNS) -> FileAudit:
    """Audit one valid scenario: tells, policies, near misses, reactions, critical, warnings."""
    reach = reachability(explore(scenario))
    decisions = decision_nodes(scenario, reach.reachable_nodes)
    weights = scenario.scoring.weights
    facts = {n.id: node_facts(n.choices) for n in scenario.nodes.values() if n.choices}

    hits = dict.fromkeys(TELLS, 0.0)
    near_misses = replies = reactions = critical = 0
    for node in decisions:
        empathy = [c.empathy for c in node.choices]
        assertiveness = [c.assertiveness for c in node.choices]
        strongest = strongest_replies(empathy, assertiveness, weights)
        for tell, rule in TELLS.items():
            picked = rule(facts[node.id])
            if picked:
                hits[tell] += len(picked & strongest) / len(picked)
        strengths = reply_strengths(empathy, assertiveness, weights)
        if any(
            i not in strongest and _near(r.empathy, r.assertiveness)
            for i, r in enumerate(strengths)
        ):
            near_misses += 1
        replies += len(node.choices)
        reactions += sum(1 for c in node.choices if c.reaction.strip())
        critical += sum(1 for c in node.choices if c.critical)  # as the engine counts

    par = par_for(scenario)
    conv = Conversation(scenario)
    policies: dict[str, PolicyResult] = {}
    for name, policy in POLICIES.items():
        seeds = range(runs) if name == "random" else range(1)
        outcomes = [play(conv, policy, facts, par=par, seed=seed) for seed in seeds]
        policies[name] = PolicyResult(
            runs=len(outcomes),
            passed=sum(1 for o in outcomes if o.passed),
            mean_overall=sum(o.overall for o in outcomes) / len(outcomes),
            looped=sum(1 for o in outcomes if o.looped),
        )

    matcher = get_matcher()
    confusion = tuple(check_nodes(matcher, decisions))
    partial = FileAudit(
        path=path,
        scenario_id=scenario.id,
        title=scenario.title,
        decisions=len(decisions),
        tell_hits=hits,
        policies=policies,
        near_misses=near_misses,
        replies=replies,
        reactions=reactions,
        critical_replies=critical,
        par_seconds=par,
        complete=reach.complete,
        states=reach.states,
        warnings=(),
        confusion=confusion,
        matcher=f"{matcher.name} {matcher.version}",
    )
    return _with_warnings(partial, turn_cap(scenario))


def _near(empathy: float | None, assertiveness: float | None) -> bool:
    return any(s is not None and s >= NEAR_MISS for s in (empathy, assertiveness))


def _count(value: float) -> str:
    """``142.5`` or ``143`` (tell hits are sums of fractions)."""
    return f"{value:.1f}" if abs(value - round(value)) > 1e-9 else str(round(value))


def _with_warnings(audit: FileAudit, cap: int) -> FileAudit:
    """``audit`` with its warnings, each ``what — what to do``."""
    out: list[str] = []
    for tell in TELLS:
        share = audit.tell_share(tell)
        if share > TELL_LIMIT:
            out.append(
                f"{TELL_WORDS[tell]} is the strongest at {share:.0%} of decisions "
                f"({_count(audit.tell_hits[tell])} of {audit.decisions}), so a trainee can "
                f"win by picking it — {_TELL_FIX[tell]}"
            )
    for name in DETERMINISTIC:
        result = audit.policies[name]
        if result.passed:
            out.append(
                f"{POLICY_WORDS[name]} passes (overall {result.mean_overall:.1f}) — "
                f"{_POLICY_FIX[name]}"
            )
    rand = audit.policies["random"]
    if rand.pass_rate > RANDOM_LIMIT:
        out.append(
            f"{POLICY_WORDS['random']} passes {rand.passed} of {rand.runs} runs "
            f"({rand.pass_rate:.0%}; more than {RANDOM_LIMIT:.0%} is too easy) — make weak "
            "replies cost more: lower points, a worse route, or 'critical:' on a reply that "
            "would fail a real call"
        )
    for name, result in audit.policies.items():
        if result.looped:
            runs = "its run" if result.runs == 1 else f"{result.looped} of {result.runs} runs"
            out.append(
                f"{POLICY_WORDS[name]} went round in a loop in {runs} (stopped after {cap} "
                "replies and counted as not passed) — give repeated mistakes a way out, "
                "such as an ending, so no trainee is trapped"
            )
    if not audit.complete:
        out.append(
            f"only part of the scenario was explored (over {audit.states:,} situations); "
            f"the figures cover the {audit.decisions} decisions found reachable — simplify "
            "the conditions or flags"
        )
    return replace(audit, warnings=tuple(out))


# -- several files ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LibrarySummary:
    """What the audit says about several files together."""

    files: int
    decisions: int
    tell_shares: Mapping[str, float]  # tell -> share over every decision audited
    flagged: Mapping[str, int]  # tell -> files where its share is above TELL_LIMIT
    beaten: Mapping[str, int]  # policy -> files it beats (see FileAudit.beaten_by)
    allowed: float  # a deterministic policy may pass at most this many files
    invalid: tuple[str, ...]  # files that could not be audited
    strict_failures: tuple[str, ...]  # why --strict fails (empty: it passes)

    def to_json(self) -> dict[str, Any]:
        """The ``library`` object of ``talkdown audit --format json``."""
        return {
            "files": self.files,
            "invalid": list(self.invalid),
            "decisions": self.decisions,
            "tells": dict(self.tell_shares),
            "tells_above_limit": dict(self.flagged),
            "policies": dict(self.beaten),
            "allowed_passes": self.allowed,
            "strict_failures": list(self.strict_failures),
        }


def allowed_passes(files: int) -> float:
    """How many files one deterministic policy may pass: max(1, 10 % of ``files``)."""
    return max(1.0, LIBRARY_SHARE * files)


def summarise(audits: Sequence[FileAudit], invalid: Iterable[str] = ()) -> LibrarySummary:
    """The library view: pooled tell shares, files flagged per tell, files beaten per policy."""
    decisions = sum(a.decisions for a in audits)
    return LibrarySummary(
        files=len(audits),
        decisions=decisions,
        tell_shares={
            tell: sum(a.tell_hits[tell] for a in audits) / decisions if decisions else 0.0
            for tell in TELLS
        },
        flagged={tell: sum(1 for a in audits if a.tell_share(tell) > TELL_LIMIT) for tell in TELLS},
        beaten={name: sum(1 for a in audits if a.beaten_by(name)) for name in POLICIES},
        allowed=allowed_passes(len(audits)),
        invalid=tuple(invalid),
        strict_failures=tuple(strict_failures(audits)),
    )


def strict_failures(audits: Sequence[FileAudit]) -> list[str]:
    """Why ``--strict`` fails (empty: it passes).

    A tell above 0.5 or ``random`` passing more than 10 % of its runs in any
    file; or a deterministic policy passing more than max(1, 10 % of the files
    audited), so one genuinely warm scenario may be passed by ``warm_caver``
    but no policy beats the library.
    """
    out: list[str] = []
    for audit in audits:
        for tell in TELLS:
            share = audit.tell_share(tell)
            if share > TELL_LIMIT:
                out.append(f"{audit.scenario_id}: {tell} tell {share:.2f} (above {TELL_LIMIT})")
        if audit.beaten_by("random"):
            rate = audit.policies["random"].pass_rate
            out.append(f"{audit.scenario_id}: random passes {rate:.0%} of its runs")
    allowed = allowed_passes(len(audits))
    for name in DETERMINISTIC:
        beaten = [a.scenario_id for a in audits if a.beaten_by(name)]
        if len(beaten) > allowed:
            out.append(
                f"{name} passes {len(beaten)} of {len(audits)} files "
                f"(at most {allowed:g} allowed): {', '.join(beaten)}"
            )
    return out
