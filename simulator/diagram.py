"""Diagrams of a scenario's graph: Mermaid (GitHub, GitLab, editors) and Graphviz DOT.

Both writers are our own, not ``transitions``' ``MermaidGraph``/``GraphMachine``:
those need a live ``Machine`` built with our callbacks, label edges with trigger
and callback names rather than reply numbers and ``if:`` text, do not escape
untrusted text for Mermaid's entity syntax (a ``"`` or ``%%{init}%%`` in a
customer line would break or reconfigure the chart), and give no control over
per-ending styles or the walkout node. Ours read the immutable ``Scenario``
only, escape every label for its format, are deterministic (golden-file
tested) and run in time linear in the scenario's size: each writer appends
strings to one list and joins it once.

Every node is labelled with its id and the start of the customer's line;
endings are styled by kind (resolved / escalated / lost); the start is marked;
each reply is an edge labelled with its number and, on guarded routes, its
condition (``2: if mood >= 85``, then ``2: otherwise``). When some reply can
push mood to ``walkout_at``, the walkout is drawn as its own lost node with a
dashed edge from each node where that can happen (see :func:`walkout_edges`).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from typing import Final

from simulator.model import Choice, Node, Route, Scenario
from simulator.rules import clamp_mood

LABEL_WIDTH: Final = 40  # characters of the customer's line shown in a node
WALKOUT_ID: Final = "walkout"  # Mermaid id; scenario ids are prefixed, so it never clashes
START_ID: Final = "start"
WALKOUT_LABEL: Final = "customer walks out"

ENDING_STYLES: Final[dict[str, tuple[str, str, str]]] = {
    # kind: (fill, stroke, text colour) — shared by both writers
    "resolved": ("#d8f0dc", "#2e7d32", "#1b4d20"),
    "escalated": ("#fff1c7", "#b26a00", "#5c3a00"),
    "lost": ("#f9d6d9", "#c62828", "#6d0f0f"),
}
START_STYLE: Final = ("#e3f0fd", "#1565c0", "#0d3c75")
DOT_SHAPES: Final[dict[str, str]] = {
    "resolved": "doubleoctagon",
    "escalated": "hexagon",
    "lost": "octagon",
}

_SPACE_RE: Final = re.compile(r"\s+")
_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_MERMAID_ID_RE: Final = re.compile(r"[^A-Za-z0-9_]")

# One pass over each character (str.translate), so an entity is never re-escaped.
_MERMAID_ESCAPES: Final = str.maketrans(
    {
        '"': "#quot;",
        "#": "#35;",
        "&": "#amp;",
        "<": "#lt;",
        ">": "#gt;",
        "%": "#37;",  # no %% comment or %%{init}%% directive can form
        "`": "#96;",  # no markdown string
        "|": "#124;",  # edge labels are delimited by |
        "[": "#91;",
        "]": "#93;",
        "{": "#123;",
        "}": "#125;",
    }
)
_DOT_ESCAPES: Final = str.maketrans({"\\": "\\\\", '"': '\\"'})


def one_line(text: str) -> str:
    """``text`` on one line: control characters dropped, whitespace runs made one space."""
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub("", text)).strip()


def snippet(text: str, width: int = LABEL_WIDTH) -> str:
    """The start of ``text`` on one line, cut at a word boundary with ``…`` if longer."""
    flat = one_line(text)
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    space = cut.rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def mermaid_text(text: str) -> str:
    """Escape one-line text for a double-quoted Mermaid label (entity codes)."""
    return text.translate(_MERMAID_ESCAPES)


def dot_text(text: str) -> str:
    """Escape one-line text for a double-quoted DOT string."""
    return text.translate(_DOT_ESCAPES)


def mermaid_ids(scenario: Scenario) -> dict[str, str]:
    """A unique, safe Mermaid id per node: ``n_`` + the id with other characters as ``_``.

    The prefix keeps ids clear of Mermaid keywords (``end``, ``graph``, …) and
    of the ``o``/``x`` edge-head letters; clashes after sanitising get ``_2``, ``_3``…
    """
    out: dict[str, str] = {}
    used = {WALKOUT_ID, START_ID}
    for node_id in scenario.nodes:
        base = "n_" + _MERMAID_ID_RE.sub("_", node_id)
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate)
        out[node_id] = candidate
    return out


def route_label(number: int, choice: Choice, route: Route) -> str:
    """``2``, or ``2: if mood >= 85`` / ``2: otherwise`` on a reply with guarded routes."""
    if route.condition is not None:
        return f"{number}: if {one_line(route.condition.text)}"
    if len(choice.routes) > 1:
        return f"{number}: otherwise"
    return str(number)


def walkout_edges(scenario: Scenario) -> dict[str, list[int]]:
    """Decision node → numbers of its replies that may push mood to ``walkout_at``.

    A forward pass bounds the moods each node can be reached with from the
    start by an interval (conditions ignored, so it never hides a real
    walkout); a reply can end the call when the top of its node's interval
    plus its own ``mood`` reaches ``walkout_at``, and it routes on only the
    moods below that. An interval only widens, at most 100 times a side, so
    the pass stays linear in the scenario's size.
    """
    nodes = scenario.nodes
    walkout_at = scenario.customer.walkout_at
    first = min(scenario.customer.mood, walkout_at - 1)
    span: dict[str, tuple[int, int]] = {scenario.start: (first, first)}
    queue = deque([scenario.start])
    queued = {scenario.start}
    out: dict[str, set[int]] = {}
    while queue:
        node_id = queue.popleft()
        queued.discard(node_id)
        low, high = span[node_id]
        for number, choice in enumerate(nodes[node_id].choices, 1):
            after_low = clamp_mood(low + choice.mood)
            after_high = clamp_mood(high + choice.mood)
            if after_high >= walkout_at:
                out.setdefault(node_id, set()).add(number)
            if after_low >= walkout_at:
                continue  # every mood it can be made at walks out
            reach = (after_low, min(after_high, walkout_at - 1))
            for route in choice.routes:
                goto = route.goto
                if goto not in nodes:
                    continue
                old = span.get(goto)
                wide = reach if old is None else (min(old[0], reach[0]), max(old[1], reach[1]))
                if wide != old:
                    span[goto] = wide
                    if goto not in queued:
                        queued.add(goto)
                        queue.append(goto)
    return {n: sorted(out[n]) for n in nodes if n in out}  # file order, for stable output


def walkout_label(numbers: list[int], walkout_at: int) -> str:
    """``2, 3: if mood reaches 90``."""
    return f"{', '.join(map(str, numbers))}: if mood reaches {walkout_at}"


def _node_text(node: Node, width: int) -> tuple[str, str]:
    """(first line, second line) of a node's label, unescaped."""
    head = node.id if node.ending is None else f"{node.id} ({node.ending})"
    return head, snippet(node.customer, width)


