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

from simulator.conditions import Condition
from simulator.model import MOOD_MAX, Choice, Node, Route, Scenario
from simulator.rules import Vars

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
# C0, DEL, C1 (U+009B is CSI on many terminals), line separators, lone surrogates.
_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
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
    """``2``, or ``2: if mood >= 85`` / ``2: otherwise`` on a reply with guarded routes.

    A critical reply (one that fails the call) is marked ``2 ✗``, so an author
    sees at a glance which arrows no passing call can take.
    """
    mark = f"{number} ✗" if choice.critical else str(number)
    if route.condition is not None:
        return f"{mark}: if {one_line(route.condition.text)}"
    if len(choice.routes) > 1:
        return f"{mark}: otherwise"
    return mark


FULL_MOODS: Final = (1 << (MOOD_MAX + 1)) - 1  # bit m set: mood m is possible
FLAG_ENUMERATION: Final = 6  # conditions reading more flags are not narrowed


def shift_moods(moods: int, delta: int) -> int:
    """The mood set after adding ``delta`` to each mood, clamped to 0..100."""
    if delta >= 0:
        moved = moods << delta
        return (moved & FULL_MOODS) | (1 << MOOD_MAX if moved >> (MOOD_MAX + 1) else 0)
    below = moods & ((1 << -delta) - 1)
    return (moods >> -delta) | (1 if below else 0)


def condition_moods(condition: Condition) -> tuple[int, int]:
    """(moods where it may hold, moods where it may fail), whatever the flags.

    Exact for conditions on mood and up to six flags (every flag combination
    is tried at every mood); a condition that reads turn or points may go
    either way at any mood.
    """
    if condition.variables - {"mood"} or len(condition.flags) > FLAG_ENUMERATION:
        return FULL_MOODS, FULL_MOODS
    flags = sorted(condition.flags)
    subsets = [
        frozenset(f for i, f in enumerate(flags) if bits >> i & 1)
        for bits in range(1 << len(flags))
    ]
    may_hold = may_fail = 0
    for mood in range(MOOD_MAX + 1):
        for subset in subsets:
            if condition(Vars(mood, 0, 0, 0, subset)):
                may_hold |= 1 << mood
            else:
                may_fail |= 1 << mood
    return may_hold, may_fail


def walkout_edges(scenario: Scenario) -> dict[str, list[int]]:
    """Decision node → numbers of its replies that may push mood to ``walkout_at``.

    A forward pass finds the moods each node can be reached with from the
    start, as a 101-bit set: a reply shifts the set, its routes' mood
    conditions split it (flags and counters may go either way, so no real
    walkout is ever hidden), and moods at or above ``walkout_at`` leave by
    the walkout. Nodes outside cycles are settled once, in topological order;
    what lies in or after a cycle is iterated to a fixed point, where a set
    only grows (at most 101 times). Linear in the scenario's size either way.
    """
    nodes = scenario.nodes
    walkout_at = scenario.customer.walkout_at
    walks_out = FULL_MOODS & ~((1 << walkout_at) - 1)
    moods: dict[str, int] = {scenario.start: 1 << min(scenario.customer.mood, walkout_at - 1)}
    splits: dict[str, tuple[int, int]] = {}  # by condition text
    out: dict[str, list[int]] = {}

    def targets(node_id: str) -> Iterator[str]:
        for choice in nodes[node_id].choices:
            for route in choice.routes:
                if route.goto in nodes:
                    yield route.goto

    def relax(node_id: str) -> Iterator[str]:
        """Push ``node_id``'s moods along its replies; yield nodes whose set grew."""
        here = moods[node_id]
        for number, choice in enumerate(nodes[node_id].choices, 1):
            after = shift_moods(here, choice.mood)
            if after & walks_out:
                numbers = out.setdefault(node_id, [])
                if number not in numbers:
                    numbers.append(number)
            remaining = after & ~walks_out
            for route in choice.routes:
                if not remaining:
                    break
                if route.condition is None:
                    taken = remaining
                else:
                    split = splits.get(route.condition.text)
                    if split is None:
                        split = splits[route.condition.text] = condition_moods(route.condition)
                    taken = remaining & split[0]
                    remaining &= split[1]
                goto = route.goto
                if taken and goto in nodes:
                    old = moods.get(goto, 0)
                    if taken & ~old:
                        moods[goto] = old | taken
                        yield goto

    # Nodes reachable at all (routes only), and how many arrows lead into each.
    indegree: dict[str, int] = {scenario.start: 0}
    stack = [scenario.start]
    while stack:
        for goto in targets(stack.pop()):
            if goto not in indegree:
                indegree[goto] = 0
                stack.append(goto)
            indegree[goto] += 1
    ready = deque(n for n, d in indegree.items() if d == 0)
    settled = 0
    while ready:  # Kahn's order: every node after all that lead into it
        node_id = ready.popleft()
        settled += 1
        if node_id in moods:
            for _ in relax(node_id):
                pass
        for goto in targets(node_id):
            indegree[goto] -= 1
            if indegree[goto] == 0:
                ready.append(goto)
    if settled < len(indegree):  # cycles: iterate what is left to a fixed point
        queue = deque(moods)
        queued = set(queue)
        while queue:
            node_id = queue.popleft()
            queued.discard(node_id)
            for goto in relax(node_id):
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
    return head, snippet(node.customer or node.narration, width)


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
