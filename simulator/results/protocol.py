"""`ResultsStore`: the one boundary every command, the TUI and every exporter use.

One protocol, one implementation per database (`simulator.results.sqlite`,
`simulator.results.postgres`); `simulator.results.open_store` picks one from
``--db``. Nothing outside those implementations writes SQL.

Writes are typed calls, each one transaction: `start_attempt`,
`record_choice` (one reply, committed on its own, so a killed terminal loses
at most the reply in flight), `finish_attempt`, `abandon_attempt`,
`import_attempt`. Concurrent writers never lose or interleave a reply: each
backend serialises the writes to one attempt (SQLite's ``BEGIN IMMEDIATE``,
PostgreSQL's row lock on the attempt).

Reads for the app return parsed rows (`AttemptRow`, `ChoiceRow`, …). Reads
for reports and exports go through `ResultsStore.snapshot`: a `ResultsView`
over one consistent snapshot, streaming `AttemptRecord` / `ReplyRecord`
rows in one shared order (start time, then uuid; replies then by ``seq``) so
an exporter can merge the two streams in one pass, and returning the report's
aggregates already summed by the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from simulator.results.filters import Filters
from simulator.results.rows import (
    AttemptRecord,
    AttemptRow,
    ChoiceRow,
    CohortTotals,
    CsvLines,
    DayTotals,
    ImportOutcome,
    OverallPoint,
    ReplyCount,
    ReplyRecord,
    ScenarioStats,
    ScenarioTotals,
    StoredReply,
    TraineePicks,
    TraineeRow,
    TraineeTotals,
    TypedCount,
)

__all__ = ["ResultsStore", "ResultsView"]


class ResultsView(Protocol):
    """Typed, read-only access to one consistent snapshot (see `ResultsStore.snapshot`)."""

    def count_attempts(self, filters: Filters) -> int:
        """How many attempts match *filters*."""
        ...

    def count_replies(self, filters: Filters) -> int:
        """How many replies the matching attempts hold."""
        ...

    def attempts(self, filters: Filters) -> Iterator[AttemptRecord]:
        """The matching attempts, by start time then uuid, streamed."""
        ...

    def attempt_csv(self, filters: Filters) -> Iterator[CsvLines | AttemptRecord]:
        """`attempts` for the CSV export: runs of finished lines where the backend can build them.

        A backend may build lines itself, for speed: each `CsvLines` then holds
        exactly what `simulator.export.csv_export` would write for those
        attempts, and any attempt it cannot vouch for comes as its record, in
        order, for the exporter to format. Returning only records is always
        correct. A caller that stops early closes the iterator (a backend may
        be reading ahead on another thread until then).
        """
        ...

    def replies(self, filters: Filters) -> Iterator[ReplyRecord]:
        """The matching attempts' replies, in `attempts` order then ``seq``, streamed."""
        ...

    def stored_replies(self, filters: Filters) -> Iterator[StoredReply]:
        """`replies`' stored fields as plain tuples, without the attempt's trainee (JSON Lines).

        Each attempt's replies come together, in `attempts` order; by ``seq``
        only as far as a backend finds it free (a reader sorts each attempt's few).
        """
        ...

    def trainee_totals(self, filters: Filters) -> list[TraineeTotals]:
        """Per trainee with a matching attempt, by cohort then name."""
        ...

    def overall_history(self, filters: Filters) -> Iterator[OverallPoint]:
        """Every scored matching attempt's overall, per trainee in start order."""
        ...

    def scenario_totals(self, filters: Filters) -> list[ScenarioTotals]:
        """Per scenario id with a matching attempt, by id."""
        ...

    def reply_counts(self, filters: Filters) -> list[ReplyCount]:
        """Per scenario version, node and reply: how often the matching attempts made it."""
        ...

    def typed_counts(self, filters: Filters) -> list[TypedCount]:
        """Per scenario version, node and reply heard as: the matching attempts' typed replies.

        By scenario id, content hash, node, then the reply heard as (not matched last).
        """
        ...

    def day_totals(self, filters: Filters) -> list[DayTotals]:
        """Per trainee and UTC day of start: completed matching attempts, by cohort, name, day."""
        ...

    def cohort_totals(self, filters: Filters) -> list[CohortTotals]:
        """Per cohort with a matching attempt, by cohort (with per-scenario passes)."""
        ...

    def trainee_picks(
        self, filters: Filters, scenario_id: str, content_hash: str, node: str
    ) -> list[TraineePicks]:
        """Per trainee, the replies made at *node* of one scenario version, by cohort then name.

        ``last`` is the reply of the most recent visit (start time, uuid, ``seq``).
        """
        ...

    def find_trainee(self, name: str, cohort: str) -> TraineeRow | None:
        """The trainee (*name*, *cohort*), or None."""
        ...


