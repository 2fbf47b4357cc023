"""Typed replies in the results store, exports, import and report — on both backends.

Typed text is personal data: it is kept with the attempt on this machine and
leaves it only with ``--include-typed``. Every export below is searched for
the typed words, with and without the flag.

Attempts are played on tests/fixtures/typed_parcel.yaml through the real
session (the default ``ngram`` matcher). What each typed line is heard as was
worked out by reading it against the replies (see tests/unit/test_typed.py):
``SORRY`` → a1, ``THANKS`` → b1, ``OFF_TOPIC`` → none.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.loader import load_scenario
from simulator.matching import get_matcher
from simulator.results import DbTarget, Filters, StoreError, open_store
from simulator.results.checks import MAX_TYPED
from simulator.tui.session import Session, new_session, resume_session
from simulator.tui.settings import PlaySettings
from simulator.typed import MAX_TYPED_CHARS
from tests.helpers import fixture

PARCEL = fixture("typed_parcel.yaml")
SORRY = "zebra: so sorry, I'll find the parcel now and ring you back by five"  # heard as a1
THANKS = "zebra: thanks for waiting, it comes tomorrow"  # heard as b1
OFF_TOPIC = "zebra crossing weather on mars"  # heard as nothing
SECRET = "zebra"  # in every typed line, in no reply, trainee name or scenario text


def recorded(store: Any, name: str = "Ann Lee") -> Session:
    scenario = load_scenario(PARCEL)
    return new_session(scenario, PlaySettings(say=True), store=store, identity=(name, "A"),
                       matcher=get_matcher("ngram"))  # fmt: skip


def play(store: Any, *steps: tuple[str | None, int], name: str = "Ann Lee") -> str:
    """Play *steps* — (typed text, or None to pick; reply said) — to the end; the uuid."""
    session = recorded(store, name)
    for text, number in steps:
        if text is None:
            session.choose(number)
        else:
            session.say_shown(session.hear(text), number)
    session.finish()
    assert session.uuid is not None
    return session.uuid


def test_typed_replies_are_kept_with_the_attempt(store_target: DbTarget) -> None:
    with open_store(store_target) as store:
        uuid = play(store, (SORRY, 2), (THANKS, 1))  # a1 heard, a2 said; b1 heard and said
        attempt = store.get_attempt(uuid)
        first, second = store.get_choices(uuid)
    assert attempt is not None and attempt.matcher == "ngram"
    assert attempt.matcher_version == get_matcher("ngram").version
    assert (first.typed, first.matched, first.choice, first.overridden) == (SORRY, 1, 2, True)
    assert (second.typed, second.matched, second.choice, second.overridden) == (THANKS, 1, 1,
                                                                               False)  # fmt: skip
    assert first.similarity is not None and 0 < first.similarity < 1
    assert first.critical == "blamed the courier"  # the reply said carries its rules


def test_picked_replies_and_unmatched_text(store_target: DbTarget) -> None:
    with open_store(store_target) as store:
        uuid = play(store, (OFF_TOPIC, 3), (None, 2))
        attempt = store.get_attempt(uuid)
        first, second = store.get_choices(uuid)
    assert attempt is not None and attempt.matcher == "ngram"
    assert (first.typed, first.matched, first.choice, first.overridden) == (OFF_TOPIC, None, 3,
                                                                            True)  # fmt: skip
    assert (second.typed, second.matched, second.similarity, second.overridden) == (
        None, None, None, None)  # fmt: skip
    with open_store(store_target) as store:
        plain = play(store, (None, 1), (None, 1))
        untouched = store.get_attempt(plain)
    assert untouched is not None and untouched.matcher is None  # nothing typed: no matcher


def _reply(store: Any, uuid: str, seq: int = 1, **typed: Any) -> None:
    store.record_choice(uuid, seq=seq, node="a", choice=typed.pop("choice", 1), say="Hi",
                        empathy=0, assertiveness=0, tags=[], mood_before=50, mood_after=50,
                        seconds=5, latency_ms=None, next_node="b", **typed)  # fmt: skip


GOOD = {"typed": "hello", "matched": 1, "similarity": 0.5, "matcher": "ngram",
        "matcher_version": "1"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"choice": None}, "needs a reply made"),
        ({"similarity": 1.5}, "from 0 to 1"),
        ({"similarity": None}, "similarity is required"),
        ({"matcher": None}, "needs the matcher"),
        ({"typed": None}, "needs the typed text"),
        ({"typed": "  "}, "non-empty"),
        ({"typed": "x" * (MAX_TYPED + 1)}, "longer than"),
        ({"matched": 0}, "matched must be"),
    ],
)
def test_a_typed_reply_must_hold_together(
    store_target: DbTarget, change: dict[str, Any], message: str
) -> None:
    with open_store(store_target) as store:
        uuid = store.start_attempt(name="Ann", cohort="A", scenario_id="s", scenario_title="S",
                                   content_hash="h", mode="practice", start_node="a")  # fmt: skip
        with pytest.raises(ValueError, match=message):
            _reply(store, uuid, **{**GOOD, **change})
        assert store.get_choices(uuid) == []  # nothing half-written
        _reply(store, uuid, **GOOD)
        with pytest.raises(StoreError, match="heard by the ngram matcher 1, not semantic"):
            _reply(store, uuid, seq=2, **{**GOOD, "matcher": "semantic"})
        assert len(store.get_choices(uuid)) == 1
    assert MAX_TYPED == MAX_TYPED_CHARS  # the store keeps all that the TUI lets one type


# --------------------------------------------------------------------------- exports


@pytest.fixture
def typed_db(store_target: DbTarget) -> DbTarget:
    """Three attempts: typed and confirmed/overridden, typed but unmatched, all picked."""
    with open_store(store_target) as store:
        play(store, (SORRY, 1), (THANKS, 1), name="Ann Lee")
        play(store, (SORRY, 2), (OFF_TOPIC, 2), name="Bo Chen")
        play(store, (None, 3), (None, 1), name="Cy Dee")
    return store_target


def export(db: DbTarget, *args: str) -> str:
    result = CliRunner().invoke(cli, ["export", "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


FORMATS = [["--format", "csv"], ["--format", "csv", "--choices"], ["--format", "jsonl"],
           ["--format", "xapi"]]  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS, ids=["csv", "csv-choices", "jsonl", "xapi"])
def test_typed_text_leaves_only_with_include_typed(typed_db: DbTarget, fmt: list[str]) -> None:
    without = export(typed_db, *fmt)
    assert SECRET not in without
    for key in ("typed", "matched", "similarity", "overridden", "matcher", "long-fill-in"):
        assert key not in without  # not even empty columns or keys
    with_typed = export(typed_db, *fmt, "--include-typed")
    if fmt == ["--format", "csv"]:  # a row per attempt: its matcher, no reply's words
        assert "matcher" in with_typed and SECRET not in with_typed
    else:
        assert SECRET in with_typed


def test_typed_text_reaches_an_lrs_only_with_include_typed(typed_db: DbTarget) -> None:
    from tests.unit.test_export_xapi import FakeLrs

    for flag, present in (([], False), (["--include-typed"], True)):
        with FakeLrs() as lrs:
            result = CliRunner().invoke(cli, ["export", "--db", str(typed_db), "--format",
                                              "xapi", "--lrs", lrs.url, *flag])  # fmt: skip
            assert result.exit_code == 0, result.output
            assert lrs.stored and (SECRET in json.dumps(lrs.stored)) is present


def test_csv_columns_with_include_typed(typed_db: DbTarget) -> None:
    rows = list(csv.DictReader(io.StringIO(
        export(typed_db, "--format", "csv", "--choices", "--include-typed"))))  # fmt: skip
    bo = [r for r in rows if r["trainee"] == "Bo Chen"]
    assert [(r["typed"], r["matched"], r["overridden"]) for r in bo] == [
        (SORRY, "1", "true"), (OFF_TOPIC, "", "true")]  # fmt: skip
    assert 0 < float(bo[0]["similarity"]) < 1 and len(bo[0]["similarity"].split(".")[1]) <= 3
    cy = [r for r in rows if r["trainee"] == "Cy Dee"]
    assert all(r["typed"] == r["matched"] == r["similarity"] == r["overridden"] == "" for r in cy)
    attempts = list(csv.DictReader(io.StringIO(
        export(typed_db, "--format", "csv", "--include-typed"))))  # fmt: skip
    version = get_matcher("ngram").version
    assert {a["trainee"]: a["matcher"] for a in attempts} == {
        "Ann Lee": f"ngram {version}", "Bo Chen": f"ngram {version}", "Cy Dee": ""}  # fmt: skip


def test_jsonl_fast_lines_with_typed_equal_the_records(typed_db: DbTarget) -> None:
    from simulator.export.jsonl import _grouped, attempt_record, choice_record, dumps, line

    with open_store(typed_db) as store, store.snapshot() as view:
        for row, replies in _grouped(view, Filters()):
            for typed in (False, True):
                record = attempt_record(row, [choice_record(r, typed) for r in replies], typed)
                assert line(row, replies, typed) == dumps(record)
            if row.trainee == "Ann Lee":
                assert record["matcher"]["name"] == "ngram"
                assert [c["overridden"] for c in record["choices"]] == [False, False]


def test_xapi_long_fill_in_with_include_typed(typed_db: DbTarget) -> None:
    statements = json.loads(export(typed_db, "--format", "xapi", "--include-typed"))
    answered = [s for s in statements if s["verb"]["display"]["en-US"] == "answered"]
    bo = [s for s in answered if s["actor"]["name"] == "Bo Chen"]
    first, second = bo
    definition = first["object"]["definition"]
    assert definition["interactionType"] == "long-fill-in"
    assert first["object"]["id"].endswith("/scenarios/say-parcel/nodes/a/typed")
    assert first["result"]["response"] == SORRY
    ext = first["result"]["extensions"]
    base = "https://talkdown.invalid/ext/"
    assert ext[base + "matched-reply"].endswith("/nodes/a/replies/1")
    assert ext[base + "reply"].endswith("/nodes/a/replies/2")  # what was said instead
    assert 0 < ext[base + "similarity"] < 1 and ext[base + "overridden"] is True
    assert second["result"]["extensions"][base + "matched-reply"] is None  # OFF_TOPIC
    assert first["result"]["success"] is False  # a2 is critical, typed or not
    cy = [s for s in answered if s["actor"]["name"] == "Cy Dee"]
    assert all("interactionType" not in s["object"]["definition"] for s in cy)  # picked: choice
    assert cy[0]["object"]["id"].endswith("/nodes/a/replies/3")


# --------------------------------------------------------------------------- import


def test_import_keeps_typed_replies_and_a_stripped_copy_is_the_same_attempt(
    typed_db: DbTarget, new_store_target: Callable[[], DbTarget], tmp_path: Path
) -> None:
    full, stripped = tmp_path / "full.jsonl", tmp_path / "stripped.jsonl"
    full.write_text(export(typed_db, "--format", "jsonl", "--include-typed"))
    stripped.write_text(export(typed_db, "--format", "jsonl"))
    elsewhere = new_store_target()
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(full), "--db", str(elsewhere)])
    assert result.exit_code == 0, result.output
    with open_store(typed_db) as here, open_store(elsewhere) as there:
        for attempt in here.iter_attempts():
            copy = there.get_attempt(attempt.uuid)
            assert copy is not None and copy.matcher == attempt.matcher
            assert there.get_choices(attempt.uuid) == here.get_choices(attempt.uuid)
    # The same attempts without their typed text: already here, nothing replaced or lost.
    result = runner.invoke(cli, ["import", str(stripped), "--db", str(typed_db)])
    assert result.exit_code == 0, result.output
    assert "0 replaced, 3 skipped (already here), 0 conflicts" in result.output, result.output
    with open_store(typed_db) as here:
        assert sum(c.typed is not None for a in here.iter_attempts()
                   for c in here.get_choices(a.uuid)) == 4  # fmt: skip


def test_import_refuses_typed_replies_that_do_not_hold_together(
    typed_db: DbTarget, tmp_path: Path, new_store_target: Callable[[], DbTarget]
) -> None:
    line = json.loads(export(typed_db, "--format", "jsonl", "--include-typed").splitlines()[0])
    line["matcher"] = None
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(line) + "\n")
    result = CliRunner().invoke(cli, ["import", str(bad), "--db", str(new_store_target())])
    assert result.exit_code == 1
    assert "'matcher' must name the matcher that heard the typed replies" in result.output


# --------------------------------------------------------------------------- report


def test_the_report_counts_what_typed_text_was_heard_as(typed_db: DbTarget, tmp_path: Path) -> None:
    """By hand, node a: Ann typed SORRY (heard a1, said a1), Bo typed SORRY (heard a1, said
    a2), Cy picked a3: 2 typed, none unmatched, 1 overridden; a1 heard twice, once overridden.
    Node b: Ann THANKS (heard b1, said b1), Bo OFF_TOPIC (heard none, said b2): 2 typed,
    1 unmatched, 1 overridden; b1 heard once."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(PARCEL, folder / PARCEL.name)
    result = CliRunner().invoke(cli, ["report", "--db", str(typed_db), "--format", "json",
                                      "--scenarios", str(folder)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert SECRET not in result.stdout  # counts only: no typed text in a report
    points = {p["node"]: p for p in json.loads(result.stdout)["decision_points"]}
    a, b = points["a"], points["b"]
    assert a["typed"] == {"replies": 2, "unmatched": 0, "overridden": 1}
    assert [(r["choice"], r["count"], r["heard"], r["overridden"]) for r in a["replies"]] == [
        (1, 1, 2, 1), (2, 1, 0, 0), (3, 1, 0, 0)]  # fmt: skip
    assert b["typed"] == {"replies": 2, "unmatched": 1, "overridden": 1}
    assert [(r["choice"], r["heard"]) for r in b["replies"]] == [(1, 1), (2, 0)]
    text = CliRunner().invoke(cli, ["report", "--db", str(typed_db), "--scenarios", str(folder)],
                              terminal_width=200).stdout  # fmt: skip
    assert "│ 2 typed: 0 matched    │" in text and "│ 2 typed: 1 matched    │" in text
    assert "│ 2 (1 overridden) │" in text and SECRET not in text
    html = tmp_path / "report.html"
    CliRunner().invoke(cli, ["report", "--db", str(typed_db), "--html", str(html),
                             "--scenarios", str(folder)])  # fmt: skip
    page = html.read_text()
    assert "Heard as" in page and "2 typed: 1 matched none, 1 overridden" in page
    assert SECRET not in page


# --------------------------------------------------------------------------- resume


def test_a_resumed_typed_call_keeps_its_typed_turns_and_its_matcher(
    store_target: DbTarget,
) -> None:
    scenario = load_scenario(PARCEL)
    with open_store(store_target) as store:
        session = recorded(store)
        session.say_shown(session.hear(SORRY), 2)
        assert session.uuid is not None
        attempt = store.get_attempt(session.uuid)
        assert attempt is not None
        rows = store.get_choices(session.uuid)
        again = resume_session(scenario, attempt, rows, store=store, settings=PlaySettings(),
                               matcher=get_matcher("ngram"))  # fmt: skip
        assert again.typed == session.typed and again.matcher is not None
        other = get_matcher("ngram")
        other.version = "99"  # a matcher that would hear the rest differently
        elsewhere = resume_session(scenario, attempt, rows, store=store,
                                   settings=PlaySettings(), matcher=other)  # fmt: skip
        assert elsewhere.matcher is None and "--matcher ngram" in elsewhere.matcher_note
        assert elsewhere.typed == session.typed  # the turns typed so far still show


# --------------------------------------------------------------------------- migration


def test_a_version_3_store_gains_the_typed_columns(
    store_target: DbTarget, results_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store written before say mode (schema v3) opens as v4: its replies were picked."""
    if results_backend == "sqlite":
        from simulator.results.sqlite import schema
    else:
        from simulator.results.postgres import schema  # type: ignore[no-redef]
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:3])
        m.setattr(schema, "SCHEMA_VERSION", 3)
        open_store(store_target).close()
    uuid = "00000000-0000-4000-8000-0000000000a1"
    stamp = "2024-03-01T09:00:00Z"
    statements = [
        "INSERT INTO trainees (id, name, cohort, created_at) VALUES (1, 'Ann', 'c1', ?)",
        "INSERT INTO attempts (uuid, trainee_id, scenario_id, scenario_title, content_hash,"
        " mode, start_node, started_at, updated_at, turns, seconds)"
        " VALUES (?, 1, 's', 'S', 'h', 'practice', 'a', ?, ?, 1, 20)",
        "INSERT INTO choices (attempt_uuid, seq, node, choice, say, empathy, assertiveness,"
        " tags, mood_before, mood_after, seconds, recorded_at)"
        " VALUES (?, 1, 'a', 2, 'Hi', 1, 0, '[]', 50, 40, 20, ?)",
    ]
    params = [(stamp,), (uuid, stamp, stamp), (uuid, stamp)]
    if results_backend == "sqlite":
        import sqlite3

        conn = sqlite3.connect(store_target, isolation_level=None)
        for sql, args in zip(statements, params, strict=True):
            conn.execute(sql, args)
        conn.close()
    else:
        import psycopg

        with psycopg.connect(str(store_target), autocommit=True) as pg:
            for sql, args in zip(statements, params, strict=True):
                pg.execute(sql.replace("?", "%s"), args)
    with open_store(store_target) as store:
        attempt = store.get_attempt(uuid)
        (old,) = store.get_choices(uuid)
        assert attempt is not None and (attempt.matcher, attempt.matcher_version) == (None, None)
        assert (old.choice, old.typed, old.matched, old.similarity, old.overridden) == (
            2, None, None, None, None)  # fmt: skip
        new = play(store, (SORRY, 1), (None, 1))  # and typed replies can be kept from now on
        assert store.get_choices(new)[0].typed == SORRY
