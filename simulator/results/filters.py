"""Which attempts a report or an export reads: `Filters`, and ``--since`` parsing.

Plain data: each backend turns a `Filters` into its own query
(`simulator.results.sql.filter_clauses`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from simulator.results.rows import format_utc, parse_utc

__all__ = ["Filters", "parse_since"]


@dataclass(frozen=True, slots=True)
class Filters:
    """Which attempts to read; every given filter must hold (None = any).

    ``cohorts`` selects several cohorts at once (any of them); ``cohort`` is
    the one-cohort shorthand. Giving both means a cohort in both.
    """

    cohort: str | None = None
    trainee: str | None = None  # a trainee's name
    scenario: str | None = None  # a scenario id
    since: datetime | None = None  # compared with the attempt's start; naive = UTC
    cohorts: tuple[str, ...] = ()

    @property
    def selected_cohorts(self) -> tuple[str, ...]:
        """The cohorts named by the filters, in the order given (empty: any cohort)."""
        named = (*self.cohorts, *(() if self.cohort is None else (self.cohort,)))
        return tuple(dict.fromkeys(named))

    def describe(self) -> dict[str, str | None]:
        """The filters as JSON-ready values (for the report header)."""
        cohorts = self.selected_cohorts
        return {
            "cohort": ", ".join(cohorts) if cohorts else None,
            "trainee": self.trainee,
            "scenario": self.scenario,
            "since": None if self.since is None else format_utc(self.since),
        }


def parse_since(text: str) -> datetime:
    """``--since``: a date or an ISO 8601 datetime, UTC when no zone is given.

    ``2024-03-01`` means midnight UTC that day; ``2024-03-01T09:30`` and
    ``2024-03-01 09:30+02:00`` are accepted too. Raises ValueError otherwise.
    """
    value = text.strip()
    try:
        return parse_utc(value)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date or time; use 2024-03-01 or 2024-03-01T09:30 "
            "(UTC unless a zone like +02:00 or Z is given)"
        ) from None
