"""The diagram writers: golden files, escaping of hostile text, walkout, linearity.

Regenerate the golden files after an intended change with
``TALKDOWN_UPDATE_GOLDEN=1 pytest tests/unit/test_diagram.py``.
"""

from __future__ import annotations

import gc
import os
import random
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.diagram import (
    mermaid_text,
    render,
    snippet,
    to_dot,
    to_mermaid,
    walkout_edges,
)
from simulator.loader import load_scenario
from simulator.model import Choice, Customer, Node, Route, Scenario

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("TALKDOWN_UPDATE_GOLDEN") == "1"

# A Mermaid label may hold entity codes, never a raw quote (it would end the label).
MERMAID_ENTITY = re.compile(r"#(?:quot|amp|lt|gt|\d+);")
MERMAID_NODE = re.compile(r'^  (\w+)(?:\["(.*)"\]|\(\["(.*)"\]\)|\(\("(.*)"\)\))$')
MERMAID_EDGE = re.compile(r'^  (\w+) (-->|-\.->)\|"([^"]*)"\| (\w+)$')
MERMAID_PLAIN_EDGE = re.compile(r"^  (\w+) --> (\w+)$")
MERMAID_STYLE = re.compile(r"^  (classDef \w+ [\w:#,.-]+|class [\w,]+ \w+)$")
DOT_STRING = r'"(?:[^"\\\n]|\\.)*"'
DOT_ATTR = rf"(?:, \w+=(?:{DOT_STRING}|[\w.]+))"
DOT_NODE = re.compile(rf"^  ({DOT_STRING}) \[(label=({DOT_STRING}){DOT_ATTR}*)\];$")
DOT_EDGE = re.compile(
    rf"^  ({DOT_STRING}) -> ({DOT_STRING})(?: \[label=({DOT_STRING}){DOT_ATTR}*\])?;$"
)


def load(name: str) -> Scenario:
    return load_scenario(FIXTURES / name)


def mermaid_unescape(text: str) -> str:
    named = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}

    def one(m: re.Match[str]) -> str:
        code = m.group(0)[1:-1]
        return named[code] if code in named else chr(int(code))

    return MERMAID_ENTITY.sub(one, text)


def dot_unescape(quoted: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), quoted[1:-1])


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"differs from {path} (see module docstring)"


# -- golden files ------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["mini", "authoring_walkout"])
@pytest.mark.parametrize(("fmt", "suffix"), [("mermaid", "mmd"), ("dot", "dot")])
def test_golden(fixture: str, fmt: str, suffix: str) -> None:
    check_golden(f"{fixture}.{suffix}", render(load(f"{fixture}.yaml"), fmt))


