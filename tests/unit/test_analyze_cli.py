"""``talkdown analyze``: figures checked against small scenarios worked out by hand.

Scoring reminders used below (DESIGN.md / CONTRACTS.md): a decision's local
score is (chosen − worst) / (best − worst) among the replies at that node (a
node whose offered points are all equal does not count for that dimension);
a dimension is the mean × 100; speed is 0 unless resolved, else
100 × min(1, par / seconds); overall is the mean of the three (weights 1).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.commands.analyze import count_text

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
GUARDED = str(FIXTURES / "authoring_guarded.yaml")
WALKOUT = str(FIXTURES / "authoring_walkout.yaml")


def analyze_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["analyze", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def analyze_text(*args: str) -> str:
    result = CliRunner().invoke(cli, ["analyze", *args])
    assert result.exit_code == 0, result.output
    return result.output


def picks(path: dict[str, Any] | None) -> list[int] | None:
    return None if path is None else path["choices"]


# -- authoring_guarded.yaml: a mood-guarded route and a flag -------------------------
#
# Start greet at mood 50, walkout_at 100 (never reached). Local scores:
#   greet  empathy (2, 0) → r1 1, r2 0;  assertiveness (0, 1) → r1 0, r2 1
#   probe  empathy (1, 0) → r1 1, r2 0;  assertiveness (1, 0) → r1 1, r2 0
#   angry  empathy (1, 0) → r1 1, r2 0;  assertiveness (2, 0) → r1 1, r2 0
# Paths (state = node, mood, flags):
#   greet r1: mood 40, raises 'listened' → probe(40, L)
#     probe r1 (+0, 20s): 'listened' → fixed        [1,1]   resolved 10+20 = 30s
#     probe r2 (+10, 5s): → gave_up                 [1,2]   lost     10+5  = 15s
#   greet r2: mood 70, guard 'mood >= 70' holds → angry(70)
#     angry r2 (40s): → manager                     [2,2]   escalated 10+40 = 50s
#     angry r1 (−30, 30s): → probe(40, no flag)
#       probe r1: no 'listened' → gave_up           [2,1,1] lost 10+30+20 = 60s
#       probe r2: → gave_up                         [2,1,2] lost 10+30+5  = 45s
# 5 complete paths; par = 30 ([1,1]). Scores (empathy, assertiveness, speed → overall):
#   [1,1]   (1,1)/2=100, (0,1)/2=50, 100·30/30=100 → 250/3 = 83.33
#   [1,2]   (1,0)=50,    (0,0)=0,    0            →  50/3 = 16.67
#   [2,2]   (0,0)=0,     (1,0)=50,   0            →  50/3 = 16.67 (tie: 50s > 15s)
#   [2,1,1] (0,1,1)=66.67, (1,1,1)=100, 0         → 166.67/3 = 55.56
#   [2,1,2] (0,1,0)=33.33, (1,1,0)=66.67, 0       → 100/3 = 33.33
# Worst ties go to fewer seconds. The only way to 'fixed' is greet 1 then
# probe 1, so greet 2, probe 2 and both angry replies are dead. 'orphan' is
# unreachable and flat (both replies carry the same points and mood).


def test_guarded_endings_and_par() -> None:
    data = analyze_json(GUARDED)
    assert data["scenario"] == "authoring-guarded"
    assert data["start"] == "greet" and data["mood"] == 50 and data["flags"] == []
    assert data["par_seconds"] == 30
    # The only resolved path, [1,1], has assertiveness 50 < 70: no competent path.
    assert data["par_rule"] == "resolved" and data["par_exact"] is True
    endings = data["endings"]
    assert picks(endings["resolved"]) == [1, 1] and endings["resolved"]["seconds"] == 30
    assert endings["resolved"]["path"] == ["greet", "probe", "fixed"]
    assert picks(endings["escalated"]) == [2, 2] and endings["escalated"]["seconds"] == 50
    assert picks(endings["lost"]) == [1, 2] and endings["lost"]["seconds"] == 15
    assert endings["lost"]["ending_node"] == "gave_up"


def test_guarded_best_worst_expert_and_counts() -> None:
    data = analyze_json(GUARDED)
    assert data["exact"] is True and data["bounds"] is None
    assert data["path_count"] == 5 and data["path_count_exact"] is True
    best, worst = data["best"], data["worst"]
    assert picks(best["overall"]) == [1, 1]
    assert best["overall"]["overall"] == pytest.approx(250 / 3)
    assert best["overall"]["assertiveness"] == pytest.approx(50)
    assert picks(worst["overall"]) == [1, 2]
    assert worst["overall"]["overall"] == pytest.approx(50 / 3)
    assert picks(best["empathy"]) == [1, 1] and best["empathy"]["empathy"] == pytest.approx(100)
    assert picks(worst["empathy"]) == [2, 2] and worst["empathy"]["empathy"] == pytest.approx(0)
    assert picks(best["assertiveness"]) == [2, 1, 1]
    assert best["assertiveness"]["assertiveness"] == pytest.approx(100)
    assert best["assertiveness"]["overall"] == pytest.approx(500 / 9)
    assert picks(worst["assertiveness"]) == [1, 2]
    assert picks(best["speed"]) == [1, 1] and best["speed"]["speed"] == pytest.approx(100)
    assert picks(worst["speed"]) == [1, 2] and worst["speed"]["speed"] == 0
    assert picks(data["expert_path"]) == [1, 1]
    assert data["expert_path"]["passed"] is True


def test_guarded_flat_dead_unreachable_stuck() -> None:
    data = analyze_json(GUARDED)
    assert data["flat_nodes"] == ["orphan"]
    assert data["unreachable_nodes"] == ["orphan"]
    assert data["stuck_nodes"] == []
    assert data["dead_replies"] == [
        {"node": "greet", "reply": 2},
        {"node": "probe", "reply": 2},
        {"node": "angry", "reply": 1},
        {"node": "angry", "reply": 2},
    ]
    # 6 reachable nodes; at most 9 distinct (node, mood, flags) states by hand
    # (greet 50; probe 40 L; probe 40; angry 70; fixed 40 L; manager 70;
    # gave_up 50 L / 40 / 50). The analysis may merge states that cannot differ.
    assert 6 <= data["states"] <= 9


def test_guarded_preview_with_lower_mood() -> None:
    # --mood 40: greet r2 → 60 < 70, so the guard fails and it goes to probe(60)
    # without the flag; angry and manager become unreachable. Paths: [1,1]
    # resolved 30s, [1,2] lost 15s, [2,1] lost 30s, [2,2] lost 15s → 4, par 30.
    data = analyze_json(GUARDED, "--mood", "40")
    assert data["mood"] == 40
    assert data["path_count"] == 4
    assert data["par_seconds"] == 30
    assert data["endings"]["escalated"] is None
    assert picks(data["endings"]["resolved"]) == [1, 1]
    assert data["unreachable_nodes"] == ["angry", "orphan", "manager"]
    assert {"node": "greet", "reply": 2} in data["dead_replies"]


def test_guarded_preview_with_flag_raised() -> None:
    # --set listened: the angry branch can now resolve: [2,1,1] resolved 60s.
    # Its overall: (66.67 + 100 + 100·30/60) / 3 = 72.22 < 83.33, so the
    # expert path stays [1,1]; only probe 2 and angry 2 are dead.
    data = analyze_json(GUARDED, "--set", "listened")
    assert data["flags"] == ["listened"]
    assert data["path_count"] == 5 and data["par_seconds"] == 30
    assert picks(data["expert_path"]) == [1, 1]
    assert picks(data["best"]["assertiveness"]) == [2, 1, 1]
    assert data["best"]["assertiveness"]["overall"] == pytest.approx((200 / 3 + 100 + 50) / 3)
    assert data["dead_replies"] == [{"node": "probe", "reply": 2}, {"node": "angry", "reply": 2}]


def test_guarded_preview_from_a_node_that_cannot_resolve() -> None:
    # --from angry (mood 50): r1 → probe(20) without the flag → lost either
    # way; r2 → manager. 3 paths, no resolved ending, so no par and no expert.
    data = analyze_json(GUARDED, "--from", "angry")
    assert data["start"] == "angry"
    assert data["path_count"] == 3
    assert data["par_seconds"] is None and data["expert_path"] is None
    assert data["endings"]["resolved"] is None
    text = analyze_text(GUARDED, "--from", "angry")
    assert "a preview" in text
    assert any(re.fullmatch(r"  resolved +— +— +not reachable", ln) for ln in text.splitlines())
    assert "Par:     none (no resolved ending can be reached)" in text
    assert "Expert:  no resolved path" in text


# -- authoring_walkout.yaml: the walkout decides ------------------------------------
#
# Start open at mood 70, walkout_at 90. Local scores:
#   open  empathy (2, 0) → r1 1, r2 0;       assertiveness (0, 2) → r1 0, r2 1
#   deal  empathy (0, 1, 0) → r2 1, else 0;  assertiveness (1, 0, 0) → r1 1, else 0
# Paths:
#   [1,1] 70−10=60, +15=75 → fixed       resolved 30+10 = 40s
#   [1,2] 60, −5=55 → fixed              resolved 30+40 = 70s
#   [1,3] → supervisor                   escalated 30+60 = 90s
#   [2,1] 70+10=80, +15=95 ≥ 90: WALKOUT lost     10+10 = 20s
#   [2,2] 80, −5=75 → fixed              resolved 10+40 = 50s
#   [2,3] → supervisor                   escalated 10+60 = 70s
# Ignoring the walkout, par would be 20s ([2,1]); respecting it, par = 40s.
# No resolved path is competent (empathy and assertiveness both ≥ 70):
# [1,1] 50/50, [1,2] 100/0, [2,2] 50/50, so par falls back to the fastest
# resolved path (CONTRACTS "Par and the expert path").
#   [1,1] (1,0)=50, (0,1)=50, 100·40/40=100 → 200/3 = 66.67
#   [1,2] (1,1)=100, (0,0)=0, 100·40/70=57.14 → 52.38
#   [1,3] 50, 0, 0 → 16.67      [2,1] 0, 100, 0 → 33.33
#   [2,2] 50, 50, 80 → 60       [2,3] 0, 50, 0 → 16.67 (ties [1,3]; 70s < 90s)
# Only deal 3 lies on no path to a resolved ending.


def test_walkout_par_and_endings() -> None:
    data = analyze_json(WALKOUT)
    assert data["par_seconds"] == 40
    assert data["par_rule"] == "resolved" and data["par_exact"] is True
    lost = data["endings"]["lost"]
    assert picks(lost) == [2, 1] and lost["seconds"] == 20
    assert lost["ending_node"] is None and lost["path"] == ["open", "deal"]
    assert picks(data["endings"]["resolved"]) == [1, 1]
    assert picks(data["endings"]["escalated"]) == [2, 3]
    assert data["endings"]["escalated"]["seconds"] == 70


def test_walkout_best_worst_and_counts() -> None:
    data = analyze_json(WALKOUT)
    assert data["path_count"] == 6 and data["path_count_exact"] and data["exact"]
    best, worst = data["best"], data["worst"]
    assert picks(best["overall"]) == [1, 1]
    assert best["overall"]["overall"] == pytest.approx(200 / 3)
    assert picks(worst["overall"]) == [2, 3]
    assert worst["overall"]["overall"] == pytest.approx(50 / 3)
    assert picks(best["empathy"]) == [1, 2]
    assert best["empathy"]["speed"] == pytest.approx(400 / 7)
    assert best["empathy"]["overall"] == pytest.approx((100 + 0 + 400 / 7) / 3)
    assert picks(worst["empathy"]) == [2, 1]  # 0, at 20s (walkout) before [2,3] at 70s
    assert picks(best["assertiveness"]) == [2, 1]
    assert best["assertiveness"]["ending"] == "lost"
    assert picks(worst["assertiveness"]) == [1, 2]
    assert picks(worst["speed"]) == [2, 1]
    assert picks(data["expert_path"]) == [1, 1]
    assert data["dead_replies"] == [{"node": "deal", "reply": 3}]
    assert data["flat_nodes"] == [] and data["unreachable_nodes"] == []


def test_walkout_preview_at_high_mood() -> None:
    # --mood 85: open r2 → 95: walkout at once ([2], 10s). open r1 → 75, then
    # deal r1 → 90: walkout; r2 → 70 → fixed (30+40 = 70s); r3 → supervisor.
    # 4 paths; par 70; expert [1,2]: (1,1)=100, (0,0)=0, 100 → 66.67.
    # Dead: open 2 (always walks out), deal 1 (always walks out), deal 3.
    data = analyze_json(WALKOUT, "--mood", "85")
    assert data["path_count"] == 4
    assert data["par_seconds"] == 70
    assert picks(data["expert_path"]) == [1, 2]
    assert data["expert_path"]["overall"] == pytest.approx(200 / 3)
    assert picks(data["endings"]["lost"]) == [2]
    assert data["endings"]["lost"]["path"] == ["open"]
    assert data["dead_replies"] == [
        {"node": "open", "reply": 2},
        {"node": "deal", "reply": 1},
        {"node": "deal", "reply": 3},
    ]


def test_walkout_text_report() -> None:
    text = analyze_text(WALKOUT)
    lines = text.splitlines()
    assert lines[0] == "Walkout decides (authoring-walkout)"
    assert "Start:   node 'open', mood 70" in lines
    assert "complete paths: 6" in lines[2]
    assert "  resolved      40s  1,1      open → deal → fixed" in lines
    assert "  lost          20s  2,1      open → deal → walks out" in lines
    at = lines.index("Par:     40s — the fastest resolved path")
    assert lines[at + 1] == (
        "         (no resolved path is competent: no critical reply; empathy and "
        "assertiveness each at least 70)"
    )
    assert "Expert:  replies 1,1 — open → deal → fixed, 40s, speed 100.0, overall 66.7" in lines
    assert any(ln.startswith("  overall") and "66.7" in ln and "16.7" in ln for ln in lines)
    assert "Replies on no path to a resolved ending: deal 3" in lines
    assert "Unreachable nodes: none" in lines
    assert "Flat nodes (every reply scores the same): none" in lines


# -- more paths than can be listed -----------------------------------------------------


def chain(tmp_path: Path, steps: int, *, assertiveness: bool = True) -> str:
    """``steps`` nodes in a row, each with three replies to the next: 3**steps paths.

    Reply 1 is the strongest and fastest everywhere (empathy 2, 1, 0 and, if
    ``assertiveness``, the same assertiveness; seconds 10, 11, 12).
    """
    lines = [
        "format: 1", "id: chain", "title: Chain", "summary: x", "difficulty: 1", "minutes: 1",
        "customer: {name: C, persona: x, mood: 50, walkout_at: 100}", "start: s0", "nodes:",
    ]  # fmt: skip
    for i in range(steps):
        nxt = f"s{i + 1}" if i + 1 < steps else "done"
        lines += [f"  s{i}:", f"    customer: Step {i}", "    choices:"]
        for r in range(3):
            lines += [
                f"      - say: Reply {r}", f"        empathy: {2 - r}",
                f"        assertiveness: {2 - r if assertiveness else 0}",
                f"        seconds: {10 + r}", "        feedback: f", f"        next: {nxt}",
            ]  # fmt: skip
    lines += ["  done:", "    customer: Bye", "    ending: resolved"]
    path = tmp_path / "chain.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_too_many_paths_gives_bounds(tmp_path: Path) -> None:
    # 11 steps × 3 replies: 3**11 = 177,147 paths (over the 100,000 listed
    # exactly), all resolved. Par = 11 × 10s = 110s, by always replying 1,
    # which is also the strongest: best overall = 100. The worst path replies
    # 3 everywhere: empathy 0, assertiveness 0, speed 100 × 110/132 = 83.33,
    # overall 27.78. The count may be exact or a lower bound past the limit.
    source = chain(tmp_path, 11)
    data = analyze_json(source)
    assert data["exact"] is False
    assert 100_000 < data["path_count"] <= 3**11
    if data["path_count_exact"]:
        assert data["path_count"] == 3**11
    assert data["par_seconds"] == 110
    assert picks(data["expert_path"]) == [1] * 11
    assert set(data["bounds"]) == {"best", "worst"}
    truth: dict[str, dict[str, float]] = {
        "best": {"empathy": 100, "assertiveness": 100, "speed": 100, "overall": 100},
        "worst": {"empathy": 0, "assertiveness": 0, "speed": 1000 / 12, "overall": 250 / 9},
    }
    for side, dims in truth.items():
        for dim, value in dims.items():
            low, high = data["bounds"][side][dim]
            assert 0 <= low <= high <= 100, (side, dim, low, high)
            assert low - 1e-9 <= value <= high + 1e-9, (side, dim, low, high, value)
    text = analyze_text(source)
    more = r"complete paths: (177,147|more than 100,000 \(at least 177,147\))$"
    assert re.search(more, text, re.M)
    assert "too many paths to check each" in text
    assert re.search(r"^  overall +100\.0 \.\. 100\.0 ", text, re.M)


def test_bounds_when_a_dimension_is_never_assessed(tmp_path: Path) -> None:
    # The same chain with every assertiveness 0: assertiveness is not assessed
    # on any path, so overall = mean(empathy, speed); replying 1 everywhere
    # gives (100 + 100) / 2 = 100, the true best overall. Replying 3
    # everywhere: empathy 0, speed 100 × 110/132 → overall 41.67, the worst.
    source = chain(tmp_path, 11, assertiveness=False)
    data = analyze_json(source)
    assert data["exact"] is False
    assert data["best"]["overall"]["overall"] == pytest.approx(100)
    assert data["best"]["overall"]["assertiveness"] is None
    low, high = data["bounds"]["best"]["overall"]
    assert low <= 100 <= high
    low, high = data["bounds"]["worst"]["overall"]
    assert low <= 125 / 3 <= high
    assert data["bounds"]["best"]["assertiveness"] is None
    assert data["bounds"]["worst"]["assertiveness"] is None
    text = analyze_text(source)
    assert re.search(r"^  assertiveness +not assessed +not assessed$", text, re.M)


def test_count_text_says_more_than_when_counting_stopped() -> None:
    stopped = SimpleNamespace(path_count=100_001, path_count_exact=False, complete=True)
    assert count_text(stopped) == "more than 100,000"  # type: ignore[arg-type]
    bound = SimpleNamespace(path_count=177_147, path_count_exact=False, complete=True)
    assert count_text(bound) == "more than 100,000 (at least 177,147)"  # type: ignore[arg-type]
    # Paths are counted by walking them, which does not need every state explored.
    walked = SimpleNamespace(path_count=42, path_count_exact=True, complete=False)
    assert count_text(walked) == "42"  # type: ignore[arg-type]
    # The walk's budget ran out after 42 paths, well short of the limit.
    cut = SimpleNamespace(path_count=42, path_count_exact=False, complete=True)
    assert (
        count_text(cut)  # type: ignore[arg-type]
        == "at least 42 (counting stopped: too complex to analyse exactly)"
    )


# -- errors and exit codes ----------------------------------------------------------------


def test_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nid: x\nnodes: {}\n", encoding="utf-8")
    assert runner.invoke(cli, ["analyze", str(bad)]).exit_code == 1
    result = runner.invoke(cli, ["analyze", GUARDED, "--from", "nowhere"])
    assert result.exit_code == 1 and "no node 'nowhere'" in result.output
    result = runner.invoke(cli, ["analyze", GUARDED, "--set", "listend"])
    assert result.exit_code == 1 and "did you mean 'listened'" in result.output
    assert runner.invoke(cli, ["analyze", GUARDED, "--mood", "101"]).exit_code == 2
    assert runner.invoke(cli, ["analyze", GUARDED, "--format", "xml"]).exit_code == 2
    assert runner.invoke(cli, ["analyze"]).exit_code == 2


def test_json_has_every_documented_key() -> None:
    data = analyze_json(str(FIXTURES / "mini.yaml"))
    for key in (
        "scenario", "start", "par_seconds", "par_rule", "par_exact", "endings",
        "endings_unknown", "best", "worst", "exact", "bounds", "expert_path", "path_count",
        "path_count_exact", "flat_nodes", "dead_replies", "unreachable_nodes", "stuck_nodes",
        "states", "notes",
    ):  # fmt: skip
        assert key in data, key
    assert set(data["endings"]) == {"resolved", "escalated", "lost"}
    assert set(data["best"]) == set(data["worst"]) == {
        "empathy", "assertiveness", "speed", "overall",
    }  # fmt: skip
