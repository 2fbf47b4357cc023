"""JSON Lines export → import: round trips, idempotence, replace/conflict, bad lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.export.importer import ImportSummary, Invalid, import_file, parse_record
from simulator.export.jsonl import FORMAT
from simulator.export.sample import HASH_V1, sample_uuid
from simulator.results import DbTarget, open_store
from simulator.results import sql as sql_mod


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def export_text(db: Path, fmt: str = "jsonl", *extra: str) -> str:
    result = run("export", "--db", str(db), "--format", fmt, *extra)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


@pytest.fixture
def jsonl_file(sample_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "export.jsonl"
    path.write_text(export_text(sample_db), encoding="utf-8")
    return path


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_records(path: Path, items: list[dict[str, Any] | str]) -> Path:
    lines = [i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def table_dump(db: DbTarget) -> list[Any]:
    """Every attempt (every stored field) and reply, and trainees without their creation time."""
    with open_store(db) as store:
        attempts = sorted(store.iter_attempts(), key=lambda a: a.uuid)
        return [
            attempts,
            [store.get_choices(a.uuid) for a in attempts],
            [(t.name, t.cohort, t.email) for t in store.trainees()],
        ]


# --------------------------------------------------------------------------- round trip


def test_every_line_names_its_format(jsonl_file: Path) -> None:
    assert {r["format"] for r in records(jsonl_file)} == {FORMAT}


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [("jsonl", []), ("csv", []), ("csv", ["--choices"]), ("xapi", [])],
)
def test_export_import_export_is_identical(
    new_store_target: Callable[[], DbTarget],
    sample_db: Path,
    jsonl_file: Path,
    tmp_path: Path,
    fmt: str,
    extra: list[str],
) -> None:
    empty = new_store_target()
    result = run("import", str(jsonl_file), "--db", str(empty))
    assert result.exit_code == 0, result.output
    assert "7 attempts added" in result.stdout
    assert export_text(empty, fmt, *extra) == export_text(sample_db, fmt, *extra)


def test_importing_twice_changes_nothing(
    new_store_target: Callable[[], DbTarget], jsonl_file: Path, tmp_path: Path
) -> None:
    db = new_store_target()
    assert run("import", str(jsonl_file), "--db", str(db)).exit_code == 0
    before = table_dump(db)
    again = run("import", str(jsonl_file), "--db", str(db))
    assert again.exit_code == 0
    assert "0 attempts added, 0 replaced, 7 skipped (already here), 0 conflicts" in again.stdout
    assert table_dump(db) == before


def test_importing_into_the_source_skips_everything(sample_db: Path, jsonl_file: Path) -> None:
    before = table_dump(sample_db)
    result = run("import", str(jsonl_file), "--db", str(sample_db))
    assert result.exit_code == 0
    assert "7 skipped" in result.stdout
    assert table_dump(sample_db) == before


# --------------------------------------------------------------------------- replace / conflict


def test_further_on_replaces_in_progress(
    new_store_target: Callable[[], DbTarget], jsonl_file: Path, tmp_path: Path
) -> None:
    db = new_store_target()
    with open_store(db) as store:  # this machine saw only the first reply of attempt 1
        store.start_attempt(
            name="Ann Lee", cohort="2024-spring", scenario_id="late-parcel",
            scenario_title="The missing birthday present", content_hash=HASH_V1,
            mode="practice", start_node="opening", uuid=sample_uuid(1),
            started_at=datetime(2024, 3, 1, 9, 0, tzinfo=UTC), app_version="0.1.0",
        )  # fmt: skip
    result = run("import", str(jsonl_file), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "6 attempts added, 1 replaced" in result.stdout
    with open_store(db) as store:
        replaced = store.get_attempt(sample_uuid(1))
        assert replaced is not None and replaced.status == "completed"
        assert len(store.get_choices(sample_uuid(1))) == 3


def test_differing_completed_attempt_is_a_conflict_and_kept(
    sample_db: Path, jsonl_file: Path, tmp_path: Path
) -> None:
    items = records(jsonl_file)
    items[0]["scores"]["overall"] = 12.0  # same uuid, different result
    edited = write_records(tmp_path / "edited.jsonl", items)
    before = table_dump(sample_db)
    result = run("import", str(edited), "--db", str(sample_db))
    assert result.exit_code == 0  # a conflict is reported, not a rejected line
    assert f"{edited}:1: conflict: attempt {sample_uuid(1)} is already here (completed)" in (
        result.stderr
    )
    assert "6 skipped (already here), 1 conflict (kept the one here), 0 rejected" in result.stdout
    assert table_dump(sample_db) == before


def test_in_progress_never_replaces_finished(
    sample_db: Path, jsonl_file: Path, tmp_path: Path
) -> None:
    items = [r for r in records(jsonl_file) if r["uuid"] == sample_uuid(2)]
    item = items[0]
    item.update(status="in_progress", ending=None, ending_node=None, passed=None,
                finished_at=None)  # fmt: skip
    item["scores"] = dict.fromkeys(item["scores"])
    edited = write_records(tmp_path / "older.jsonl", [item])
    result = run("import", str(edited), "--db", str(sample_db))
    assert "1 conflict" in result.stdout
    with open_store(sample_db) as store:
        kept = store.get_attempt(sample_uuid(2))
        assert kept is not None and kept.status == "completed"


# --------------------------------------------------------------------------- bad lines


def test_malformed_lines_are_reported_with_line_numbers_and_skipped(
    new_store_target: Callable[[], DbTarget], jsonl_file: Path, tmp_path: Path
) -> None:
    good = records(jsonl_file)

    def variant(n: int, change: Any) -> dict[str, Any]:
        item = json.loads(json.dumps(good[n]))
        change(item)
        return item

    lines: list[dict[str, Any] | str] = [
        good[0],  # 1 fine
        '{"format": "talkdown-attempt/1", "uuid": ',  # 2 bad JSON
        variant(1, lambda r: r.pop("scenario")),  # 3 missing key
        variant(2, lambda r: r.update(turns="2")),  # 4 wrong type
        variant(3, lambda r: r.update(mode="exam")),  # 5 bad enum
        variant(4, lambda r: r["scores"].update(assertiveness=101)),  # 6 score out of range
        variant(5, lambda r: r["choices"][1].update(seq=3)),  # 7 seq not contiguous
        "",  # 8 blank: ignored
        "[1, 2]",  # 9 not an object
        variant(5, lambda r: r.update(format="talkdown-attempt/9")),  # 10 unknown format
        good[6],  # 11 fine
    ]
    path = write_records(tmp_path / "mixed.jsonl", lines)
    truncated = json.dumps(good[1])[:80]  # 12: the last line, cut off mid-way
    with path.open("a", encoding="utf-8") as fh:
        fh.write(truncated)
    db = new_store_target()
    result = run("import", str(path), "--db", str(db))
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert problems == [
        f"{path}:2: not valid JSON (Expecting value at column 42)",
        f"{path}:3: missing key 'scenario'",
        f"{path}:4: 'turns' must be a whole number, not text",
        f"{path}:5: 'mode' must be one of practice, assessment, batch; got 'exam'",
        f"{path}:6: 'scores.assertiveness' must be between 0 and 100; got 101",
        f"{path}:7: 'choices[1].seq' must be 2 (replies run 1, 2, 3…); got 3",
        f"{path}:9: a line must be a JSON object, not a list",
        f"{path}:10: 'format' must be 'talkdown-attempt/1'; got 'talkdown-attempt/9'",
        f"{path}:12: not valid JSON (Expecting property name enclosed in double quotes at "
        "column 81) — the file looks truncated",
    ]
    assert "2 attempts added, 0 replaced, 0 skipped (already here), 0 conflicts" in result.stdout
    assert "9 rejected" in result.stdout
    with open_store(db) as store:  # only the two good lines landed, nothing of the others
        assert [a.uuid for a in store.iter_attempts()] == [good[0]["uuid"], good[6]["uuid"]]
        assert {t.name for t in store.trainees()} == {"Ann Lee", "Zoë Ng"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(uuid="not-a-uuid"), "'uuid' is not a UUID"),
        (lambda r: r["trainee"].update(name=" "), "'trainee.name' must not be empty"),
        (lambda r: r.update(ending=None), "'ending' must be set when 'status' is completed"),
        (lambda r: r.update(passed="yes"), "'passed' must be true or false when completed"),
        (lambda r: r.update(started_at="yesterday"), "'started_at' is not an ISO 8601 time"),
        (lambda r: r.update(turns=5), "'turns' is 5 but there are 3 choices"),
        (lambda r: r["choices"][0].update(tags=["robotism", 'x"y']), "not a tag name"),
        (lambda r: r["choices"][0].update(mood_after=140), "between 0 and 100"),
        (lambda r: r["choices"][0].update(seconds=2**70), "out of range"),
        (lambda r: r["choices"][0].update(empathy=True), "must be a whole number, not true/false"),
        (lambda r: r["scores"].update(overall=float("nan")), "must be a number or null"),
        (lambda r: r.update(choices={}), "'choices' must be a list"),
        (lambda r: r["choices"][0].update(critical="made it up"),
         "'critical' does not list exactly the replies whose 'critical' is set"),
        (lambda r: r.update(critical="none"), "'critical' must be a list, not text"),
        (lambda r: r["choices"][0].update(shown=0), "shown' must be at least 1; got 0"),
    ],
)  # fmt: skip
def test_validation_messages(jsonl_file: Path, change: Any, message: str) -> None:
    item = records(jsonl_file)[0]
    change(item)
    with pytest.raises(Invalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_record(item)


def test_a_passed_attempt_cannot_hold_a_critical_reply(jsonl_file: Path) -> None:
    item = records(jsonl_file)[0]  # Ann's passed attempt
    item["choices"][0]["critical"] = "skipped the identity check"
    item["critical"] = [{"node": "opening", "choice": 1, "reason": "skipped the identity check"}]
    with pytest.raises(Invalid, match="'passed' cannot be true: the attempt has a critical"):
        parse_record(item)
    item["passed"] = False
    attempt, _ = parse_record(item)
    assert [c.reason for c in attempt.critical] == ["skipped the identity check"]


def test_lines_from_before_format_1_1_still_import(jsonl_file: Path) -> None:
    item = records(jsonl_file)[2]  # shuffled, with an outcome
    for key in ("shuffle_seed", "outcome", "critical"):
        del item[key]
    for reply in item["choices"]:
        del reply["critical"], reply["shown"]
    attempt, choices = parse_record(item)
    assert (attempt.shuffle_seed, attempt.outcome, attempt.critical) == (None, None, ())
    assert [(c.choice, c.shown, c.critical) for c in choices] == [(1, None, None)] * 2


def test_format_1_1_fields_round_trip(jsonl_file: Path) -> None:
    lines = records(jsonl_file)
    attempt, choices = parse_record(lines[2])
    assert attempt.shuffle_seed == 4242 and attempt.outcome.startswith("Sent express")
    assert [c.shown for c in choices] == [3, 1]
    bo, replies = parse_record(lines[1])
    assert [(c.node, c.choice) for c in bo.critical] == [("angry", 2)]
    assert replies[2].critical == bo.critical[0].reason


def test_valid_record_parses_to_store_rows(jsonl_file: Path) -> None:
    attempt, choices = parse_record(records(jsonl_file)[1])
    assert attempt.uuid == sample_uuid(2) and attempt.ending == "lost" and attempt.passed is False
    assert [c.seq for c in choices] == [1, 2, 3]
    assert choices[1].tags == ("robotism", "runaround")


def test_an_attempt_is_never_half_written(
    new_store_target: Callable[[], DbTarget],
    jsonl_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If writing the replies fails, the attempt row of the same transaction is gone too."""
    real = sql_mod.tags_json

    def failing(tags: Any) -> str:
        if "runaround" in tags:
            raise TypeError("simulated failure while writing the replies")
        return real(tags)

    monkeypatch.setattr(sql_mod, "tags_json", failing)
    db = new_store_target()
    with open_store(db) as store:
        summary = ImportSummary()
        import_file(store, jsonl_file, summary)
        assert summary.rejected == 2  # attempts 2 and 4 have a 'runaround' reply
        assert "simulated failure" in summary.problems[0]
        here = {a.uuid for a in store.iter_attempts()}
        assert sample_uuid(2) not in here and sample_uuid(4) not in here
        assert store.get_choices(sample_uuid(2)) == []
        assert len(here) == 5


