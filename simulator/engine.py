"""The conversation engine: one play-through of a scenario.

A ``transitions.Machine`` holds the conversation's place: each node is a state,
endings (and the walkout) are final states, and each reply is one of the shared
triggers ``choice_1`` … ``choice_9``. Where a reply leads is decided by one
rule book, :func:`simulator.rules.apply_reply` (mood clamping, walkout, the
routes in order), which the analysis uses too; the Machine's transitions are
the legal moves, each guarded by "the rule book chose this destination", so a
move the file does not allow can never happen. Guards are our own objects,
never names resolved from the file. The TUI, the CLI, the tests and batch runs
all drive this same API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from transitions import Machine

from scoring import Decision, Scores, score_attempt
from simulator.dialogue import DEFAULT_AGENT, render
from simulator.model import Choice, Node, Scenario
from simulator.rules import Vars, apply_reply, apply_silence, clamp_mood

WALKOUT_STATE: Final = "__walkout__"


class ConversationOver(RuntimeError):
    """A reply was made after the conversation ended."""


class InvalidChoice(ValueError):
    """A reply number that is not offered at the current node."""


@dataclass(frozen=True, slots=True)
class Event:
    """One turn: the reply made (``choice`` None for a silence) and its effects."""

    seq: int
    node: str
    choice: int | None  # 1-based reply number, as shown on screen
    say: str  # as said, ``{agent}`` already replaced
    empathy: int
    assertiveness: int
    tags: tuple[str, ...]
    feedback: str
    mood_before: int
    mood_after: int
    seconds: int
    latency_ms: float | None
    next_node: str | None  # None when the customer walked out
    offered_empathy: tuple[int, ...]
    offered_assertiveness: tuple[int, ...]
    reaction: str = ""  # the customer's immediate reaction, shown before the next line
    critical: str = ""  # why this reply fails the call ("" when it does not)

    @property
    def decision(self) -> Decision:
        """This turn as a scoring decision."""
        index = None if self.choice is None else self.choice - 1
        return Decision(
            self.offered_empathy, self.offered_assertiveness, index, bool(self.critical)
        )


class _Model:
    """The object the Machine drives; it only carries ``state`` and the triggers."""

    state: str
    trigger: Callable[..., bool]


class _Arrives:
    """A transition's guard: the rule book chose this transition's destination."""

    __slots__ = ("dest",)

    def __init__(self, dest: str) -> None:
        self.dest = dest

    def __call__(self, chosen: str) -> bool:
        return chosen == self.dest


def build_machine(scenario: Scenario, model: Any, initial: str) -> Machine:
    """A Machine for ``scenario`` bound to ``model`` (states = node ids).

    Each reply may move to the walkout or to any of its routes' targets; the
    trigger is fired with the destination :func:`apply_reply` chose, and only
    the transition to that destination passes its guard.
    """
    states: list[dict[str, Any]] = [
        {"name": node.id, "final": node.is_ending} for node in scenario.nodes.values()
    ]
    states.append({"name": WALKOUT_STATE, "final": True})
    guards: dict[str, _Arrives] = {}
    transitions: list[dict[str, Any]] = []
    for node in scenario.nodes.values():
        for number, choice in enumerate(node.choices, 1):
            trigger = f"choice_{number}"
            targets = dict.fromkeys([WALKOUT_STATE, *(r.goto for r in choice.routes)])
            for dest in targets:
                guard = guards.get(dest)
                if guard is None:
                    guard = guards[dest] = _Arrives(dest)
                transitions.append(
                    {"trigger": trigger, "source": node.id, "dest": dest, "conditions": guard}
                )
    return Machine(
        model=model,
        states=states,
        transitions=transitions,
        initial=initial,
        auto_transitions=False,
        ignore_invalid_triggers=False,
    )


class Conversation:
    """One play-through: current node, offered replies, ``choose``, history.

    ``start``, ``mood`` and ``flags`` begin a preview anywhere in the scenario.
    ``agent`` is the trainee's first name, put in place of ``{agent}`` in every
    line this conversation hands out. ``clock`` (seconds, monotonic) measures
    reply latency; tests pass their own.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        start: str | None = None,
        mood: int | None = None,
        flags: Iterable[str] = (),
        agent: str = DEFAULT_AGENT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scenario = scenario
        self.agent = agent
        self.start = start or scenario.start
        if self.start not in scenario.nodes:
            raise KeyError(f"no node '{self.start}' in scenario '{scenario.id}'")
        start_mood = scenario.customer.mood if mood is None else clamp_mood(mood)
        self.vars = Vars(start_mood, 0, 0, 0, frozenset(flags))
        self.start_mood = start_mood
        self.start_flags = self.vars.flags
        self.seconds = 0
        self.events: list[Event] = []
        self.path: list[str] = [self.start]
        self._clock = clock
        self._shown_at = clock()
        self._model = _Model()
        self.machine = build_machine(scenario, self._model, self.start)

    # -- what is said ------------------------------------------------------------

    def text(self, raw: str) -> str:
        """Dialogue from the file as the trainee sees it (``{agent}`` replaced)."""
        return render(raw, self.agent) if self.scenario.placeholders else raw

    def says(self, choices: Iterable[Choice] | None = None) -> list[str]:
        """The offered replies' text as shown (``choices`` default: those offered now)."""
        return [self.text(c.say) for c in (self.choices if choices is None else choices)]

    # -- where we are ----------------------------------------------------------

    @property
    def node_id(self) -> str:
        """Id of the node the conversation is at (the last one reached)."""
        return self.path[-1]

    @property
    def node(self) -> Node:
        """The node the conversation is at."""
        return self.scenario.nodes[self.node_id]

    @property
    def choices(self) -> tuple[Choice, ...]:
        """Replies offered now (empty once finished)."""
        return () if self.finished else self.node.choices

    @property
    def mood(self) -> int:
        """The customer's anger now, 0..100."""
        return self.vars.mood

    @property
    def flags(self) -> frozenset[str]:
        """Flags raised so far."""
        return self.vars.flags

    @property
    def turn(self) -> int:
        """Replies made so far (silences included)."""
        return self.vars.turn

    @property
    def walked_out(self) -> bool:
        """True when the customer hung up (mood reached ``walkout_at``)."""
        return self._model.state == WALKOUT_STATE

    @property
    def finished(self) -> bool:
        """True once an ending (or the walkout) is reached."""
        return self.walked_out or self.node.is_ending

    @property
    def ending(self) -> str | None:
        """``resolved``/``escalated``/``lost`` once finished, else None."""
        if self.walked_out:
            return "lost"
        return self.node.ending

    @property
    def ending_node(self) -> str | None:
        """The ending node reached; None on walkout or while playing."""
        return None if self.walked_out or not self.finished else self.node_id

    @property
    def closing_line(self) -> str:
        """What the customer says last: the ending's line or the walkout line."""
        if self.walked_out:
            return self.text(self.scenario.customer.walkout_line)
        return self.text(self.node.customer) if self.finished else ""

    @property
    def closing_speaker(self) -> str:
        """Who says :attr:`closing_line`: the ending's ``speaker``, else the customer."""
        if self.finished and not self.walked_out and self.node.speaker:
            return self.text(self.node.speaker)
        return self.scenario.customer.name

    @property
    def closing_narration(self) -> str:
        """The ending's stage directions ("" on walkout or while playing)."""
        if self.walked_out or not self.finished:
            return ""
        return self.text(self.node.narration)

    @property
    def outcome(self) -> str:
        """The ending's outcome: the first variant whose condition holds at the end.

        "" on walkout or while playing. Conditions see the final variables, so
        a promise broken on the way (a flag raised) picks the variant that says so.
        """
        if self.walked_out or not self.finished:
            return ""
        for variant in self.node.outcomes:
            if variant.condition is None or variant.condition(self.vars):
                return self.text(variant.text)
        return ""

    @property
    def critical(self) -> list[Event]:
        """The replies so far that would fail a quality check, in order."""
        return [e for e in self.events if e.critical]

    @property
    def mood_history(self) -> list[int]:
        """Start mood, then the mood after each reply."""
        return [self.start_mood, *(e.mood_after for e in self.events)]

    @property
    def decisions(self) -> list[Decision]:
        """Every turn as a scoring decision."""
        return [e.decision for e in self.events]

    def mark_shown(self) -> None:
        """Restart the latency clock (call when the replies appear on screen)."""
        self._shown_at = self._clock()

    def restart(self) -> None:
        """Begin again from this conversation's start, mood and flags.

        Reuses the Machine, whose build is most of a new Conversation's cost
        on a large scenario (``talkdown audit`` plays dozens of runs per file).
        """
        self.vars = Vars(self.start_mood, 0, 0, 0, self.start_flags)
        self.seconds = 0
        self.events = []
        self.path = [self.start]
        self.machine.set_state(self.start, self._model)
        self._shown_at = self._clock()

    # -- playing ---------------------------------------------------------------

    def _latency(self, latency_ms: float | None) -> float:
        if latency_ms is not None:
            return latency_ms
        return (self._clock() - self._shown_at) * 1000.0

    def choose(self, number: int, *, latency_ms: float | None = None) -> Event:
        """Make reply ``number`` (1-based, as on screen) and move on."""
        if self.finished:
            raise ConversationOver("the conversation has already ended")
        node = self.node
        if not 1 <= number <= len(node.choices):
            raise InvalidChoice(
                f"reply {number} is not offered at node '{node.id}' "
                f"(choose 1 to {len(node.choices)})"
            )
        choice = node.choices[number - 1]
        latency = self._latency(latency_ms)
        before = self.vars
        after, next_node = apply_reply(before, choice, self.scenario.customer.walkout_at)
        dest = WALKOUT_STATE if next_node is None else next_node
        if not self._model.trigger(f"choice_{number}", dest):
            raise AssertionError(f"the machine has no move from '{node.id}' to '{dest}'")
        self.vars = after
        self.seconds += choice.seconds
        if next_node is not None:
            self.path.append(next_node)
        event = Event(
            seq=len(self.events) + 1,
            node=node.id,
            choice=number,
            say=self.text(choice.say),
            empathy=choice.empathy,
            assertiveness=choice.assertiveness,
            tags=choice.tags,
            feedback=self.text(choice.feedback),
            mood_before=before.mood,
            mood_after=after.mood,
            seconds=choice.seconds,
            latency_ms=latency,
            next_node=next_node,
            offered_empathy=tuple(c.empathy for c in node.choices),
            offered_assertiveness=tuple(c.assertiveness for c in node.choices),
            reaction=self.text(choice.reaction),
            critical=choice.critical,
        )
        self.events.append(event)
        self._shown_at = self._clock()
        return event

    def silence(self, seconds: int, *, latency_ms: float | None = None) -> Event:
        """Pressure mode ran out: the trainee said nothing for ``seconds``.

        The trainee stays on the node; the decision scores as the worst reply;
        mood rises by ``customer.silence_mood`` (walkout still applies); tag
        ``apathy``.
        """
        if self.finished:
            raise ConversationOver("the conversation has already ended")
        node = self.node
        before = self.vars
        after = apply_silence(before, self.scenario.customer.silence_mood)
        self.vars = after
        self.seconds += seconds
        walked = after.mood >= self.scenario.customer.walkout_at
        if walked:
            self.machine.set_state(WALKOUT_STATE, self._model)
        event = Event(
            seq=len(self.events) + 1,
            node=node.id,
            choice=None,
            say="(silence)",
            empathy=0,
            assertiveness=0,
            tags=("apathy",),
            feedback="No reply in time: silence reads as not caring, and the customer "
            "grows angrier.",
            mood_before=before.mood,
            mood_after=after.mood,
            seconds=seconds,
            latency_ms=self._latency(latency_ms),
            next_node=None if walked else node.id,
            offered_empathy=tuple(c.empathy for c in node.choices),
            offered_assertiveness=tuple(c.assertiveness for c in node.choices),
        )
        self.events.append(event)
        self._shown_at = self._clock()
        return event

    def score(self, par_seconds: int | None) -> Scores:
        """Score the finished conversation given the par from its start."""
        if not self.finished or self.ending is None:
            raise ConversationOver("the conversation has not ended yet")
        spec = self.scenario.scoring
        return score_attempt(
            self.decisions,
            ending=self.ending,
            taken_seconds=self.seconds,
            par_seconds=par_seconds,
            weights=spec.weights,
            pass_mark=spec.pass_mark,
        )
