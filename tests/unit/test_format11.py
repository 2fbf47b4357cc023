"""Format 1.1: every new field loads, plays and scores as CONTRACTS.md says.

The fixture tests/fixtures/format11.yaml is small enough to score by hand:

opening  empathy (1, 2, -2) -> local 0.75, 1, 0;  assertiveness (2, -2, 0) -> 1, 0, 0.5
verify   empathy (0, 1, -2) -> local 2/3, 1, 0;   assertiveness (2, -2, 1) -> 1, 0, 0.75

Replies 1,1: empathy (0.75 + 2/3) / 2 = 70.83, assertiveness 100, 40 s, resolved.
Reply 2 alone: empathy 100, assertiveness 0, 10 s, resolved, but critical.
"""

from __future__ import annotations

import pytest

from simulator.engine import Conversation
from simulator.loader import load_bytes, load_scenario
from tests.helpers import fixture, scenario_from_text

FILE = fixture("format11.yaml")


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return load_scenario(FILE)


def test_every_new_field_is_read(scenario) -> None:  # type: ignore[no-untyped-def]
    opening = scenario.nodes["opening"]
    assert scenario.format == "1.1"
    assert scenario.shuffle is True
    assert opening.narration.startswith("The line crackles")
    assert opening.screen.startswith("Card ending 4417")
    assert scenario.nodes["verify"].speaker == "Marco (her brother)"
    assert opening.choices[0].reaction == "Fine. Go on."
    assert opening.choices[1].critical == "skipped the identity check"
    assert [o.text for o in scenario.nodes["unblocked"].outcomes] == [
        "Card unblocked without any security check.",
        "Card unblocked after Rosa passed security.",
        "Card unblocked.",
    ]
    # a node may narrate without anyone speaking
    assert scenario.nodes["gone"].customer == ""


def test_agent_placeholder_and_literal_braces(scenario) -> None:  # type: ignore[no-untyped-def]
    conv = Conversation(scenario, agent="Priya")
    assert conv.says()[0] == "It's Priya. I can see the block. Two quick security questions first?"
    assert conv.text(conv.node.screen).endswith("Ref {B-17}.")
    conv.choose(1)
    conv.choose(1)
    assert conv.closing_line == "Thanks, Priya. It's working."


def test_reaction_and_outcome_follow_what_was_said(scenario) -> None:  # type: ignore[no-untyped-def]
    conv = Conversation(scenario)
    first = conv.choose(1)
    assert first.reaction == "Fine. Go on."
    second = conv.choose(1)
    assert second.reaction == "Fifth of May, eighty-nine."
    assert conv.outcome == "Card unblocked after Rosa passed security."
    scores = conv.score(40)
    assert scores.empathy == pytest.approx(70.8333, abs=1e-3)
    assert scores.assertiveness == pytest.approx(100.0)
    assert scores.critical == 0 and scores.passed is True


def test_a_critical_reply_fails_an_otherwise_passing_call(scenario) -> None:  # type: ignore[no-untyped-def]
    conv = Conversation(scenario)
    event = conv.choose(2)
    assert event.critical == "skipped the identity check"
    assert conv.ending == "resolved"
    assert conv.outcome == "Card unblocked without any security check."
    # par 10 (its own time): speed 100, empathy 100, assertiveness 0 -> overall 66.7;
    # with a pass mark of 60 it would pass on points, but the critical reply fails it.
    scores = conv.score(10)
    assert scores.overall == pytest.approx(200 / 3)
    assert scores.critical == 1
    assert scores.passed is False
    assert [e.critical for e in conv.critical] == ["skipped the identity check"]


def test_the_fallback_outcome_when_no_variant_holds(scenario) -> None:  # type: ignore[no-untyped-def]
    conv = Conversation(scenario)
    conv.choose(1)
    conv.choose(2)  # Marco's word: critical, and neither flag is raised
    assert conv.outcome == "Card unblocked."
    assert conv.score(40).passed is False


