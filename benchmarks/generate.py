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


def _header(ident: str, title: str, mood: int = 50, walkout_at: int = 100) -> list[str]:
    return [
        "format: 1",
        f"id: {ident}",
        f"title: {_q(title)}",
        "summary: Benchmark input.",
        "difficulty: 3",
        "minutes: 10",
        "customer:",
        "  name: Bench Mark",
        "  persona: A generated customer.",
        f"  mood: {mood}",
        f"  walkout_at: {walkout_at}",
    ]


def _reply(out: list[str], say: str, e: int, a: int, mood: int, seconds: int, nxt: str) -> None:
    out.append(f"      - say: {_q(say)}")
    out.append(f"        empathy: {e}")
    out.append(f"        assertiveness: {a}")
    out.append(f"        mood: {mood}")
    out.append(f"        seconds: {seconds}")
    out.append(f"        feedback: {_q('Why this reply helps or hurts.')}")
    out.append(f"        next: {nxt}")


def _endings(out: list[str], kinds: tuple[str, ...] = ("resolved", "escalated", "lost")) -> None:
    for node_id, kind in ENDINGS:
        if kind not in kinds:
            continue
        out.append(f"  {node_id}:")
        out.append(f"    customer: {_q(f'The call ends ({kind}).')}")
        out.append(f"    ending: {kind}")
        out.append(f"    outcome: {_q(f'Generated {kind} ending.')}")


def chain_scenario(nodes: int, *, seed: int = 0) -> str:
    """A plain chain: at ``n{i}`` one reply carries on to ``n{i+1}``, two end the call.

    No conditions. Every prefix of the chain ends in an escalation or a loss,
    so there are ``2 × nodes + 1`` paths, few enough to walk each one: this is
    the shape on which ``analyze`` once grew as n^2.3 (a scored copy of each
    ever-longer best path).
    """
    rng = random.Random(seed)
    out = [*_header(f"chain-{nodes}", f"Chain of {nodes} nodes"), "start: n0", "nodes:"]
    for i in range(nodes):
        onward = f"n{i + 1}" if i + 1 < nodes else "end_resolved"
        out.append(f"  n{i}:")
        out.append(f"    customer: {_q(f'[line {i}] The customer speaks at step {i}.')}")
        out.append("    choices:")
        _reply(
            out,
            f"Carry on at step {i}, said with care.",
            rng.randint(0, 3),
            rng.randint(0, 2),
            rng.choice((-5, 0)),  # calmer or the same: the call never walks out
            rng.choice((15, 20, 30)),
            onward,
        )
        _reply(out, f"Pass it on at step {i}.", -1, 0, 5, 20, "end_escalated")
        _reply(out, f"Give up at step {i}.", -2, -2, 10, 10, "end_lost")
    _endings(out)
    return "\n".join(out) + "\n"


def clique_scenario(nodes: int, *, size: int = 7, seed: int = 0) -> str:
    """Cliques of ``size`` nodes where every node links to every other with ±1 mood.

    A trainee can wander round a clique for ever (each hop moves mood by one),
    and the last node of each clique lets them move on only once the mood is
    down to 40 or less (from 50): the paths are astronomically many and most
    wander a long way before they end. ``clique_scenario(7)`` is the 7-node
    file of issue 9 that once kept ``analyze`` busy past 60 s. A rise to 95
    or more at the exit node escalates; the walkout at 100 loses.
    """
    rng = random.Random(seed)
    size = max(2, min(size, 8))  # size - 1 links + the exit reply (9 replies allowed)
    out = [*_header(f"clique-{nodes}", f"Cliques over {nodes} nodes"), "start: n0", "nodes:"]
    for i in range(nodes):
        base = i - i % size
        last = min(base + size, nodes) - 1
        members = [j for j in range(base, last + 1) if j != i]
        out.append(f"  n{i}:")
        out.append(f"    customer: {_q(f'[line {i}] The customer speaks at step {i}.')}")
        out.append("    choices:")
        for j in members:
            _reply(
                out,
                f"Go round to {j}, said at {i}.",
                rng.randint(-2, 2),
                rng.randint(-2, 2),
                rng.choice((1, -1)),
                rng.choice((5, 10, 15)),
                f"n{j}",
            )
        if i == last or not members:
            onward = f"n{last + 1}" if last + 1 < nodes else "end_resolved"
            out.append(f"      - say: {_q(f'Sort it out at {i}.')}")
            out.append("        empathy: 2")
            out.append("        assertiveness: 2")
            out.append("        seconds: 30")
            out.append(f"        feedback: {_q('Only works once they have calmed down.')}")
            out.append("        next:")
            out.append("          - if: mood <= 40")
            out.append(f"            goto: {onward}")
            out.append("          - if: mood >= 95")
            out.append("            goto: end_escalated")
            out.append(f"          - goto: n{base}")
    _endings(out, ("resolved", "escalated"))  # lost is the walkout
    return "\n".join(out) + "\n"


def flag_scenario(flags: int, *, promise_is_strongest: bool = True) -> str:
    """A chain of ``flags`` nodes where one reply raises a flag and the other doesn't.

    The closing node resolves only if every flag was raised, so a condition
    reads all of them and the feasible states number ``2 ** flags``: 40 flags
    is the 11 KB file of issue 9 that took 22–54 s and 2.2 GB on every
    command; 24 flags was rejected as having no reachable resolution. With
    ``promise_is_strongest=False`` the promise is the weaker reply, so neither
    "always the strongest reply" nor a depth-first search in reply order finds
    the one resolved path cheaply.
    """
    names = [f"f{k}" for k in range(flags)]
    skip_points, keep_points = (-1, 1) if promise_is_strongest else (1, -1)
    out = [*_header(f"flags-{flags}", f"{flags} promises to keep"), "start: s0", "nodes:"]
    for k in range(flags):
        nxt = f"s{k + 1}" if k + 1 < flags else "wrap"
        out.append(f"  s{k}:")
        out.append(f"    customer: {_q(f'Promise {k}?')}")
        out.append("    choices:")
        out.append(f"      - say: {_q('Not now.')}")
        out.append(f"        empathy: {skip_points}")
        out.append("        feedback: Skips it.")
        out.append(f"        next: {nxt}")
        out.append(f"      - say: {_q(f'I promise ({k}).')}")
        out.append(f"        empathy: {keep_points}")
        out.append("        feedback: Keeps it.")
        out.append(f"        set: [{names[k]}]")
        out.append(f"        next: {nxt}")
    out.append("  wrap:")
    out.append("    customer: So?")
    out.append("    choices:")
    out.append("      - say: All done.")
    out.append("        assertiveness: 1")
    out.append("        feedback: Only true if every promise was made.")
    out.append("        next:")
    out.append(f"          - if: {' and '.join(names)}")
    out.append("            goto: end_resolved")
    out.append("          - goto: end_escalated")
    out.append("      - say: Let me pass you on.")
    out.append("        feedback: Gives up.")
    out.append("        next: end_lost")
    _endings(out)
    return "\n".join(out) + "\n"