def _routes(node: Node) -> Iterator[tuple[str, str]]:
    """(destination, label) for each route of each reply, in file order."""
    for number, choice in enumerate(node.choices, 1):
        for route in choice.routes:
            yield route.goto, route_label(number, choice, route)


def to_mermaid(scenario: Scenario, *, width: int = LABEL_WIDTH) -> str:
    """A Mermaid ``flowchart`` of the scenario (paste into a ```mermaid block)."""
    ids = mermaid_ids(scenario)
    walkouts = walkout_edges(scenario)
    out: list[str] = [f"%% talkdown graph: scenario {scenario.id}", "flowchart TD"]
    out.append(f'  {START_ID}(("start"))')
    out.append(f"  {START_ID} --> {ids[scenario.start]}")
    by_kind: dict[str, list[str]] = {kind: [] for kind in ENDING_STYLES}
    for node in scenario.nodes.values():
        head, line = _node_text(node, width)
        label = mermaid_text(head) + ("<br/>" + mermaid_text(line) if line else "")
        if node.ending is None:
            out.append(f'  {ids[node.id]}["{label}"]')
        else:
            out.append(f'  {ids[node.id]}(["{label}"])')
            by_kind[node.ending].append(ids[node.id])
    if walkouts:
        text = mermaid_text(f"{WALKOUT_LABEL} (mood {scenario.customer.walkout_at}+)")
        out.append(f'  {WALKOUT_ID}(["{text}"])')
        by_kind["lost"].append(WALKOUT_ID)
    for node in scenario.nodes.values():
        src = ids[node.id]
        for goto, label in _routes(node):
            dest = ids.get(goto)
            if dest is not None:
                out.append(f'  {src} -->|"{mermaid_text(label)}"| {dest}')
        numbers = walkouts.get(node.id)
        if numbers:
            label = mermaid_text(walkout_label(numbers, scenario.customer.walkout_at))
            out.append(f'  {src} -.->|"{label}"| {WALKOUT_ID}')
    for kind, (fill, stroke, color) in ENDING_STYLES.items():
        out.append(f"  classDef {kind} fill:{fill},stroke:{stroke},color:{color}")
    fill, stroke, color = START_STYLE
    out.append(f"  classDef start fill:{fill},stroke:{stroke},color:{color},stroke-width:3px")
    out.append(f"  class {START_ID},{ids[scenario.start]} start")
    for kind, members in by_kind.items():
        if members:
            out.append(f"  class {','.join(members)} {kind}")
    return "\n".join(out) + "\n"


