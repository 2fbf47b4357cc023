"""The picker's catalogue: every scenario file found, valid or not (no Textual).

A file that fails validation is kept as an entry with its problems, so the
picker can show it (and its first error) instead of crashing or hiding it.

Validating a scenario takes milliseconds (the loader plus graph analysis), so
the picker's facts about each file are cached by content hash in
``locations.cache_dir()``; with every file cached, start-up reads no YAML at
all and the loader is not even imported until a scenario is played. A file
not in the cache (the first start, or after an update) is listed at once as
*pending* (`quick_catalog`: its name, "checking…") and validated after the
first frame, so the picker never waits for the validator to appear.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import simulator
from simulator.library import scenario_paths, shipped_dir
from simulator.problems import Problem

if TYPE_CHECKING:
    from simulator.model import Scenario
    from simulator.validate import FileReport

CACHE_FORMAT: Final = 1
CACHE_NAME: Final = "catalog.json"
# The cache is void when any of these change: they decide what a file's problems are.
VALIDATOR_MODULES: Final = (
    "analysis.py", "conditions.py", "loader.py", "model.py", "par.py", "paths.py",
    "problems.py", "rules.py", "statespace.py", "tags.py", "validate.py", "yamlload.py",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Meta:
    """What the picker shows about a valid scenario."""

    id: str
    title: str
    summary: str
    difficulty: int
    minutes: int
    channel: str
    tags: tuple[str, ...]
    customer: str
    persona: str
    mood: int

    @classmethod
    def of(cls, s: Scenario) -> Meta:
        """The picker's facts about ``s``."""
        c = s.customer
        return cls(s.id, s.title, s.summary, s.difficulty, s.minutes, s.channel, tuple(s.tags),
                   c.name, c.persona, c.mood)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    """One scenario file in the picker."""

    path: Path
    content_hash: str
    meta: Meta | None  # None: the file has errors (or is still being checked)
    problems: tuple[Problem, ...]
    pending: bool = False  # not validated yet: only its name is known

    @property
    def key(self) -> str:
        """A stable identifier for the list (the file path: ids may repeat across folders)."""
        return str(self.path)

    @property
    def title(self) -> str:
        """The scenario's title, or the file name of an invalid file."""
        return self.meta.title if self.meta else self.path.name

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
        m = self.meta
        fields = [self.path.name]
        if m is not None:
            fields += [m.title, m.id, m.channel, m.summary, m.customer, *m.tags]
        haystack = " ".join(fields).casefold()
        return all(word in haystack for word in words)

    def load(self, *, max_bytes: int | None = None) -> FileReport:
        """Validate the file now and return the full report (its scenario, if valid)."""
        from simulator.validate import check_file

        if max_bytes is None:
            return check_file(self.path)
        return check_file(self.path, max_bytes=max_bytes)


def scenario_dirs(extra: Iterable[Path], *, include_shipped: bool = True) -> list[Path]:
    """Trainers' folders first (their scenarios are what they are working on), then shipped."""
    dirs = [Path(d).expanduser() for d in extra]
    if include_shipped:
        dirs.append(shipped_dir())
    return dirs


def list_files(dirs: Iterable[Path]) -> list[Path]:
    """Scenario files in ``dirs`` (not recursive), each folder sorted by name."""
    return scenario_paths(dirs)


def _validator_stamp() -> str:
    """Changes whenever talkdown or its validating modules change (so does the cache)."""
    base = Path(simulator.__file__).parent
    parts = [simulator.__version__, str(CACHE_FORMAT)]
    for name in VALIDATOR_MODULES:
        try:
            st = (base / name).stat()
            parts.append(f"{name}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append(f"{name}:-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _read_cache(path: Path | None, stamp: str) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("stamp") != stamp:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _write_cache(path: Path, stamp: str, entries: dict[str, Any]) -> None:
    """Replace the cache file atomically; a failure only costs the next start some time."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".catalog.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"stamp": stamp, "entries": entries}, fh)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _from_cache(path: Path, digest: str, data: Any) -> Entry | None:
    try:
        meta = (
            None
            if data["meta"] is None
            else Meta(**{**data["meta"], "tags": tuple(data["meta"]["tags"])})
        )
        problems = tuple(Problem(**{**p, "path": str(path)}) for p in data["problems"])
    except (KeyError, TypeError):
        return None
    return Entry(path, digest, meta, problems)


def _to_cache(entry: Entry) -> dict[str, Any]:
    return {
        "meta": None if entry.meta is None else asdict(entry.meta),
        "problems": [asdict(p) for p in entry.problems],
    }


def _validate(path: Path, digest: str, max_bytes: int | None) -> Entry:
    report = Entry(path, digest, None, ()).load(max_bytes=max_bytes)
    s = report.scenario
    return Entry(path, s.content_hash if s else digest, Meta.of(s) if s else None,
                 report.problems)  # fmt: skip


def _sort_key(entry: Entry) -> tuple[bool, bool, int, str]:
    valid = entry.meta is not None
    return (not valid, entry.pending, entry.meta.difficulty if entry.meta else 0,
            entry.title.casefold())  # fmt: skip


def _scan(
    dirs: Sequence[Path], cache: Path | None
) -> tuple[str, dict[str, Any], list[tuple[Path, bytes, str, Entry | None]]]:
    """(validator stamp, the cache's entries, each file with its bytes, digest and cached entry)."""
    stamp = _validator_stamp()
    known = _read_cache(cache, stamp)
    files = []
    for path in list_files(dirs):
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b""
        digest = hashlib.sha256(raw).hexdigest()
        entry = _from_cache(path, digest, known[digest]) if digest in known else None
        files.append((path, raw, digest, entry))
    return stamp, known, files


def quick_catalog(dirs: Sequence[Path], *, cache: Path | None) -> list[Entry]:
    """Every scenario file in ``dirs`` without validating any: what the cache knows, and
    a *pending* entry (the file's name) for each file it does not know yet."""
    _, _, files = _scan(dirs, cache)
    entries = [
        entry if entry is not None else Entry(path, digest, None, (), pending=True)
        for path, _, digest, entry in files
    ]
    return sorted(entries, key=_sort_key)


def load_catalog(
    dirs: Sequence[Path],
    *,
    max_bytes: int | None = None,
    cache: Path | None = None,
    cached_only: bool = False,
) -> list[Entry] | None:
    """Every scenario file in ``dirs``: valid ones by difficulty and title, then invalid.

    Files whose content is in ``cache`` are not parsed; the others are validated
    and added to it. With ``cached_only``, return None instead of validating
    anything (so the caller can do that off the UI thread).
    """
    stamp, known, files = _scan(dirs, cache)
    if cached_only and any(entry is None for *_, entry in files):
        return None
    fresh: dict[str, Any] = {}
    entries: list[Entry] = []
    for path, raw, digest, cached in files:
        entry = cached if cached is not None else _validate(path, digest, max_bytes)
        if raw and (max_bytes is None or len(raw) <= max_bytes):
            fresh[digest] = _to_cache(entry)
        entries.append(entry)
    if cache is not None and fresh.keys() != known.keys():
        _write_cache(cache, stamp, fresh)
    return sorted(entries, key=_sort_key)


def default_cache() -> Path:
    """Where the catalogue cache lives."""
    from simulator import locations

    return locations.cache_dir() / CACHE_NAME