@runtime_checkable
class ResultsStore(Protocol):
    """A results database, open. Close it (or use it as a context manager) when done."""

    #: Where the results live, fit to show (a file path, or a URL without its password).
    where: str
    #: The database file, for a file-based backend (exports refuse to write over it).
    path: Path | None
    #: True when opened for reading only.
    read_only: bool

    def close(self) -> None:
        """Close the connection (idempotent)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    # ------------------------------------------------------------- trainees

    def trainee_id(self, name: str, cohort: str, *, email: str | None = None) -> int:
        """The id of trainee (*name*, *cohort*), created if new (a given *email* is stored)."""
        ...

    def trainees(self, *, cohort: str | None = None) -> list[TraineeRow]:
        """All trainees (optionally of one cohort), by cohort then name."""
        ...

    # ------------------------------------------------------------- writes

    def start_attempt(
        self,
        *,
        name: str,
        cohort: str,
        scenario_id: str,
        scenario_title: str,
        content_hash: str,
        mode: str,
        start_node: str,
        timed_seconds: int | None = None,
        email: str | None = None,
        started_at: datetime | None = None,
        uuid: str | None = None,
        app_version: str | None = None,
        shuffle_seed: int | None = None,
    ) -> str:
        """Record the start of an attempt (committed at once); return its uuid."""
        ...

    def record_choice(
        self,
        uuid: str,
        *,
        seq: int,
        node: str,
        choice: int | None,
        say: str,
        empathy: int,
        assertiveness: int,
        tags: Sequence[str],
        mood_before: int,
        mood_after: int,
        seconds: int,
        latency_ms: float | None,
        next_node: str | None,
        recorded_at: datetime | None = None,
        critical: str | None = None,
        shown: int | None = None,
        typed: str | None = None,
        matched: int | None = None,
        similarity: float | None = None,
        matcher: str | None = None,
        matcher_version: str | None = None,
    ) -> None:
        """Record one reply in its own committed transaction (say mode: with what was typed)."""
        ...

    def finish_attempt(
        self,
        uuid: str,
        *,
        ending: str,
        ending_node: str | None,
        empathy: float | None,
        assertiveness: float | None,
        speed: float,
        overall: float,
        passed: bool,
        finished_at: datetime | None = None,
        outcome: str | None = None,
    ) -> None:
        """Mark an in-progress attempt completed with its ending, scores and outcome."""
        ...

    def abandon_attempt(self, uuid: str) -> None:
        """Mark an in-progress attempt abandoned; a finished one is left alone."""
        ...

    def import_attempt(self, attempt: AttemptRow, choices: Sequence[ChoiceRow]) -> ImportOutcome:
        """Merge an attempt exported elsewhere, idempotent by uuid."""
        ...

    # ------------------------------------------------------------- reads

    def get_attempt(self, uuid: str) -> AttemptRow | None:
        """The attempt with *uuid*, or None."""
        ...

    def get_choices(self, uuid: str) -> list[ChoiceRow]:
        """The attempt's replies in order (empty for an unknown uuid)."""
        ...

    def unfinished_attempts(self, name: str, cohort: str) -> list[AttemptRow]:
        """The trainee's in-progress attempts, newest first."""
        ...

    def scenario_stats(
        self, name: str, cohort: str, *, mode: str | None = None
    ) -> dict[str, ScenarioStats]:
        """Per scenario id: the trainee's completed attempts, passes and best overall."""
        ...

    def iter_attempts(
        self,
        *,
        cohort: str | None = None,
        trainee: str | None = None,
        scenario: str | None = None,
        since: datetime | None = None,
        status: str | None = None,
        mode: str | None = None,
    ) -> Iterator[AttemptRow]:
        """Attempts matching every given filter, ordered by start time then uuid."""
        ...

    def snapshot(self) -> AbstractContextManager[ResultsView]:
        """Typed reads over one consistent snapshot (exports, reports, the trainer screen)."""
        ...
