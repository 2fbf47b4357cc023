"""A broken results database: ``talkdown: error: <what> — <what to do>``, exit 1, every command.

Faults: a truncated file, garbage, another program's SQLite file, a newer
talkdown's, a file damaged past its first pages, a read-only file, a read-only
folder, a write lock held past the busy timeout, and a full disk. Commands:
``run --record``, ``report``, ``export``, ``import`` and ``trainer`` (which
checks the file before opening its screen). Readers open a database they
cannot write read-only and still work.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from simulator.cli import cli
from simulator.results.sqlite import store as store_mod
from simulator.results.sqlite.schema import SCHEMA_VERSION
from simulator.store import Store
from simulator.tui.screens.trainer import TrainerApp
from tests.hostile.helpers import REPO, run_cli, unprivileged

MINI = str(REPO / "tests" / "fixtures" / "mini.yaml")
RECORD = ["run", MINI, "--choices", "1,1", "--record", "--trainee", "Ann", "--cohort", "c1"]


def damage(kind: str, good: Path, path: Path) -> None:
    """Make *path* a database with fault *kind*, from the good database *good*."""
    if kind == "garbage":
        path.write_bytes(random.Random(1).randbytes(8192))
        return
    if kind == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE invoices (id INTEGER)")
        conn.close()
        return
    shutil.copy(good, path)
    size = path.stat().st_size
    if kind == "truncated":
        os.truncate(path, size // 2)
    elif kind == "future":
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 99")
        conn.close()
    elif kind == "corrupt":  # the header and schema survive; the data pages do not
        with path.open("r+b") as fh:
            fh.seek(2 * 4096)
            fh.write(random.Random(2).randbytes(size - 2 * 4096))


WHAT = {
    "truncated": "is damaged or is not a database",
    "garbage": "is damaged or is not a database",
    "foreign": "not a talkdown results database",
    "future": f"only knows up to version {SCHEMA_VERSION} — upgrade talkdown",
    "corrupt": "is damaged or is not a database",
}


@pytest.fixture
def exported(sample_sqlite: Path, tmp_path: Path) -> Path:
    path = tmp_path / "export.jsonl"
    result = CliRunner().invoke(cli, ["export", "--db", str(sample_sqlite), "--format", "jsonl",
                                      "-o", str(path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return path


def commands(db: Path, jsonl: Path) -> dict[str, list[str]]:
    return {
        "run --record": [*RECORD, "--db", str(db)],
        "report": ["report", "--db", str(db)],
        "export": ["export", "--db", str(db)],
        "import": ["import", str(jsonl), "--db", str(db)],
        "trainer": ["trainer", "--db", str(db)],
    }


def assert_clean_error(result: Result, what: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("talkdown: error: "), result.stderr
    assert what in last and " — " in last, last
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", list(WHAT))
@pytest.mark.parametrize("command", ["run --record", "report", "export", "import", "trainer"])
def test_a_damaged_or_foreign_database_is_a_clean_error(
    kind: str, command: str, sample_sqlite: Path, exported: Path, tmp_path: Path
) -> None:
    if kind == "corrupt" and command == "trainer":
        pytest.skip("damage past the first pages is found by reading: see the next test")
    db = tmp_path / "broken.db"
    damage(kind, sample_sqlite, db)
    result = CliRunner().invoke(cli, commands(db, exported)[command])
    assert_clean_error(result, WHAT[kind])


async def test_the_trainer_screen_reports_damage_found_while_reading(
    sample_sqlite: Path, tmp_path: Path
) -> None:
    db = tmp_path / "broken.db"
    damage("corrupt", sample_sqlite, db)
    app = TrainerApp(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "Cannot read the results" in text and "is damaged" in text


# --------------------------------------------------------------------------- permissions


@pytest.fixture
def read_only(sample_sqlite: Path, tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """A copy of the sample database in a read-only file, or in a read-only folder."""
    made: list[Path] = []

    def make(kind: str) -> Path:
        folder = tmp_path / kind
        folder.mkdir()
        db = folder / "results.db"
        shutil.copy(sample_sqlite, db)
        made.append(folder)
        if kind == "file":
            db.chmod(0o444)
        else:
            folder.chmod(0o555)
        return db

    yield make
    for folder in made:
        folder.chmod(0o755)


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="as root, permissions apply only with setpriv dropping CAP_DAC_OVERRIDE",
)
@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_read_only_database_refuses_writes_and_serves_reads(
    kind: str, read_only: Callable[[str], Path], sample_sqlite: Path, exported: Path
) -> None:
    db = read_only(kind)
    expected = CliRunner().invoke(cli, ["export", "--db", str(sample_sqlite)]).stdout_bytes
    home = {"TALKDOWN_HOME": str(db.parent.parent / "home")}
    for command, args in commands(db, exported).items():
        if command == "trainer":
            continue  # it opens read-only too, and then its screen: see the trainer tests
        if command == "import" and kind == "file":
            continue  # an import of only known attempts writes nothing: it may succeed
        result = run_cli(args, prefix=unprivileged(), env=home)
        stderr = result.stderr.decode()
        if command in ("run --record", "import"):
            assert result.returncode == 1, stderr
            assert "talkdown: error: cannot write the results database" in stderr
            assert "read-only" in stderr and " — check the permissions" in stderr
        elif command == "export":
            assert result.returncode == 0, stderr
            assert result.stdout == expected  # read, read-only, in full
        elif command == "report":
            assert result.returncode == 0, stderr
            assert b"Cohort report" in result.stdout


# --------------------------------------------------------------------------- lock and disk


def test_a_lock_held_too_long_is_a_clean_error(
    sample_sqlite: Path, exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(sample_sqlite, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        runs = commands(sample_sqlite, exported)
        for command in ("run --record", "import"):
            assert_clean_error(CliRunner().invoke(cli, runs[command]), "is locked")
        for command in ("report", "export"):  # readers never wait for a writer
            assert CliRunner().invoke(cli, runs[command]).exit_code == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_full_database_is_a_clean_error(
    exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own "database or disk is full", made by capping the file at its size.

    The replies are made long, so storing them needs pages the cap does not allow.
    """
    db = tmp_path / "full.db"
    Store(db).close()
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    for record in lines:
        for reply in record["choices"]:
            reply["say"] = "word " * 4000
    exported.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    connect = sqlite3.connect

    def capped(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)  # type: ignore[arg-type]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(store_mod.sqlite3, "connect", capped)
    result = CliRunner().invoke(cli, commands(db, exported)["import"])
    assert_clean_error(result, "the disk is full — free some space")
    assert "attempts added" in result.stdout  # the summary of what got in before


