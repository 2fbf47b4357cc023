"""Finding scenarios: the shipped library (package data) and trainers' folders.

Kept free of the loader and YAML so the TUI can list files without paying for them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.model import Scenario

SCENARIO_SUFFIXES = (".yaml", ".yml")


def shipped_dir() -> Path:
    """The folder of the scenarios installed with the package."""
    import scenarios

    # The package's own folder: importlib.resources would say the same for an installed
    # package, but costs a few milliseconds of the start to import.
    if scenarios.__file__ is not None:
        return Path(scenarios.__file__).parent
    from importlib import resources

    return Path(str(resources.files("scenarios")))


def shipped_paths() -> list[Path]:
    """Every shipped scenario file, sorted by name."""
    return scenario_paths([shipped_dir()])


def scenario_paths(dirs: Iterable[Path]) -> list[Path]:
    """Scenario files in ``dirs`` (not recursive), each folder sorted by name."""
    out: list[Path] = []
    seen: set[Path] = set()
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix in SCENARIO_SUFFIXES and path.is_file():
                real = path.resolve()
                if real not in seen:
                    seen.add(real)
                    out.append(path)
    return out


def resolve(spec: str, extra_dirs: Iterable[Path] = ()) -> Path | None:
    """A scenario argument as a path: an existing file, else a shipped/extra id."""
    path = Path(spec)
    if path.is_file() or path.suffix in SCENARIO_SUFFIXES or "/" in spec or "\\" in spec:
        return path
    for folder in [*extra_dirs, shipped_dir()]:
        for suffix in SCENARIO_SUFFIXES:
            candidate = folder / f"{spec}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def known_ids(extra_dirs: Iterable[Path] = ()) -> list[str]:
    """Ids (file stems) of every scenario that ``resolve`` can find by id."""
    return sorted({p.stem for p in scenario_paths([*extra_dirs, shipped_dir()])})


class ScenarioVersions:
    """Find the scenario file a stored attempt was played on, by its content hash.

    Results keep only what was said, not what else could have been said; the
    report's item analysis (every reply, unpicked ones too, the strongest
    marked) needs the file itself. Files in ``dirs`` are hashed once, on first
    use, and a file is loaded only when its version is asked for.
    """

    def __init__(self, dirs: Iterable[Path]) -> None:
        self.dirs = list(dirs)
        self._paths: dict[str, Path] | None = None
        self._loaded: dict[str, Scenario | None] = {}

    def _index(self) -> dict[str, Path]:
        if self._paths is None:
            self._paths = {}
            for path in scenario_paths(self.dirs):
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    continue  # unreadable: that version just stays unknown
                self._paths.setdefault(digest, path)
        return self._paths

    def get(self, content_hash: str) -> Scenario | None:
        """The scenario whose file has exactly ``content_hash``; None if no folder holds it."""
        if content_hash not in self._loaded:
            path = self._index().get(content_hash)
            scenario = None
            if path is not None:
                from simulator.loader import read_file

                loaded = read_file(path).scenario
                if loaded is not None and loaded.content_hash == content_hash:
                    scenario = loaded
            self._loaded[content_hash] = scenario
        return self._loaded[content_hash]