@pytest.mark.parametrize(("fmt", "suffix"), [("mermaid", "mmd"), ("dot", "dot")])
def test_cli_writes_the_same_text(tmp_path: Path, fmt: str, suffix: str) -> None:
    out = tmp_path / f"mini.{suffix}"
    result = CliRunner().invoke(
        cli, ["graph", str(FIXTURES / "mini.yaml"), "--format", fmt, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == (GOLDEN / f"mini.{suffix}").read_text("utf-8")
    stdout = CliRunner().invoke(cli, ["graph", str(FIXTURES / "mini.yaml"), "--format", fmt])
    assert stdout.output == out.read_text(encoding="utf-8")


def test_cli_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nid: Bad Id\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["graph", str(bad)]).exit_code == 1
    mini = str(FIXTURES / "mini.yaml")
    assert CliRunner().invoke(cli, ["graph", mini, "--format", "png"]).exit_code == 2
    assert CliRunner().invoke(cli, ["graph"]).exit_code == 2


# -- what the diagram says ------------------------------------------------------------


def test_mermaid_marks_endings_start_routes_and_walkout() -> None:
    text = to_mermaid(load("mini.yaml"))
    lines = text.splitlines()
    assert lines[1] == "flowchart TD"
    assert '  start(("start"))' in lines
    assert "  start --> n_opening" in lines
    assert "  class start,n_opening start" in lines
    assert "  class n_happy resolved" in lines
    assert "  class n_escalated escalated" in lines
    assert "  class n_meh,walkout lost" in lines
    # Each ending kind has its own style.
    styles = {ln.split()[1]: ln.split()[2] for ln in lines if ln.startswith("  classDef")}
    assert len({styles["resolved"], styles["escalated"], styles["lost"]}) == 3
    # Reply 2 at 'opening' is guarded: one edge per route, in order.
    assert '  n_opening -->|"2: if mood #gt;= 70"| n_angry' in lines
    assert '  n_opening -->|"2: otherwise"| n_check' in lines
    assert '  n_check -->|"1: if promised"| n_happy' in lines
    assert '  n_angry -->|"2"| n_check' in lines
    # Walkout: from 'check' only. By hand: 'opening' is only ever at mood 60
    # (60 + 10 = 70 < 90); 'check' can be reached at 70 (opening reply 2 with
    # conditions ignored), and its reply 2 adds 40 → 110 ≥ 90.
    walk = [ln for ln in lines if "walkout" in ln and "-.->" in ln]
    assert walk == ['  n_check -.->|"2: if mood reaches 90"| walkout']
    assert '  walkout(["customer walks out (mood 90+)"])' in lines


def test_every_reply_route_is_an_edge() -> None:
    scenario = load("mini.yaml")
    routes = sum(len(c.routes) for n in scenario.nodes.values() for c in n.choices)
    mermaid = to_mermaid(scenario)
    dot = to_dot(scenario)
    assert sum(1 for ln in mermaid.splitlines() if MERMAID_EDGE.match(ln) and "-->" in ln) == routes
    dot_edges = [ln for ln in dot.splitlines() if DOT_EDGE.match(ln)]
    assert len(dot_edges) == routes + 1 + 1  # + start arrow + one walkout arrow


def test_dot_shapes_and_colours_differ_by_ending() -> None:
    dot = to_dot(load("mini.yaml"))
    attrs = {}
    for line in dot.splitlines():
        m = DOT_NODE.match(line)
        if m:
            attrs[dot_unescape(m.group(1))] = m.group(2)
    endings = ("happy", "escalated", "meh")
    shapes = {re.findall(r"shape=(\w+)", attrs[n])[0] for n in endings}
    fills = {re.findall(r'fillcolor="([^"]+)"', attrs[n])[0] for n in endings}
    assert len(shapes) == 3 and len(fills) == 3
    assert "penwidth" in attrs["opening"]  # the start node stands out
    assert '  "__start__" -> "opening";' in dot.splitlines()
    assert '  "opening" -> "angry" [label="2: if mood >= 70"];' in dot.splitlines()


def test_no_walkout_node_when_mood_cannot_reach_walkout_at() -> None:
    # authoring_guarded: walkout_at 100. Highest moods by hand (conditions
    # ignored): greet 50 → angry/probe 70 → probe reply 2 (+10) reaches 80 < 100.
    scenario = load("authoring_guarded.yaml")
    assert any(c.mood > 0 for n in scenario.nodes.values() for c in n.choices)
    assert walkout_edges(scenario) == {}
    assert "walkout" not in to_mermaid(scenario)
    assert "__walkout__" not in to_dot(scenario)


def test_walkout_only_from_replies_that_can_reach_it() -> None:
    # authoring_walkout: start 70, walkout_at 90. open reply 2 (+10) → 80: no
    # walkout from 'open'; 'deal' at 80 then reply 1 (+15) → 95: walkout.
    scenario = load("authoring_walkout.yaml")
    assert walkout_edges(scenario) == {"deal": [1]}


def test_walkout_is_not_routed_past() -> None:
    # authoring_nasty: 'end' at 50, reply 2 adds 30 → 80 ≥ 70 every time, so
    # its routes are never taken: 'a_b' is reached (for walkout purposes) only
    # from 'a-b' reply 2, at 50 + 5 = 55, and its replies add nothing.
    assert walkout_edges(load("authoring_nasty.yaml")) == {"end": [2]}


def tiny(nodes: dict[str, Node], *, mood: int = 50, walkout_at: int = 90) -> Scenario:
    return Scenario("t", "T", "", 1, 1, Customer("C", "", mood, walkout_at), "a", nodes)


def reply(mood: int, *routes: tuple[str, str | None]) -> Choice:
    from simulator.conditions import parse_condition

    return Choice(
        f"say {mood} {routes}",
        tuple(Route(goto, parse_condition(cond) if cond else None) for goto, cond in routes),
        mood=mood,
    )


def test_walkout_respects_mood_conditions() -> None:
    # a (50): reply 1 → 80, and 'mood >= 70' sends it to 'hot'; only reply 2
    # (+0) reaches 'cool', at 50. So 'cool' reply 1 (+20) reaches 70 < 90: no
    # walkout there (ignoring the condition, 'cool' would seem reachable at 80
    # and walk out); 'hot' reply 1 (+15) from 80 reaches 95: walkout.
    end = Node("end", "Bye.", ending="resolved")
    start = (reply(30, ("hot", "mood >= 70"), ("cool", None)), reply(0, ("cool", None)))
    scenario = tiny(
        {
            "a": Node("a", "A", start),
            "hot": Node("hot", "H", (reply(15, ("end", None)), reply(-5, ("end", None)))),
            "cool": Node("cool", "C", (reply(20, ("end", None)), reply(0, ("end", None)))),
            "end": end,
        }
    )
    assert walkout_edges(scenario) == {"hot": [1]}


def test_walkout_around_a_loop() -> None:
    # 'a' (50) reply 1 adds 10 and loops back: 60, 70, 80; from 80 it makes 90.
    end = Node("end", "Bye.", ending="resolved")
    rising = (reply(10, ("a", None)), reply(0, ("end", None)))
    assert walkout_edges(tiny({"a": Node("a", "A", rising), "end": end})) == {"a": [1]}
    falling = (reply(-10, ("a", None)), reply(0, ("end", None)))
    calm = tiny({"a": Node("a", "A", falling), "end": end})
    assert walkout_edges(calm) == {}


def test_mood_sets_and_condition_splits() -> None:
    from simulator.conditions import parse_condition
    from simulator.diagram import FULL_MOODS, condition_moods, shift_moods

    assert shift_moods(1 << 95, 10) == 1 << 100  # clamped at 100
    assert shift_moods(1 << 5, -10) == 1  # clamped at 0
    assert shift_moods(0b110, 1) == 0b1100
    below_60 = (1 << 60) - 1
    assert condition_moods(parse_condition("mood < 60")) == (below_60, FULL_MOODS & ~below_60)
    # A flag may be either way: the route may be taken below 60, may be missed anywhere.
    assert condition_moods(parse_condition("vip and mood < 60")) == (below_60, FULL_MOODS)
    assert condition_moods(parse_condition("turn > 3")) == (FULL_MOODS, FULL_MOODS)


# -- escaping ---------------------------------------------------------------------------


def test_mermaid_escapes_hostile_text() -> None:
    scenario = load("authoring_nasty.yaml")
    text = to_mermaid(scenario, width=400)
    lines = text.splitlines()
    assert lines[0] == "%% talkdown graph: scenario authoring-nasty"
    assert lines[1] == "flowchart TD"
    labels: dict[str, str] = {}
    for line in lines[2:]:
        node = MERMAID_NODE.match(line)
        edge = MERMAID_EDGE.match(line)
        assert node or edge or MERMAID_PLAIN_EDGE.match(line) or MERMAID_STYLE.match(line), line
        if node:
            labels[node.group(1)] = next(g for g in node.groups()[1:] if g is not None)
    for label in labels.values():
        bare = MERMAID_ENTITY.sub("", label.replace("<br/>", " "))
        assert not set(bare) & set('"#%<>&`|[]{}'), label
    # Ids: prefixed (no keyword 'end'/'graph'), and a-b / a_b stay distinct.
    assert {"n_end", "n_a_b", "n_a_b_2", "n_graph", "walkout", "start"} == set(labels)
    assert "%%{" not in text.split("\n", 1)[1]
    assert "<script>" not in text
    # The text survives: decoding the entities gives back the one-line original.
    head, line = labels["n_end"].split("<br/>")
    assert head == "end"
    assert mermaid_unescape(line) == (
        "He said \"no\" [twice] {really} #1 <script>alert('x')</script> & more"
    )
    assert mermaid_unescape(labels["n_a_b"].split("<br/>")[1]) == (
        '%%{init: {"theme": "dark"}}%% line two | pipe `tick` back\\slash \\n #quot; &amp;'
    )
    assert mermaid_unescape(labels["n_graph"].split("<br/>")[1]) == 'Ünïcödé ✓ — "done" tab cr'
    assert '  n_end -->|"2: if vip or (mood #gt;= 60 and not vip)"| n_a_b_2' in lines


def test_dot_escapes_hostile_text() -> None:
    text = to_dot(load("authoring_nasty.yaml"), width=400)
    lines = text.splitlines()
    assert lines[1] == 'digraph "authoring-nasty" {'
    assert lines[-1] == "}"
    labels: dict[str, str] = {}
    for line in lines[2:-1]:
        node = DOT_NODE.match(line)
        assert node or DOT_EDGE.match(line) or re.match(r"^  (graph|node|edge) \[", line), line
        if node:
            labels[dot_unescape(node.group(1))] = dot_unescape(node.group(3))
    assert labels["end"] == (
        "end\nHe said \"no\" [twice] {really} #1 <script>alert('x')</script> & more"
    )
    assert labels["a-b"].split("\n")[1] == (
        '%%{init: {"theme": "dark"}}%% line two | pipe `tick` back\\slash \\n #quot; &amp;'
    )
    assert labels["graph"] == 'graph (resolved)\nÜnïcödé ✓ — "done" tab cr'
    assert "\r" not in text and "\t" not in text


def test_mermaid_text_escapes_in_one_pass() -> None:
    assert mermaid_text('#quot; "') == "#35;quot; #quot;"
    assert mermaid_text("a<b>&c") == "a#lt;b#gt;#amp;c"


def test_snippet_cuts_at_a_word_and_flattens_lines() -> None:
    assert snippet("short") == "short"
    assert snippet("one\n  two\tthree") == "one two three"
    long = "I have been waiting for forty minutes and nobody has called me back at all"
    cut = snippet(long, 40)
    assert cut.endswith("…") and len(cut) <= 40
    assert long.startswith(cut[:-1])
    assert cut == "I have been waiting for forty minutes…"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_graphviz_accepts_the_output(tmp_path: Path) -> None:  # pragma: no cover
    for name in ("mini.yaml", "authoring_nasty.yaml"):
        src = tmp_path / "g.dot"
        src.write_text(to_dot(load(name)), encoding="utf-8")
        subprocess.run(["dot", "-Tsvg", str(src), "-o", str(tmp_path / "g.svg")], check=True)
        svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and 'class="node"' in svg  # drawn, with nodes


# -- linear time ---------------------------------------------------------------------------


def synthetic(nodes: int, seed: int = 1) -> Scenario:
    """A branching DAG like benchmarks.generate: three replies, forward routes, some guarded."""
    from simulator.conditions import parse_condition

    rng = random.Random(seed)
    guard = parse_condition("mood >= 80")
    table: dict[str, Node] = {}
    for i in range(nodes):
        targets = [f"n{j}" for j in range(i + 1, min(nodes, i + 4))] or ["end"]
        choices = []
        for c in range(3):
            routes: tuple[Route, ...] = (Route(rng.choice(targets)),)
            if rng.random() < 0.15:
                routes = (Route(rng.choice(targets), guard), *routes)
            choices.append(
                Choice(f"Reply {c} at {i}", routes, empathy=c, mood=rng.choice((-10, 0, 5, 15)))
            )
        line = f"[line {i}] The customer says something at step {i}."
        table[f"n{i}"] = Node(f"n{i}", line, tuple(choices))
    table["end"] = Node("end", "Bye.", ending="resolved")
    return Scenario("synthetic", "Synthetic", "", 1, 1, Customer("C", "", 60, 100), "n0", table)


def _best_time(scenario: Scenario, runs: int = 5) -> float:
    """CPU seconds of the fastest of ``runs`` (garbage collector off, as timeit does)."""
    best = float("inf")
    for _ in range(runs):
        gc.disable()
        try:
            t0 = time.process_time()
            to_mermaid(scenario)
            to_dot(scenario)
            best = min(best, time.process_time() - t0)
        finally:
            gc.enable()
    return best


def test_writers_are_not_quadratic() -> None:
    # Linear work measures ~4-5x per 4x nodes here (memory effects add a
    # little); quadratic work would be ~16x.
    small, large = synthetic(400), synthetic(1600)
    _best_time(small, 1)  # warm up
    ratio = _best_time(large) / _best_time(small)
    assert ratio < 6, f"4x the nodes took {ratio:.1f}x the time"


def test_the_docs_example_is_current(tmp_path: Path) -> None:
    """docs/authoring.md draws the file 'talkdown new broken-lamp' writes; keep it in step."""
    docs = ROOT / "docs" / "authoring.md"
    text = docs.read_text(encoding="utf-8") if docs.is_file() else ""
    section = text.partition("## Seeing the shape of a scenario")[2]
    if "```mermaid\n" not in section:
        pytest.skip("the docs section with the example diagram is not there")
    block = section.split("```mermaid\n", 1)[1].split("```", 1)[0]
    from simulator.scaffold import scenario_template

    source = tmp_path / "broken-lamp.yaml"
    source.write_text(scenario_template("broken-lamp"), encoding="utf-8")
    assert block == to_mermaid(load_scenario(source))