def _tmpfs_available() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _tmpfs_available(), reason="needs unshare -m to mount a small tmpfs")
@pytest.mark.parametrize("command", ["run --record", "import"])
def test_a_really_full_disk_is_a_clean_error(command: str, exported: Path, tmp_path: Path) -> None:
    """A 256 KiB tmpfs holding the database, then filled to the last byte."""
    mount = tmp_path / "disk"
    mount.mkdir()
    db = mount / "results.db"
    args = " ".join(f"'{a}'" for a in commands(db, exported)[command])
    script = (
        f"mount -t tmpfs -o size=256k tmpfs '{mount}' && "
        f"'{sys.executable}' -c 'from simulator.store import Store; Store(\"{db}\").close()' && "
        f"(dd if=/dev/zero of='{mount}/filler' bs=1k count=1024 2>/dev/null; true) && "
        f"'{sys.executable}' -m simulator {args}"
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO), "TALKDOWN_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert stderr.strip().splitlines()[-1].startswith("talkdown: error: "), stderr
    assert "the disk is full" in stderr and " — free some space" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("kind", ["device", "fifo", "symlink loop"])
@pytest.mark.parametrize("command", ["run --record", "report", "import"])
def test_a_database_path_that_is_no_database_file(
    kind: str, command: str, exported: Path, tmp_path: Path
) -> None:
    if kind == "device":
        db = Path("/dev/null")
    elif kind == "fifo":
        db = tmp_path / "pipe.db"
        os.mkfifo(db)
    else:
        db = tmp_path / "loop.db"
        db.symlink_to(tmp_path / "loop2.db")
        (tmp_path / "loop2.db").symlink_to(db)
    result = CliRunner().invoke(cli, commands(db, exported)[command])
    what = "cannot open" if kind == "symlink loop" else "is not a regular file"
    if kind == "symlink loop" and command == "report":
        what = "no results database"
    assert_clean_error(result, what)
