"""Shared fixtures: an isolated talkdown home for every test, the TUI's scenario
fixtures, and results stores — on SQLite and on PostgreSQL — holding the fixed
sample cohort.

The results-store suite runs on both backends through one parametrised
fixture, `results_backend`: `new_store_target` makes fresh, empty stores of
the test's backend (an SQLite file in the test's temp dir, or a PostgreSQL
schema of its own, dropped afterwards), and `sample_db` one holding the
sample cohort. The PostgreSQL half needs a server: ``TALKDOWN_TEST_PG`` names
it (a ``postgresql://`` URL of a database the tests may create schemas in;
``.ci/run`` starts a throwaway one). Without it those tests are skipped,
saying why, and the rest of the suite runs as before.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from simulator.results import DbTarget

#: The PostgreSQL server the backend tests use (a URL), if any.
PG_ENV = "TALKDOWN_TEST_PG"
PG_SKIP = (
    f"PostgreSQL backend: no server configured — set {PG_ENV}=postgresql://… "
    "(bash .ci/run starts a throwaway cluster and sets it)"
)

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


def pg_server() -> str | None:
    """``TALKDOWN_TEST_PG``, when set and psycopg is installed; else None."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        return None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None
    return url


def with_search_path(url: str, schema: str) -> str:
    """*url* connecting with *schema* first on the search path (its own tables)."""
    joiner = "&" if "?" in url else "?"
    return url + joiner + urlencode({"options": f"-csearch_path={schema}"})


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
)
def results_backend(request: pytest.FixtureRequest) -> str:
    """Which results backend the test runs on (every store test runs on both)."""
    backend: str = request.param
    if backend == "postgresql" and pg_server() is None:
        pytest.skip(PG_SKIP)
    return backend


@pytest.fixture
def new_store_target(results_backend: str, tmp_path: Path) -> Iterator[Callable[[], DbTarget]]:
    """Makes fresh, empty results stores of the test's backend (``--db`` values)."""
    schemas: list[str] = []
    count = 0

    def make() -> DbTarget:
        nonlocal count
        count += 1
        if results_backend == "sqlite":
            return tmp_path / f"results-{count}.db"
        import psycopg

        url = pg_server()
        assert url is not None
        schema = f"test_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        return with_search_path(url, schema)

    yield make
    if schemas:
        import psycopg

        url = pg_server()
        assert url is not None
        with psycopg.connect(url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store_target(new_store_target: Callable[[], DbTarget]) -> DbTarget:
    """A fresh, empty results store of the test's backend."""
    return new_store_target()


@pytest.fixture
def sample_db(new_store_target: Callable[[], DbTarget]) -> DbTarget:
    """A results store holding the fixed sample cohort (simulator.export.sample), each backend."""
    from simulator.export.sample import build_sample
    from simulator.results import open_store

    target = new_store_target()
    with open_store(target) as store:
        build_sample(store)
    return target


@pytest.fixture
def sample_sqlite(tmp_path: Path) -> Path:
    """An SQLite results file holding the sample cohort (for tests of the file itself)."""
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


def play_into(target: DbTarget, tmp_path: Path) -> tuple[DbTarget, Path]:
    """`PLAYS` recorded into *target* on a copy of the real kettle scenario file."""
    from simulator.analysis import par_for
    from simulator.engine import Conversation
    from simulator.recording import Recorder
    from simulator.results import open_store
    from simulator.validate import check_file

    folder = tmp_path / "played-scenarios"
    folder.mkdir()
    shutil.copy(FIXTURES / "tui_call.yaml", folder / "tui_call.yaml")
    scenario = check_file(folder / "tui_call.yaml").scenario
    assert scenario is not None
    with open_store(target) as store:
        for name, cohort, replies in PLAYS:
            conv = Conversation(scenario)
            recorder = Recorder(store, conv, name=name, cohort=cohort, mode="practice")
            for number in replies:
                recorder.record(conv.choose(number, latency_ms=2000.0))
            recorder.finish(par_for(scenario))
    return target, folder


@pytest.fixture
def played_db(new_store_target: Callable[[], DbTarget], tmp_path: Path) -> tuple[DbTarget, Path]:
    """(database, scenario folder): `PLAYS` recorded on the real kettle scenario file, each backend.

    Unlike `sample_db`, its content hash is that of a file in the folder, so the
    report can find every reply offered (the item analysis).
    """
    return play_into(new_store_target(), tmp_path)


@pytest.fixture
def played_sqlite(tmp_path: Path) -> tuple[DbTarget, Path]:
    """`played_db` in an SQLite file only (for tests of rendering, not of the store)."""
    return play_into(tmp_path / "played.db", tmp_path)


@pytest.fixture
def tui_scenarios(tmp_path: Path) -> Path:
    """A folder holding only the TUI fixtures (the shipped library changes under us)."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in TUI_FIXTURES:
        shutil.copy(FIXTURES / name, folder / name)
    return folder
