"""The closed tag vocabulary: the seven sins of service and the techniques.

The debrief and the cohort report show these definitions; scenario files may
only use the names defined here.
"""

from __future__ import annotations

from typing import Final

SINS: Final[dict[str, str]] = {
    "apathy": "Not caring about the outcome: flat, indifferent, or silent when a reply was due.",
    "brush-off": "Dismissing the problem to get rid of the customer instead of solving it.",
    "coldness": "Correct but unfriendly: no warmth, no sign that the person matters.",
    "condescension": "Talking down to the customer, implying they are slow or stupid.",
    "robotism": "A scripted, mechanical reply that ignores what the customer just said.",
    "rule-book": "Hiding behind policy instead of explaining it or looking for what can be done.",
    "runaround": "Passing the customer elsewhere or making them repeat themselves.",
}

SIN_ADVICE: Final[dict[str, str]] = {
    "apathy": "Show you care about the outcome: say what you will do for them now.",
    "brush-off": "Stay with the problem until the customer knows what happens next.",
    "coldness": "Add warmth: use their name and acknowledge what this costs them.",
    "condescension": "Treat the customer as a capable adult; explain without talking down.",
    "robotism": "Answer what they actually said, in your own words.",
    "rule-book": "Explain the reason behind the rule and offer what you can do within it.",
    "runaround": "Own it yourself, or hand over warmly with everything already passed on.",
}

TECHNIQUES: Final[dict[str, str]] = {
    "listen": "Let the customer finish and show you heard before acting.",
    "acknowledge": "Name the feeling: what they feel is never wrong, even when what they think is.",
    "apologise": "A sincere, specific apology for what went wrong.",
    "take-ownership": "Make the problem yours: 'I will…', not 'they should…'.",
    "mutual-ground": "Find the goal you share with the customer and build from it.",
    "explain-decision": "Explain a decision you cannot change, so it makes sense to them.",
    "offer-options": "Give real choices, so the customer keeps some control.",
    "set-timeline": "When it can't be solved now, give a specific time and keep it.",
    "ask-ideal-outcome": "Ask what a good outcome would look like for them.",
    "hold-boundary": (
        "Polite but firm when the customer is wrong or abusive: assertive, not aggressive."
    ),
    "follow-up": "Check back afterwards that the fix really worked.",
    "log-recurring": "Log a recurring problem so it gets fixed, not just answered again.",
}

TAGS: Final[dict[str, str]] = {**SINS, **TECHNIQUES}


def is_sin(tag: str) -> bool:
    """True when ``tag`` names one of the seven sins of service."""
    return tag in SINS


def describe(tag: str) -> str:
    """The one-line definition of ``tag`` (empty for an unknown tag)."""
    return TAGS.get(tag, "")
