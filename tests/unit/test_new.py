"""``talkdown new``: a valid, commented starting scenario, written safely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.analysis import analyze
from simulator.cli import cli
from simulator.loader import load_scenario
from simulator.scaffold import EXPERT_CHOICES, MODELINE, SCHEMA_FILE, scenario_template
from simulator.schema import schema_text
from simulator.validate import check_file


def new(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["new", *args])
    return result.exit_code, result.output


def test_writes_a_scenario_that_validates_strictly(tmp_path: Path) -> None:
    code, out = new("late-parcel", "--dir", str(tmp_path))
    assert code == 0, out
    target = tmp_path / "late-parcel.yaml"
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    assert MODELINE == "# yaml-language-server: $schema=./scenario.schema.json"
    assert check_file(target).problems == ()
    result = CliRunner().invoke(cli, ["validate", "--strict", str(target)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()
    assert f"wrote {target}" in out


def test_run_plays_it_to_a_resolved_ending(tmp_path: Path) -> None:
    new("late-parcel", "--dir", str(tmp_path))
    target = str(tmp_path / "late-parcel.yaml")
    choices = ",".join(map(str, EXPERT_CHOICES))
    result = CliRunner().invoke(cli, ["run", target, "--choices", choices, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ending"] == "resolved"
    assert data["passed"] is True
    assert data["scenario"] == "late-parcel"


def test_it_shows_every_feature_it_promises(tmp_path: Path) -> None:
    new("late-parcel", "--dir", str(tmp_path))
    scenario = load_scenario(tmp_path / "late-parcel.yaml")
    decisions = [n for n in scenario.nodes.values() if not n.is_ending]
    assert len(decisions) == 4
    assert {n.ending for n in scenario.nodes.values() if n.is_ending} == {
        "resolved", "escalated", "lost",
    }  # fmt: skip
    conditions = [
        r.condition for n in decisions for c in n.choices for r in c.routes if r.condition
    ]
    assert any("mood" in c.variables for c in conditions)
    assert any(c.flags & scenario.flags_used for c in conditions)
    # Every ending kind can actually be reached, and nothing is dead weight.
    result = analyze(scenario)
    assert all(result.endings[kind] is not None for kind in ("resolved", "escalated", "lost"))
    assert result.unreachable_nodes == () and result.stuck_nodes == ()
    assert result.expert is not None and result.expert.choices == EXPERT_CHOICES
    assert "#" in (tmp_path / "late-parcel.yaml").read_text(encoding="utf-8").split("nodes:")[1]


def test_it_uses_every_format_1_1_field(tmp_path: Path) -> None:
    new("late-parcel", "--dir", str(tmp_path))
    scenario = load_scenario(tmp_path / "late-parcel.yaml")
    nodes = scenario.nodes.values()
    choices = [c for n in nodes for c in n.choices]
    assert scenario.format == "1.1" and scenario.shuffle is True
    assert any(n.narration for n in nodes) and any(n.screen for n in nodes)
    assert any(c.reaction for c in choices) and any(c.critical for c in choices)
    assert any(len(n.outcomes) > 1 for n in nodes)
    assert "{agent}" in (tmp_path / "late-parcel.yaml").read_text(encoding="utf-8")


def test_the_audit_finds_no_way_to_beat_it_without_thinking(tmp_path: Path) -> None:
    new("late-parcel", "--dir", str(tmp_path))
    result = CliRunner().invoke(
        cli, ["audit", str(tmp_path / "late-parcel.yaml"), "--strict", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["warnings"] == []
    assert all(p["passed"] == 0 for name, p in report["policies"].items() if name != "random")


def test_its_replies_do_not_give_the_answer_away(tmp_path: Path) -> None:
    """The strongest reply is neither always the longest nor always in one place."""
    from scoring import strongest_reply

    new("late-parcel", "--dir", str(tmp_path))
    scenario = load_scenario(tmp_path / "late-parcel.yaml")
    weights = scenario.scoring.weights
    strongest, longest = [], []
    for node in scenario.nodes.values():
        if node.choices:
            strongest.append(
                strongest_reply(
                    [c.empathy for c in node.choices],
                    [c.assertiveness for c in node.choices],
                    weights,
                )
            )
            longest.append(max(range(len(node.choices)),
                               key=lambda i: len(node.choices[i].say.split())))  # fmt: skip
    assert len(set(strongest)) > 1  # not always the first (or second…) reply
    assert sum(s == lg for s, lg in zip(strongest, longest, strict=True)) <= len(strongest) // 2


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "late-parcel.yaml"
    target.write_text("# my work\n", encoding="utf-8")
    code, out = new("late-parcel", "--dir", str(tmp_path))
    assert code == 1
    assert "already exists" in out and "--force" in out
    assert target.read_text(encoding="utf-8") == "# my work\n"
    code, _ = new("late-parcel", "--dir", str(tmp_path), "--force")
    assert code == 0
    assert target.read_text(encoding="utf-8") == scenario_template("late-parcel")


def test_keeps_an_existing_schema_file(tmp_path: Path) -> None:
    schema = tmp_path / SCHEMA_FILE
    schema.write_text("{}\n", encoding="utf-8")
    code, out = new("late-parcel", "--dir", str(tmp_path))
    assert code == 0
    assert schema.read_text(encoding="utf-8") == "{}\n"
    assert SCHEMA_FILE not in out


def test_creates_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    code, _ = new("x1", "--dir", str(folder))
    assert code == 0
    assert (folder / "x1.yaml").is_file() and (folder / SCHEMA_FILE).is_file()


@pytest.mark.parametrize("bad", ["Late-Parcel", "late_parcel", "-late", "late parcel", "ünï", ""])
def test_rejects_invalid_ids(tmp_path: Path, bad: str) -> None:
    code, out = new("--dir", str(tmp_path), "--", bad)  # '--': '-late' is not an option
    assert code == 2
    assert "lowercase letters, digits and hyphens" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("tricky", ["yes", "123", "null", "on"])
def test_ids_yaml_would_misread_stay_text(tmp_path: Path, tricky: str) -> None:
    code, out = new(tricky, "--dir", str(tmp_path))
    assert code == 0, out
    scenario = load_scenario(tmp_path / f"{tricky}.yaml")
    assert scenario.id == tricky
    assert check_file(tmp_path / f"{tricky}.yaml").problems == ()


def test_template_function_rejects_bad_ids() -> None:
    with pytest.raises(ValueError):
        scenario_template("Bad")
