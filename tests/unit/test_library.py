"""The shipped scenario library keeps the coverage the product promises.

These checks read the YAML files themselves (plain ``yaml.safe_load``), so the
library cannot quietly lose a situation, a channel, a difficulty level, a sin
or a technique when someone edits or deletes a scenario. The loader and
validator have their own tests; this file is about *content*.

What the library must carry (see docs/authoring.md and DESIGN.md):

* at least thirteen scenarios, every difficulty 1..5, the four key channels,
  the key industries, the seven situations and the three month-one situations
  library v2 adds (a vulnerable customer, a third party with a language
  barrier, systems down with a warm transfer) plus a formal complaint;
* per scenario: at least 12 decision nodes, endings of all three kinds, a
  mood-guarded route, a flag that is raised and later read by a condition,
  3-4 replies per decision, feedback on every reply, one clearly strongest
  reply per decision, and at least one tempting wrong reply per decision;
* across the library: every sin on at least three replies and every technique
  on at least two.
"""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

SINS = ("apathy", "brush-off", "coldness", "condescension", "robotism", "rule-book", "runaround")
TECHNIQUES = (
    "listen",
    "acknowledge",
    "apologise",
    "take-ownership",
    "mutual-ground",
    "explain-decision",
    "offer-options",
    "set-timeline",
    "ask-ideal-outcome",
    "hold-boundary",
    "follow-up",
    "log-recurring",
)
VOCABULARY = frozenset(SINS) | frozenset(TECHNIQUES)

MIN_SCENARIOS = 13
MIN_DECISIONS = 12
MIN_PER_SIN = 3
MIN_PER_TECHNIQUE = 2
REPLIES_PER_DECISION = range(3, 5)  # the library uses 3 or 4 replies per decision
ENDING_KINDS = ("resolved", "escalated", "lost")
CHANNELS_REQUIRED = ("phone", "chat", "in-person", "social")
MODELINE = "# yaml-language-server: $schema=./scenario.schema.json"

# Topic tags (the scenario's free-form `tags:`) that stand for each industry.
# One of the alternatives on each line must appear somewhere in the library.
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "retail": ("retail",),
    "broadband/telecom": ("broadband", "telecom", "mobile"),
    "airline": ("airline",),
    "bank": ("bank",),
    "software support": ("software", "saas"),
    "utilities": ("utilities", "energy"),
    "restaurant or hotel": ("restaurant", "hotel"),
}

# The situations the issue lists, each as the topic tag that marks it.
SITUATIONS: dict[str, str] = {
    "a late or lost order": "late-order",
    "a refund outside policy": "refund",
    "a recurring fault from a repeat caller about to cancel": "repeat-caller",
    "a public complaint on social media": "public-complaint",
    "a customer who is factually wrong and rude": "factually-wrong",
    "a demand for a manager": "manager-request",
    "an abusive customer where ending the call is right": "abusive-customer",
    "a vulnerable or distressed customer": "vulnerable-customer",
    "a third-party caller (consent, data protection)": "third-party",
    "a language barrier": "language-barrier",
    "systems down or an answer the agent doesn't know": "system-outage",
    "a warm transfer done right": "warm-transfer",
    "a formal complaint heading for the ombudsman": "formal-complaint",
}

# A mood condition: `mood` compared with a number somewhere in the `if:`.
MOOD_ATOM = re.compile(r"\bmood\s*(<=|>=|==|!=|<|>)\s*-?\d+")
NAME = re.compile(r"[a-z][a-z0-9_]*")
KEYWORDS = frozenset({"and", "or", "not", "mood", "turn", "empathy", "assertiveness"})


def _library_dir() -> Path:
    return Path(str(resources.files("scenarios")))


def _scenario_files() -> list[Path]:
    return sorted(p for p in _library_dir().iterdir() if p.suffix in (".yaml", ".yml"))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a YAML mapping"
    return data


FILES = _scenario_files()
LIBRARY: dict[str, dict[str, Any]] = {p.name: _load(p) for p in FILES}


