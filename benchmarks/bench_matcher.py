"""Reply matcher benchmark (issue 14): accuracy on the paraphrase test set, and latency.

For every matcher that can run here (``semantic`` needs the [semantic] extra):

* **accuracy** on a half of tests/paraphrases/ (default: the untouched half;
  ``--half tuning`` for the half the settings were tuned on). In-scope lines:
  *top-1* (the top-ranked reply is the one meant), *heard* (accepted as that
  reply: what a trainee meets), *wrong* (accepted as another reply),
  *rejected*; per tier (``main`` lines and ``loose`` ones). Off-topic inputs
  are matched at every decision node of the half's scenarios: the share
  rejected.
* **latency** per typed reply on a 9-reply node whose replies carry 5
  paraphrases each, with the node already indexed (as in a call: the node is
  indexed once when it is shown); the first match at a node (indexing
  included) separately. Baseline in the same run: looking the typed text up
  among the node's texts as a dict key, the cost of an exact match.
* **load**: the semantic model's load in a fresh process, best of 3.

Targets (issue 14), on the untouched half: top-1 >= 90 % in scope, >= 80 % of
off-topic input rejected; p95 <= 20 ms per reply for the default matcher; the
semantic model loads in <= 1 s. Run:

    python benchmarks/bench_matcher.py [--half untouched|tuning] [--misses]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.library import shipped_dir
from simulator.loader import load_scenario
from simulator.matching import Matcher, MatcherUnavailable, get_matcher, matcher_names
from simulator.matching.evaluate import LabelledSet, Result, Tally, evaluate, load_set
from simulator.matching.text import normalise
from simulator.model import Node, Route

ROOT = Path(__file__).resolve().parents[1]
SET_DIR = ROOT / "tests" / "paraphrases"
TOP1_TARGET = 0.90
OFF_TOPIC_TARGET = 0.80
P95_TARGET_MS = 20.0
LOAD_TARGET_S = 1.0


def load_half(half: str) -> LabelledSet:
    return load_set(SET_DIR / half, lambda sid: load_scenario(shipped_dir() / f"{sid}.yaml"))


def _row(label: str, tally: Tally) -> str:
    return (
        f"    {label:<20}{tally.total:>6}{tally.share(tally.top1):>9.1%}"
        f"{tally.share(tally.heard):>9.1%}{tally.share(tally.wrong):>8.1%}"
        f"{tally.share(tally.rejected):>10.1%}"
    )


def print_accuracy(result: Result, half: str) -> None:
    print(f"\n{result.matcher} (version {result.version}), {half} half")
    print(f"    {'in scope':<20}{'lines':>6}{'top-1':>9}{'heard':>9}{'wrong':>8}{'rejected':>10}")
    print(_row("all", result.in_scope))
    for tier, tally in sorted(result.tiers.items()):
        print(_row(f"  {tier}", tally))
    off = result.off_topic
    print(
        f"    off-topic: {off.rejected} of {off.total} rejected ({result.off_topic_rejected:.1%})"
    )
    top1 = result.in_scope.share(result.in_scope.top1)
    ok = top1 >= TOP1_TARGET and result.off_topic_rejected >= OFF_TOPIC_TARGET
    print(
        f"    targets: top-1 >= {TOP1_TARGET:.0%}, off-topic rejected >= "
        f"{OFF_TOPIC_TARGET:.0%}: {'met' if ok else 'NOT MET'}"
    )


def print_misses(result: Result) -> None:
    for item, found in result.misses:
        heard = (
            "rejected (" + found.reason + ")"
            if found.rejected
            else f"heard as {found.ranked[0].number}"
        )
        print(
            f"      {item.scenario}/{item.node} reply {item.reply}: {heard}, "
            f"top {found.ranked[0].number} {found.score:.2f}: {item.text!r}"
        )


def latency_node(data: LabelledSet) -> tuple[Node, list[str]]:
    """A 9-reply node (the set's 9 longest replies, 5 paraphrases each) and queries."""
    by_reply: dict[tuple[str, str, int], list[str]] = {}
    for item in data.typed:
        by_reply.setdefault((item.scenario, item.node, item.reply), []).append(item.text)
    keys = sorted(
        by_reply,
        key=lambda k: -len(data.scenarios[k[0]].nodes[k[1]].choices[k[2] - 1].say),
    )[:9]
    choices = tuple(
        replace(
            data.scenarios[s].nodes[n].choices[r - 1],
            paraphrases=tuple(by_reply[(s, n, r)][:5]),
            routes=(Route("end"),),
        )
        for s, n, r in keys
    )
    queries = [item.text for item in data.typed]
    return Node(id="latency", customer="", choices=choices), queries


def print_latency(matcher: Matcher, node: Node, queries: list[str]) -> None:
    matcher.load()
    fresh = [replace(node, id=f"fresh{i}") for i in range(20)]
    start = time.perf_counter()
    for other in fresh:
        matcher.match(other, queries[0])
    first_ms = (time.perf_counter() - start) * 1000 / len(fresh)
    matcher.match(node, queries[0])  # index the node, as showing it would
    times = []
    for text in queries:
        start = time.perf_counter()
        matcher.match(node, text)
        times.append((time.perf_counter() - start) * 1000)
    exact = {normalise(t): i for i, c in enumerate(node.choices) for t in (c.say, *c.paraphrases)}
    base = []
    for text in queries:
        start = time.perf_counter()
        exact.get(normalise(text))
        base.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1]
    base_p95 = statistics.quantiles(base, n=20)[-1]
    print(
        f"    latency on a 9-reply node, {len(queries)} replies: p50 "
        f"{statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {max(times):.2f} ms; "
        f"first match at a node {first_ms:.2f} ms"
    )
    print(
        f"    baseline (exact lookup): p95 {base_p95 * 1000:.1f} µs; "
        f"p95 target <= {P95_TARGET_MS:.0f} ms: {'met' if p95 <= P95_TARGET_MS else 'NOT MET'}"
    )


def load_time(name: str) -> float:
    """Best of 3 fresh processes: build the matcher and load it."""
    code = (
        "import time; t = time.perf_counter();"
        "from simulator.matching import get_matcher;"
        f"get_matcher({name!r}).load(); print(time.perf_counter() - t)"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return min(runs)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["untouched", "tuning"], default="untouched")
    parser.add_argument("--misses", action="store_true", help="list every line not heard right")
    args = parser.parse_args(argv)
    data = load_half(args.half)
    print(
        f"paraphrase set, {args.half} half: {len(data.typed)} typed lines over "
        f"{len(data.scenarios)} scenarios, {len(data.off_topic)} off-topic inputs"
    )
    node, queries = latency_node(data)
    for name in matcher_names():
        try:
            matcher = get_matcher(name)
        except MatcherUnavailable as exc:
            print(f"\n{name}: skipped — {exc}")
            continue
        if name != "ngram":
            seconds = load_time(name)
            verdict = "met" if seconds <= LOAD_TARGET_S else "NOT MET"
            print(f"\n{name}: loads in {seconds:.2f} s in a fresh process (<= 1 s: {verdict})")
        result = evaluate(matcher, data, keep_misses=args.misses)
        print_accuracy(result, args.half)
        if args.misses:
            print_misses(result)
        print_latency(matcher, node, queries)


if __name__ == "__main__":
    main(sys.argv[1:])
