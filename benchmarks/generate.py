"""Generate large, valid scenarios for the benchmarks (deterministic per seed).

Decision node ``n{i}`` offers three replies leading forward to nearby nodes,
so the graph is a wide, branching DAG like a long real scenario. Mood deltas
are realistic (−15 … +15); with ```conditions`` some replies route on mood and
on flags raised earlier at a few fixed nodes, as authored scenarios do.
"""

from __future__ import annotations

import random

MOOD_DELTAS = (-15, -10, -5, 0, 5, 10, 15)
ENDINGS = (("end_resolved", "resolved"), ("end_escalated", "escalated"), ("end_lost", "lost"))


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate_scenario(nodes: int, *, conditions: bool = True, seed: int = 0) -> str:
    """YAML text of a scenario with ``nodes`` decision nodes of three replies each."""
    rng = random.Random(seed)
    # A few flags raised at a few fixed places, as authors use them for promises
    # ("I'll call you back"): each flag can double the states to explore.
    flags = [f"promise_{k}" for k in range(4)]
    flag_every = max(2, nodes // 16)
    out = [
        "format: 1",
        f"id: generated-{nodes}",
        f"title: Generated scenario with {nodes} nodes",
        "summary: Benchmark input.",
        "difficulty: 3",
        "minutes: 10",
        "customer:",
        "  name: Bench Mark",
        "  persona: A generated customer.",
        "  mood: 60",
        "  walkout_at: 100",
        "start: n0",
        "nodes:",
    ]
    for i in range(nodes):
        out.append(f"  n{i}:")
        out.append(f"    customer: {_q(f'[line {i}] This is the customer speaking at step {i}.')}")
        out.append("    choices:")
        for c in range(3):
            targets = [f"n{j}" for j in range(i + 1, min(nodes, i + 4))]
            if not targets or rng.random() < 0.02:
                dest = ENDINGS[rng.randrange(3)][0] if targets else ENDINGS[c][0]
            else:
                dest = rng.choice(targets)
            out.append(f"      - say: {_q(f'Reply {c + 1} at step {i}, said with care.')}")
            out.append(f"        empathy: {rng.randint(-2, 3)}")
            out.append(f"        assertiveness: {rng.randint(-2, 2)}")
            out.append(f"        mood: {rng.choice(MOOD_DELTAS)}")
            out.append(f"        seconds: {rng.choice((15, 20, 30, 45, 60))}")
            out.append("        tags: [acknowledge]" if c == 0 else "        tags: [robotism]")
            out.append(f"        feedback: {_q(f'Feedback for reply {c + 1} at step {i}.')}")
            if conditions and c == 0 and i % flag_every == 1 and i < nodes // 2:
                out.append(f"        set: [{flags[(i // flag_every) % len(flags)]}]")
            if conditions and targets and rng.random() < 0.15:
                alt = rng.choice([*targets, ENDINGS[1][0]])
                cond = (
                    f"mood >= {rng.choice((70, 80, 90))}"
                    if rng.random() < 0.7
                    else f"{rng.choice(flags)} and mood < 60"
                )
                out.append("        next:")
                out.append(f"          - if: {cond}")
                out.append(f"            goto: {alt}")
                out.append(f"          - goto: {dest}")
            else:
                out.append(f"        next: {dest}")
    for node_id, kind in ENDINGS:
        out.append(f"  {node_id}:")
        out.append(f"    customer: {_q(f'The call ends ({kind}).')}")
        out.append(f"    ending: {kind}")
        out.append(f"    outcome: {_q(f'Generated {kind} ending.')}")
    if conditions:
        # Every flag must be raised somewhere so conditions that read it are valid.
        out.append("  flag_source:")
        out.append("    customer: Unreachable helper node that raises every flag.")
        out.append("    choices:")
        out.append("      - say: Raise flags.")
        out.append("        empathy: 1")
        out.append("        feedback: Generated.")
        out.append(f"        set: [{', '.join(flags)}]")
        out.append("        next: end_resolved")
        out.append("      - say: Do nothing.")
        out.append("        feedback: Generated.")
        out.append("        next: end_lost")
    return "\n".join(out) + "\n"