def test_walkout_line_uses_the_agent_name(scenario) -> None:  # type: ignore[no-untyped-def]
    conv = Conversation(scenario, agent="Jo")
    conv.choose(3)  # mood 60 + 40 = 100 >= 90: she walks out at once
    assert conv.walked_out
    assert conv.closing_line == "Forget it, Jo. I'll ring another bank."
    assert conv.outcome == ""


V1 = """\
format: 1
id: old
title: Old
customer: {name: Sam, mood: 50}
start: a
nodes:
  a:
    customer: "Braces {stay} {agent}"
    choices:
      - {say: "Yes {agent}", empathy: 1, feedback: ok, next: b}
      - {say: "No", empathy: -1, feedback: Poor, next: b}
  b: {customer: Bye, ending: resolved, outcome: Done}
"""


def test_format_1_files_play_unchanged() -> None:
    scenario = scenario_from_text(V1)
    assert scenario.format == "1"
    assert scenario.shuffle is False  # format 1 keeps the authored order
    conv = Conversation(scenario, agent="Priya")
    assert conv.says() == ["Yes {agent}", "No"]
    assert conv.text(conv.node.customer) == "Braces {stay} {agent}"
    conv.choose(1)
    assert conv.outcome == "Done"


def test_shuffle_can_be_turned_off_in_1_1() -> None:
    text = V1.replace("format: 1", "format: 1.1\nshuffle: false").replace("{stay} ", "")
    assert scenario_from_text(text).shuffle is False
    assert scenario_from_text(V1.replace("format: 1", "format: 1.1").replace("{stay} ", "")).shuffle


def _problems(text: str) -> list[str]:
    return [str(p) for p in load_bytes(text.encode(), "f.yaml").problems]


V11 = V1.replace("format: 1", "format: 1.1").replace("{stay} ", "")
# Columns on line 12: '{' 6, 'outcome' 40, its value 49; an inline list's first '{' is 50.
#  1 format: 1.1   5 start: a    8     customer: "Braces {agent}"
#  2 id: old       6 nodes:      9     choices:
#  3 title: Old    7   a:       10       - {say: "Yes {agent}", ...}
#  4 customer: ..               11       - {say: "No", ...}
#                               12   b: {customer: Bye, ending: resolved, outcome: Done}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a 1.1 field in a format 1 file names the format to write
        ("    customer: \"Braces {stay} {agent}\"",
         "    customer: Hi\n    narration: She sighs.",
         "f.yaml:9:5: error: 'narration' in node 'a' is new in format 1.1 — write 'format: 1.1'"),
        ("{say: \"No\", empathy: -1", "{say: \"No\", critical: bad, empathy: -1",
         "f.yaml:11:21: error: 'critical' in reply 2 of node 'a' is new in format 1.1"),
        ("start: a", "shuffle: true\nstart: a",
         "f.yaml:5:1: error: 'shuffle' in the scenario is new in format 1.1"),
        ("outcome: Done}", "outcome: [{text: Done}]}",
         "f.yaml:12:49: error: 'outcome' in node 'b' is a list of variants, which is new in "
         "format 1.1"),
        ("format: 1\n", "format: 1.2\n",
         "f.yaml:1:9: error: unsupported format 1.2 — this version of talkdown reads 'format: 1' "
         "and 'format: 1.1'"),
    ],
)  # fmt: skip
def test_format_1_refuses_new_fields(old: str, new: str, expected: str) -> None:
    text = V1.replace(old, new)
    assert any(p.startswith(expected) for p in _problems(text)), _problems(text)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"Yes {agent}"', '"Yes {agnet}"',
         "f.yaml:10:20: error: 'say' in reply 1 of node 'a' holds '{agnet}'; only {agent} is "
         "replaced in dialogue — write {agent} for the trainee's first name, or {{ and }}"),
        ('customer: "Braces {agent}"', 'customer: "Price } here"',
         "f.yaml:8:22: error: 'customer' in node 'a' holds '}'"),
        ("outcome: Done}", "outcome: [{if: kept, text: Kept}, {text: Done}]}",
         "f.yaml:12:55: error: condition 'kept' reads flag 'kept', which no reply raises"),
        ("outcome: Done}", "outcome: [{if: mood > 5, text: A}, {if: turn > 1, text: B}]}",
         "f.yaml:12:75: error: the last outcome of node 'b' has a condition"),
        ("outcome: Done}", "outcome: [{text: A}, {text: B}]}",
         "f.yaml:12:50: error: outcome 1 of node 'b' has no 'if:' but is not the last"),
        ("outcome: Done}", "outcome: [{if: mood >, text: A}, {text: B}]}",
         "f.yaml:12:61: error: condition 'mood >'"),
        ("outcome: Done}", "outcome: [{if: mood > 5, txt: A}, {text: B}]}",
         "f.yaml:12:65: error: unknown field 'txt' in outcome 1 of node 'b'"),
        ("outcome: Done}", "outcome: []}",
         "f.yaml:12:49: error: 'outcome' in node 'b' is an empty list"),
        ("{say: \"No\", empathy: -1", "{say: \"No\", critical: '', empathy: -1",
         "f.yaml:11:31: error: 'critical' in reply 2 of node 'a' is empty"),
        ("{say: \"No\", empathy: -1", "{say: \"No\", reaction: [a], empathy: -1",
         "f.yaml:11:31: error: 'reaction' in reply 2 of node 'a' must be text, not a list"),
        ("start: a", "shuffle: sometimes\nstart: a",
         "f.yaml:5:10: error: 'shuffle' in the scenario must be true or false"),
        ('    customer: "Braces {agent}"', "    narration: ''",
         "f.yaml:8:5: error: node 'a' is missing the required field 'customer'"),
        ('    customer: "Braces {agent}"', '    customer: Hi\n    speaker: ""',
         "f.yaml:9:14: error: 'speaker' in node 'a' is empty"),
    ],
)  # fmt: skip
def test_new_field_errors_name_the_place(old: str, new: str, expected: str) -> None:
    text = V11.replace(old, new)
    assert text != V11
    problems = _problems(text)
    assert any(p.startswith(expected) for p in problems), problems