def test_bom_and_crlf_are_accepted(
    new_store_target: Callable[[], DbTarget], jsonl_file: Path, tmp_path: Path
) -> None:
    text = jsonl_file.read_text(encoding="utf-8").replace("\n", "\r\n")
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = run("import", str(path), "--db", str(new_store_target()))
    assert result.exit_code == 0, result.output
    assert "7 attempts added" in result.stdout


def test_several_files_and_a_missing_one(jsonl_file: Path, tmp_path: Path) -> None:
    result = run("import", str(jsonl_file), str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2  # click refuses a missing file before anything runs


@pytest.mark.parametrize("results_backend", ["postgresql"], indirect=True)
def test_sqlite_to_postgresql_and_back_is_byte_identical(
    sample_sqlite: Path, store_target: DbTarget, tmp_path: Path
) -> None:
    """SQLite → JSON Lines → import into PostgreSQL → export: the very same bytes (and CSV)."""
    exported = tmp_path / "from-sqlite.jsonl"
    exported.write_text(export_text(sample_sqlite), encoding="utf-8")
    result = run("import", str(exported), "--db", str(store_target))
    assert result.exit_code == 0, result.output
    assert "7 attempts added" in result.stdout
    assert export_text(store_target) == exported.read_text(encoding="utf-8")
    for extra in ((), ("--choices",)):
        assert export_text(store_target, "csv", *extra) == export_text(sample_sqlite, "csv", *extra)
    assert export_text(store_target, "xapi") == export_text(sample_sqlite, "xapi")
