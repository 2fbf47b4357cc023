"""Shared fixtures: an isolated talkdown home for every test, the TUI's scenario
fixtures, and a results database holding the fixed sample cohort."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
TUI_FIXTURES = ("tui_call.yaml", "tui_loop.yaml", "tui_broken.yaml")


@pytest.fixture(autouse=True)
def talkdown_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TALKDOWN_HOME in a temporary folder; no trainee, cohort or db from the environment.

    Autouse: no test may read or write the real user's talkdown files.
    """
    home = tmp_path / "home"
    monkeypatch.setenv("TALKDOWN_HOME", str(home))
    for var in ("TALKDOWN_DB", "TALKDOWN_TRAINEE", "TALKDOWN_COHORT"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def sample_db(tmp_path: Path) -> Path:
    """A results database holding the fixed sample cohort (simulator.export.sample)."""
    from simulator.export.sample import build_sample
    from simulator.store import Store

    path = tmp_path / "sample.db"
    with Store(path) as store:
        build_sample(store)
    return path


@pytest.fixture
def tui_scenarios(tmp_path: Path) -> Path:
    """A folder holding only the TUI fixtures (the shipped library changes under us)."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in TUI_FIXTURES:
        shutil.copy(FIXTURES / name, folder / name)
    return folder