def _decisions(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {nid: n for nid, n in data["nodes"].items() if n.get("choices")}


def _replies(data: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
    return [
        (nid, number, choice)
        for nid, node in _decisions(data).items()
        for number, choice in enumerate(node["choices"], 1)
    ]


def _conditions(data: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for _nid, _number, choice in _replies(data):
        nxt = choice.get("next")
        if isinstance(nxt, list):
            out.extend(str(route["if"]) for route in nxt if "if" in route)
    return out


def _flags_read(condition: str) -> set[str]:
    # Numbers are not names, and VAR/keywords are not flags.
    return {w for w in NAME.findall(condition) if w not in KEYWORDS}


def _strongest(data: dict[str, Any], node: dict[str, Any]) -> frozenset[int]:
    """The strongest replies at ``node`` by the scoring module's one definition."""
    from scoring import strongest_replies

    weights = data.get("scoring", {}).get("weights", {})
    w = SimpleNamespace(
        empathy=weights.get("empathy", 1), assertiveness=weights.get("assertiveness", 1), speed=1
    )
    choices = node["choices"]
    return strongest_replies(
        [int(c.get("empathy", 0)) for c in choices],
        [int(c.get("assertiveness", 0)) for c in choices],
        w,
    )


# -- the library as a whole ------------------------------------------------------


def test_library_has_enough_scenarios() -> None:
    assert len(FILES) >= MIN_SCENARIOS, (
        f"the shipped library has {len(FILES)} scenarios; it must have at least {MIN_SCENARIOS}"
    )


def test_every_difficulty_level_is_used() -> None:
    used = {data["difficulty"] for data in LIBRARY.values()}
    missing = sorted(set(range(1, 6)) - used)
    assert not missing, f"no scenario at difficulty {missing}"


def test_key_channels_are_covered() -> None:
    used = {data["channel"] for data in LIBRARY.values()}
    missing = [c for c in CHANNELS_REQUIRED if c not in used]
    assert not missing, f"no scenario on channel(s) {missing}"


def test_key_industries_are_covered() -> None:
    topics = {t for data in LIBRARY.values() for t in data.get("tags", [])}
    missing = [name for name, tags in INDUSTRIES.items() if not topics.intersection(tags)]
    assert not missing, f"no scenario tagged for industry: {missing}"


def test_every_situation_is_covered() -> None:
    topics = {t for data in LIBRARY.values() for t in data.get("tags", [])}
    missing = [what for what, tag in SITUATIONS.items() if tag not in topics]
    assert not missing, f"no scenario covers (topic tag missing): {missing}"


def test_public_complaint_is_on_social_media() -> None:
    public = [d["id"] for d in LIBRARY.values() if "public-complaint" in d.get("tags", [])]
    assert any(LIBRARY[f"{i}.yaml"]["channel"] == "social" for i in public), (
        f"the public-complaint scenario(s) {public} must include one on channel 'social'"
    )


def test_every_sin_appears_on_at_least_three_replies() -> None:
    counts = Counter(t for data in LIBRARY.values() for _, _, c in _replies(data)
                     for t in c.get("tags", []))  # fmt: skip
    short = {s: counts[s] for s in SINS if counts[s] < MIN_PER_SIN}
    assert not short, (
        f"sins on fewer than {MIN_PER_SIN} replies across the library: {short} "
        "(write wrong replies that commit them)"
    )


def test_every_technique_appears_on_at_least_two_replies() -> None:
    counts = Counter(t for data in LIBRARY.values() for _, _, c in _replies(data)
                     for t in c.get("tags", []))  # fmt: skip
    short = {t: counts[t] for t in TECHNIQUES if counts[t] < MIN_PER_TECHNIQUE}
    assert not short, (
        f"techniques on fewer than {MIN_PER_TECHNIQUE} replies across the library: {short}"
    )


def test_vocabulary_matches_the_simulator() -> None:
    tags = pytest.importorskip("simulator.tags")
    assert set(tags.SINS) == set(SINS)
    assert set(tags.TECHNIQUES) == set(TECHNIQUES)


# -- each scenario -----------------------------------------------------------------


@pytest.fixture(params=[p.name for p in FILES])
def scenario(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, LIBRARY[request.param]


def test_file_starts_with_modeline_and_is_named_by_id(scenario: tuple[str, dict[str, Any]]) -> None:
    name, data = scenario
    text = (_library_dir() / name).read_text(encoding="utf-8")
    assert text.startswith(MODELINE), f"{name}: first line must be the schema modeline"
    assert Path(name).stem == data["id"], f"{name}: the file name must be '<id>.yaml'"


def test_enough_decision_nodes(scenario: tuple[str, dict[str, Any]]) -> None:
    name, data = scenario
    count = len(_decisions(data))
    assert count >= MIN_DECISIONS, f"{name}: {count} decision nodes; at least {MIN_DECISIONS}"


def test_all_three_ending_kinds(scenario: tuple[str, dict[str, Any]]) -> None:
    name, data = scenario
    kinds = {n.get("ending") for n in data["nodes"].values()}
    missing = [k for k in ENDING_KINDS if k not in kinds]
    assert not missing, f"{name}: no ending of kind {missing}"


def test_has_a_mood_guarded_route(scenario: tuple[str, dict[str, Any]]) -> None:
    name, data = scenario
    assert any(MOOD_ATOM.search(c) for c in _conditions(data)), (
        f"{name}: no route with a mood condition (e.g. 'if: mood >= 70')"
    )


def test_a_raised_flag_changes_a_later_route(scenario: tuple[str, dict[str, Any]]) -> None:
    name, data = scenario
    raised = {f for _, _, c in _replies(data) for f in c.get("set", [])}
    read = set().union(*(_flags_read(c) for c in _conditions(data)))
    assert raised & read, (
        f"{name}: no flag is both raised by 'set:' and read by an 'if:' "
        f"(raised {sorted(raised)}, read {sorted(read)})"
    )


def test_three_or_four_replies_per_decision(scenario: tuple[str, dict[str, Any]]) -> None:
    name, data = scenario
    bad = {nid: len(n["choices"]) for nid, n in _decisions(data).items()
           if len(n["choices"]) not in REPLIES_PER_DECISION}  # fmt: skip
    assert not bad, f"{name}: decisions without 3-4 replies: {bad}"


def test_every_reply_has_feedback_and_known_tags(scenario: tuple[str, dict[str, Any]]) -> None:
    name, data = scenario
    no_feedback = [f"{nid} #{n}" for nid, n, c in _replies(data)
                   if not str(c.get("feedback", "")).strip()]  # fmt: skip
    unknown = {f"{nid} #{n}": sorted(set(c.get("tags", [])) - VOCABULARY)
               for nid, n, c in _replies(data) if set(c.get("tags", [])) - VOCABULARY}  # fmt: skip
    assert not no_feedback, f"{name}: replies without feedback: {no_feedback}"
    assert not unknown, f"{name}: tags outside the sin/technique vocabulary: {unknown}"


def test_each_decision_has_one_clearly_strongest_reply(
    scenario: tuple[str, dict[str, Any]],
) -> None:
    name, data = scenario
    ties = [nid for nid, node in _decisions(data).items() if len(_strongest(data, node)) != 1]
    assert not ties, f"{name}: decisions where two replies tie for strongest: {ties}"


def test_each_decision_teaches_something(scenario: tuple[str, dict[str, Any]]) -> None:
    """The strongest reply names a technique; some other reply is a real mistake."""
    name, data = scenario
    untagged_best, no_mistake = [], []
    for nid, node in _decisions(data).items():
        choices = node["choices"]
        (index,) = _strongest(data, node)
        best = choices[index]
        if not set(best.get("tags", [])) & set(TECHNIQUES):
            untagged_best.append(nid)
        others = [c for c in choices if c is not best]
        negative = [int(c.get("empathy", 0)) + int(c.get("assertiveness", 0)) < 0 for c in others]
        if not any(set(c.get("tags", [])) & set(SINS) for c in others) and not any(negative):
            no_mistake.append(nid)
    assert not untagged_best, f"{name}: strongest reply has no technique tag at {untagged_best}"
    assert not no_mistake, (
        f"{name}: no tempting wrong reply (sin or negative points) at {no_mistake}"
    )


def test_the_strongest_reply_is_not_always_in_the_same_place(
    scenario: tuple[str, dict[str, Any]],
) -> None:
    name, data = scenario
    positions = set()
    for node in _decisions(data).values():
        positions |= {i + 1 for i in _strongest(data, node)}
    assert len(positions) > 1, f"{name}: the strongest reply is always number {positions}"


def test_passes_the_strict_validator(scenario: tuple[str, dict[str, Any]]) -> None:
    validate = pytest.importorskip("simulator.validate")
    if not hasattr(validate, "check_file"):
        pytest.skip("simulator.validate.check_file is not available")
    name, _data = scenario
    report = validate.check_file(_library_dir() / name)
    problems = [f"{p.line}:{p.col} {p.severity}: {p.message}" for p in report.problems]
    assert not report.failed(strict=True), f"{name}: {problems}"


# -- the authoring guide's example --------------------------------------------------

AUTHORING_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "authoring.md"
FENCED_YAML = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def test_authoring_guide_example_is_a_valid_scenario(tmp_path: Path) -> None:
    """The complete example in docs/authoring.md keeps passing the strict validator."""
    if not AUTHORING_GUIDE.is_file():
        pytest.skip("docs/authoring.md is not beside the tests (installed package)")
    blocks = [b for b in FENCED_YAML.findall(AUTHORING_GUIDE.read_text(encoding="utf-8"))
              if b.startswith(MODELINE)]  # fmt: skip
    assert blocks, "docs/authoring.md has no complete example starting with the modeline"
    example = blocks[0]
    data = yaml.safe_load(example)
    path = tmp_path / f"{data['id']}.yaml"
    path.write_text(example, encoding="utf-8")
    kinds = {n.get("ending") for n in data["nodes"].values()}
    assert set(ENDING_KINDS) <= kinds, "the guide's example should show all three endings"
    validate = pytest.importorskip("simulator.validate")
    report = validate.check_file(path)
    problems = [f"{p.line}:{p.col} {p.severity}: {p.message}" for p in report.problems]
    assert not report.failed(strict=True), f"the guide's example: {problems}"