def _dot_id(node_id: str) -> str:
    return '"' + dot_text(node_id) + '"'


def to_dot(scenario: Scenario, *, width: int = LABEL_WIDTH) -> str:
    """A Graphviz ``digraph`` of the scenario (``dot -Tsvg``)."""
    walkouts = walkout_edges(scenario)
    walkout = _dot_id("__walkout__")
    start = _dot_id("__start__")
    fill, stroke, color = START_STYLE
    out: list[str] = [
        f"// talkdown graph: scenario {scenario.id}",
        f"digraph {_dot_id(scenario.id)} {{",
        '  graph [rankdir=TB, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", '
        'fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
        f'  {start} [label="start", shape=circle, fillcolor="{fill}", color="{stroke}", '
        f'fontcolor="{color}", penwidth=2];',
        f"  {start} -> {_dot_id(scenario.start)};",
    ]
    for node in scenario.nodes.values():
        head, line = _node_text(node, width)
        label = dot_text(head) + ("\\n" + dot_text(line) if line else "")
        attrs = [f'label="{label}"']
        if node.ending is not None:
            fill_k, stroke_k, color_k = ENDING_STYLES[node.ending]
            attrs += [
                f"shape={DOT_SHAPES[node.ending]}", 'style="filled"', f'fillcolor="{fill_k}"',
                f'color="{stroke_k}"', f'fontcolor="{color_k}"',
            ]  # fmt: skip
        elif node.id == scenario.start:
            attrs += [f'fillcolor="{fill}"', f'color="{stroke}"', "penwidth=2.5"]
        out.append(f"  {_dot_id(node.id)} [{', '.join(attrs)}];")
    if walkouts:
        fill_l, stroke_l, color_l = ENDING_STYLES["lost"]
        text = dot_text(f"{WALKOUT_LABEL}\n(mood {scenario.customer.walkout_at}+)").replace(
            "\n", "\\n"
        )
        out.append(
            f'  {walkout} [label="{text}", shape={DOT_SHAPES["lost"]}, style="filled,dashed", '
            f'fillcolor="{fill_l}", color="{stroke_l}", fontcolor="{color_l}"];'
        )
    for node in scenario.nodes.values():
        src = _dot_id(node.id)
        for goto, label in _routes(node):
            if goto in scenario.nodes:
                out.append(f'  {src} -> {_dot_id(goto)} [label="{dot_text(label)}"];')
        numbers = walkouts.get(node.id)
        if numbers:
            label = dot_text(walkout_label(numbers, scenario.customer.walkout_at))
            out.append(
                f'  {src} -> {walkout} [label="{label}", style=dashed, '
                f'color="{ENDING_STYLES["lost"][1]}"];'
            )
    out.append("}")
    return "\n".join(out) + "\n"


FORMATS: Final[dict[str, Callable[..., str]]] = {"mermaid": to_mermaid, "dot": to_dot}


def render(scenario: Scenario, fmt: str, *, width: int = LABEL_WIDTH) -> str:
    """The diagram of ``scenario`` in ``fmt`` (``mermaid`` or ``dot``)."""
    return FORMATS[fmt](scenario, width=width)
