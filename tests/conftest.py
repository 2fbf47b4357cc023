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


#: A 300-character trainee name (the report and the trainer screen must still show scores).
LONG_NAME = "Maximiliana " + "Wolfeschlegelsteinhausenbergerdorff-" * 8 + "Featherstonehaugh"
LONG_NAME = (LONG_NAME * 2)[:300]

#: Who plays tests/fixtures/tui_call.yaml in `played_db`, and the replies they make.
#: By hand: opening offers 3 replies, 1 is strongest; fix offers 3, 1 is strongest.
PLAYS = (
    ("Ann Lee", "spring", (1, 1)),  # resolved
    ("Bo Chen", "spring", (1, 2)),  # lost
    ("Zoë Ng", "autumn", (3,)),  # escalated at once
    (LONG_NAME, "autumn", (1, 1)),  # resolved
)


@pytest.fixture
def played_db(tmp_path: Path) -> tuple[Path, Path]:
    """(database, scenario folder): `PLAYS` recorded on the real kettle scenario file.

    Unlike `sample_db`, its content hash is that of a file in the folder, so the
    report can find every reply offered (the item analysis).
    """
    from simulator.analysis import par_for
    from simulator.engine import Conversation
    from simulator.recording import Recorder
    from simulator.store import Store
    from simulator.validate import check_file

    folder = tmp_path / "played-scenarios"
    folder.mkdir()
    shutil.copy(FIXTURES / "tui_call.yaml", folder / "tui_call.yaml")
    scenario = check_file(folder / "tui_call.yaml").scenario
    assert scenario is not None
    path = tmp_path / "played.db"
    with Store(path) as store:
        for name, cohort, replies in PLAYS:
            conv = Conversation(scenario)
            recorder = Recorder(store, conv, name=name, cohort=cohort, mode="practice")
            for number in replies:
                recorder.record(conv.choose(number, latency_ms=2000.0))
            recorder.finish(par_for(scenario))
    return path, folder


@pytest.fixture
def tui_scenarios(tmp_path: Path) -> Path:
    """A folder holding only the TUI fixtures (the shipped library changes under us)."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in TUI_FIXTURES:
        shutil.copy(FIXTURES / name, folder / name)
    return folder
