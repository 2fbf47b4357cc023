"""The scenario model: immutable plain data that every later stage reads.

The loader builds it; the engine, analysis, scoring, TUI and exports only read
it. Line numbers are kept so later checks (and the author view) can point at
the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from scoring.vocabulary import ENDINGS as ENDINGS  # re-exported: the one vocabulary
from scoring.vocabulary import Ending as Ending
from simulator.limits import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES  # re-exported

if TYPE_CHECKING:
    from collections.abc import Mapping

    from simulator.conditions import Condition

CHANNELS: Final[tuple[str, ...]] = ("phone", "chat", "email", "in-person", "social")

MOOD_MIN: Final = 0
MOOD_MAX: Final = 100
MAX_CHOICES: Final = 9
MAX_PARAPHRASES: Final = 20  # per reply: enough to cover the ways it is said, bounded work
DEFAULT_SECONDS: Final = 30
DEFAULT_WALKOUT_LINE: Final = "The customer ends the conversation."
DEFAULT_SILENCE_MOOD: Final = 10
DEFAULT_PASS_MARK: Final = 70.0
#: The format versions this talkdown reads; "1.1" adds the assessment-validity fields.
FORMATS: Final[tuple[str, ...]] = ("1", "1.1")
LATEST_FORMAT: Final = "1.1"


@dataclass(frozen=True, slots=True)
class Route:
    """One ``next`` entry: go to ``goto`` when ``condition`` holds (None: always)."""

    goto: str
    condition: Condition | None = None
    line: int = 0  # where the target node id is written
    col: int = 0


@dataclass(frozen=True, slots=True)
class Choice:
    """A reply the trainee can give, with its points and effects."""

    say: str
    routes: tuple[Route, ...]
    empathy: int = 0
    assertiveness: int = 0
    mood: int = 0
    seconds: int = DEFAULT_SECONDS
    tags: tuple[str, ...] = ()
    feedback: str = ""
    set_flags: frozenset[str] = frozenset()
    line: int = 0
    reaction: str = ""  # the customer's immediate spoken reaction (format 1.1)
    critical: str = ""  # why this reply fails the call whatever the score (format 1.1)
    paraphrases: tuple[str, ...] = ()  # other ways to say it, for typed replies (format 1.1)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One variant of an ending's outcome: shown when ``condition`` holds (None: always)."""

    text: str
    condition: Condition | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Node:
    """A point in the conversation: a decision (with choices) or an ending."""

    id: str
    customer: str  # what is said (may be empty when the node only narrates)
    choices: tuple[Choice, ...] = ()
    ending: Ending | None = None
    outcomes: tuple[Outcome, ...] = ()  # the last one has no condition
    line: int = 0
    speaker: str = ""  # who says ``customer`` when it is not the customer (format 1.1)
    narration: str = ""  # stage directions, shown as narration (format 1.1)
    screen: str = ""  # what the agent's own system shows from now on (format 1.1)

    @property
    def is_ending(self) -> bool:
        """True for an ending node (it offers no replies)."""
        return self.ending is not None

    @property
    def outcome(self) -> str:
        """The outcome text when no condition is known (the fallback variant)."""
        return self.outcomes[-1].text if self.outcomes else ""


@dataclass(frozen=True, slots=True)
class Customer:
    """Who the trainee is talking to and how close they are to leaving."""

    name: str
    persona: str
    mood: int
    walkout_at: int = MOOD_MAX
    walkout_line: str = DEFAULT_WALKOUT_LINE
    silence_mood: int = DEFAULT_SILENCE_MOOD


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each dimension counts in the overall score."""

    empathy: float = 1.0
    assertiveness: float = 1.0
    speed: float = 1.0


@dataclass(frozen=True, slots=True)
class ScoringSpec:
    """The scenario's scoring settings."""

    weights: Weights = field(default_factory=Weights)
    pass_mark: float = DEFAULT_PASS_MARK


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole scenario file, validated."""

    id: str
    title: str
    summary: str
    difficulty: int
    minutes: int
    customer: Customer
    start: str
    nodes: Mapping[str, Node]
    tags: tuple[str, ...] = ()
    channel: str = ""
    scoring: ScoringSpec = field(default_factory=ScoringSpec)
    format: str = "1"
    source: str = ""
    content_hash: str = ""
    shuffle: bool = False  # show replies in a per-attempt order (format 1.1 default: on)

    @property
    def placeholders(self) -> bool:
        """True when ``{agent}`` is replaced in dialogue (format 1.1; 1.0 text is literal)."""
        return self.format != "1"

    def __post_init__(self) -> None:
        if not isinstance(self.nodes, MappingProxyType):
            object.__setattr__(self, "nodes", MappingProxyType(dict(self.nodes)))

    @property
    def flags_used(self) -> frozenset[str]:
        """Every flag some reply can raise."""
        return frozenset(f for n in self.nodes.values() for c in n.choices for f in c.set_flags)
