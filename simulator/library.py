"""Finding scenarios: the shipped library (package data) and trainers' folders.

Kept free of the loader and YAML so the TUI can list files without paying for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

SCENARIO_SUFFIXES = (".yaml", ".yml")


def shipped_dir() -> Path:
    """The folder of the scenarios installed with the package."""
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
