"""Problems found in scenario files, reported as ``file:line:col: what — what to do``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario file, with where it is and how to fix it."""

    path: str
    line: int
    col: int
    message: str
    hint: str = ""
    severity: Severity = "error"
    code: str = "invalid"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.col}"
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text

    def to_json(self) -> dict[str, object]:
        """The problem as a plain dict for ``--format json``."""
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


class ScenarioError(Exception):
    """Raised when a scenario file cannot be used; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Only the problems that are errors, not warnings."""
        return tuple(p for p in self.problems if p.severity == "error")


def did_you_mean(word: str, options: Iterable[str], what: str = "") -> str:
    """A hint naming the closest of ``options`` to ``word``, or listing them."""
    choices = sorted(set(options))
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if not choices:
        return f"no {what or 'value'} is defined"
    if len(choices) <= 12:
        return f"use one of: {', '.join(choices)}"
    return f"check the spelling ({len(choices)} {what or 'names'} are defined)"
