"""The ``{agent}`` placeholder in dialogue text (format 1.1).

Only ``{agent}`` is replaced, by the trainee's first name; ``{{`` and ``}}``
are literal braces. Nothing else in braces is interpreted: the loader refuses
any other ``{…}`` so a typo like ``{agnet}`` is an error at load time rather
than odd text on a trainee's screen. Format 1 files keep every brace literal.
"""

from __future__ import annotations

import re
from typing import Final

DEFAULT_AGENT: Final = "Sam"
#: The largest first name shown in dialogue; longer names are cut (display only).
AGENT_MAX: Final = 40

_TOKEN_RE: Final = re.compile(r"\{\{|\}\}|\{agent\}")
_BRACE_RE: Final = re.compile(r"\{\{|\}\}|\{agent\}|\{[^{}\n]{0,40}\}?|\}")


def placeholder_problem(text: str) -> tuple[int, str] | None:
    """The first brace ``text`` may not hold, as (0-based offset, what it is); None if fine."""
    if "{" not in text and "}" not in text:
        return None
    for match in _BRACE_RE.finditer(text):
        token = match.group()
        if token in ("{{", "}}", "{agent}"):
            continue
        return match.start(), token
    return None


def render(text: str, agent: str) -> str:
    """``text`` with ``{agent}`` replaced by ``agent`` and ``{{``/``}}`` made single."""
    if "{" not in text and "}" not in text:
        return text
    return _TOKEN_RE.sub(lambda m: agent if m.group() == "{agent}" else m.group()[0], text)


def first_name(name: str | None) -> str:
    """The first word of a trainee's name (``DEFAULT_AGENT`` when there is none)."""
    words = (name or "").split()
    if not words:
        return DEFAULT_AGENT
    return words[0][:AGENT_MAX]
