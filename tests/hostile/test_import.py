"""``talkdown import`` over hostile lines: each is refused on its own, none aborts the run.

``corpus/import-hostile.jsonl`` holds one case per line (written by hand from
a valid attempt at ``corpus/escapes.yaml``, whose content hash it carries):

 1 valid                      9 ESC in the cohort
 2 started in year 1, +01:00  10 unknown start node
 3 finished in 9999, -01:00   11 unknown next node
 4 100,000 nested ``[``       12 reply 7 at a node offering 2
 5 another e-mail for Ann     13 a lost ending node for a resolved call
 6 passed, but lost           14 the wrong scenario id for that content hash
 7 finished before started    15 a NaN score
 8 NUL in the name            16 valid (a new trainee)
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from simulator.cli import cli
from simulator.config import Config, save_config
from simulator.export.importer import Invalid, parse_record
from simulator.results.sqlite import store as store_mod
from simulator.store import Store
from tests.hostile.helpers import CORPUS, assert_inert

HOSTILE = CORPUS / "import-hostile.jsonl"


@pytest.fixture
def library() -> None:
    """The corpus folder is one of this trainer's scenario folders."""
    save_config(Config(scenario_dirs=(CORPUS,)))


def run_import(db: Path, *extra: str) -> Result:
    return CliRunner().invoke(cli, ["import", str(HOSTILE), "--db", str(db), *extra])


def test_the_corpus_still_carries_the_hash_of_its_scenario() -> None:
    digest = hashlib.sha256((CORPUS / "escapes.yaml").read_bytes()).hexdigest()
    assert digest in HOSTILE.read_text(encoding="utf-8").splitlines()[0]


def test_every_hostile_line_is_reported_and_skipped(library: None, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    result = run_import(db)
    assert result.exit_code == 1, result.output
    assert_inert(result.output, shown=None)
    where = f"{HOSTILE}:"
    reported = {
        int(line[len(where) :].split(":", 1)[0]): line.split(": ", 1)[1]
        for line in result.stderr.splitlines()
        if line.startswith(where)
    }
    expected = {
        2: "'started_at' is 0001-01-01T00:00:00+01:00, outside 2000–2100",
        3: "'finished_at' is 9999-12-31T23:59:59-01:00, outside 2000–2100",
        4: "nested more than 32 levels deep",
        5: "conflict: trainee 'Ann Lee' (2024-spring) has the e-mail ann@example.com here and "
        "mallory@evil.example in the file; kept the one here",
        6: "'passed' is true but 'ending' is lost: only a resolved call passes",
        7: "'finished_at' is before 'started_at'",
        8: "'trainee.name' holds a NUL character (U+0000)",
        9: "'trainee.cohort' cannot be a name: it holds the control character U+001B",
        10: "'start_node' is 'nowhere', which is not a node of hostile-escapes",
        11: "'choices[0].next_node' is 'nowhere', which is not a node of hostile-escapes",
        12: "'choices[0].choice' is 7, but node 'opening' offers 2",
        13: "'ending_node' 'gone' is not a resolved ending of hostile-escapes",
        14: "'scenario.id' is 'late-parcel', but the file with this content hash here is "
        "scenario 'hostile-escapes'",
        15: "NaN is not a number JSON allows",
    }
    assert sorted(reported) == sorted(expected)
    for line, message in expected.items():
        assert reported[line].startswith(message), (line, reported[line])
    # Lines 1 and 16 were added, and line 5 too — under the e-mail kept here.
    assert "3 attempts added" in result.stdout and "13 rejected" in result.stdout
    with Store(db) as store:
        emails = {(t.name, t.email) for t in store.trainees()}
    assert emails == {("Ann Lee", "ann@example.com"), ("Zoë Ng", None)}


def test_node_ids_are_not_checked_without_the_scenario(tmp_path: Path) -> None:
    """Without the version played in this library, ids can only be checked for spelling."""
    result = run_import(tmp_path / "r.db")
    assert "not a node of" not in result.stderr
    assert "8 attempts added" in result.stdout  # 1, 5 and 10–14, 16


def test_update_emails_takes_the_files_email(library: None, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    result = run_import(db, "--update-emails")
    assert "conflict" not in result.stderr
    with Store(db) as store:
        emails = {t.name: t.email for t in store.trainees()}
    assert emails["Ann Lee"] == "mallory@evil.example"


def test_an_email_for_a_trainee_who_had_none_is_a_conflict_too(tmp_path: Path) -> None:
    """Adding an e-mail changes the trainee's xAPI identity just as replacing one does."""
    db = tmp_path / "r.db"
    with Store(db) as store:
        store.trainee_id("Ann Lee", "2024-spring")
    result = run_import(db)
    assert "has the e-mail (none) here and ann@example.com in the file" in result.stderr
    with Store(db) as store:
        assert {t.email for t in store.trainees() if t.name == "Ann Lee"} == {None}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("overall", float("nan"), "must be a number or null, not nan (not finite)"),
        ("overall", float("inf"), "must be a number or null, not inf (not finite)"),
        ("overall", "ninety", "must be a number or null, not text"),
    ],
)
def test_score_messages_say_what_the_value_is(field: str, value: object, message: str) -> None:
    import json

    record = json.loads(HOSTILE.read_text(encoding="utf-8").splitlines()[0])
    record["scores"][field] = value
    with pytest.raises(Invalid, match=re.escape(message)):
        parse_record(record)


def test_a_held_lock_stops_the_import_with_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "r.db"
    Store(db).close()
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock throughout
    try:
        started = time.monotonic()
        result = run_import(db)
        took = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert f"talkdown: error: {HOSTILE}:1: the results database" in result.stderr
    assert (
        "is locked" in result.stderr and "importing the same files again is safe" in result.stderr
    )
    assert "0 attempts added" in result.stdout and "0 rejected" in result.stdout
    # One wait for the lock, not one per line (16 lines × 0.2 s would be over 3 s).
    assert took < 16 * 0.2, took
