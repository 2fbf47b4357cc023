"""The picker's catalogue: every scenario file found, valid or not (no Textual).

A file that fails validation is kept as an entry with its problems, so the
picker can show it (and its first error) instead of crashing or hiding it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from simulator.library import scenario_paths, shipped_dir
from simulator.model import Scenario
from simulator.problems import Problem
from simulator.validate import FileReport, check_file
from simulator.yamlload import DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class Entry:
    """One scenario file in the picker."""

    path: Path
    scenario: Scenario | None
    problems: tuple[Problem, ...]

    @classmethod
    def from_report(cls, report: FileReport) -> Entry:
        """An entry from a validation report."""
        return cls(Path(report.path), report.scenario, report.problems)

    @property
    def key(self) -> str:
        """A stable identifier for the list (the file path: ids may repeat across folders)."""
        return str(self.path)

    @property
    def title(self) -> str:
        """The scenario's title, or the file name of an invalid file."""
        return self.scenario.title if self.scenario else self.path.name

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that stop the file being played."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def first_error(self) -> Problem | None:
        """The first error, if the file is invalid."""
        errors = self.errors
        return errors[0] if errors else None

    def matches(self, query: str) -> bool:
        """True when every word of ``query`` appears in the title, id, tags, channel or summary."""
        words = query.casefold().split()
        if not words:
            return True
        s = self.scenario
        fields = [self.path.name]
        if s is not None:
            fields += [s.title, s.id, s.channel, s.summary, s.customer.name, *s.tags]
        haystack = " ".join(fields).casefold()
        return all(word in haystack for word in words)


def scenario_dirs(extra: Iterable[Path], *, include_shipped: bool = True) -> list[Path]:
    """Trainers' folders first (their scenarios are what they are working on), then shipped."""
    dirs = [Path(d).expanduser() for d in extra]
    if include_shipped:
        dirs.append(shipped_dir())
    return dirs


def load_catalog(dirs: Sequence[Path], *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Entry]:
    """Validate every scenario file in ``dirs``: valid by difficulty and title, then invalid."""
    paths = scenario_paths(dirs)
    entries = [Entry.from_report(check_file(p, max_bytes=max_bytes)) for p in paths]
    return sorted(
        entries,
        key=lambda e: (
            e.scenario is None,
            e.scenario.difficulty if e.scenario else 0,
            e.title.casefold(),
        ),
    )