def test_an_ending_can_be_said_by_someone_else() -> None:
    text = V11.replace(
        "  b: {customer: Bye, ending: resolved, outcome: Done}",
        "  b: {narration: A pause., speaker: Team leader, customer: I'll take it from here.,"
        " ending: escalated, outcome: Done}",
    )
    conv = Conversation(scenario_from_text(text))
    assert conv.closing_speaker == "Sam"  # the customer's name until an ending says otherwise
    conv.choose(1)
    assert conv.closing_speaker == "Team leader"
    assert conv.closing_narration == "A pause."
    assert conv.closing_line == "I'll take it from here."


@pytest.mark.parametrize("written", ["21:05.", "3.50", "42"])
def test_a_line_yaml_reads_as_a_number_must_be_quoted(written: str) -> None:
    text = V11.replace("  b: {customer: Bye,", f"  b: {{narration: {written}, customer: Bye,")
    problems = _problems(text)
    assert any("'narration' in node 'b' was read as the number" in p for p in problems), problems
    assert any("put the text in quotes" in p for p in problems)
    quoted = V11.replace("  b: {customer: Bye,", f'  b: {{narration: "{written}", customer: Bye,')
    assert scenario_from_text(quoted).nodes["b"].narration == written


def test_a_bracketed_stage_direction_in_a_1_1_line_is_a_warning() -> None:
    text = V11.replace('customer: "Braces {agent}"', 'customer: "[sighs] Fine. {agent}"')
    result = load_bytes(text.encode(), "f.yaml")
    assert result.scenario is not None  # it still plays: the brackets are shown as typed
    (warning,) = [p for p in result.problems if p.code == "stage-direction"]
    assert str(warning).startswith(
        "f.yaml:8:15: warning: 'customer' in node 'a' holds a [bracketed] stage direction"
    )
    assert "narration:" in warning.hint
    # format 1 files keep their brackets without a word
    old = load_bytes(V1.encode(), "f.yaml").problems
    assert not [p for p in old if p.code == "stage-direction"]
