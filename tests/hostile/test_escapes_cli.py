"""Every command-line output surface, fed the payload: nothing raw reaches the terminal.

Each test runs a command over hostile input (``corpus/escapes.yaml``, names
in an older database, imported JSON, typed arguments) and checks its stdout
and stderr with `assert_inert`: no C0/C1 control character or ESC, pyte's
window title untouched, and the payload *shown* (``␛]0;PWNED-TITLE␇``), not
silently dropped. JSON output must stay exact: it decodes to the original
strings, control characters and all. (Exports and the TUI have their own
modules: test_outputs.py and test_escapes_tui.py.)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from simulator.cli import cli
from simulator.results import sql as sql_mod
from simulator.store import Store
from tests.hostile.helpers import CORPUS, PAYLOAD, SHOWN, assert_inert

ESCAPES = str(CORPUS / "escapes.yaml")
INVALID = str(CORPUS / "escapes-invalid.yaml")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def both(result: Result) -> str:
    return result.stdout + result.stderr


# --------------------------------------------------------------------------- authoring


def test_validate_text_shows_every_echoed_id_key_tag_and_condition() -> None:
    result = invoke("validate", INVALID)
    assert result.exit_code == 1
    assert_inert(both(result))
    # The id, the unknown key, the start node, the tag, the flag and the condition each
    # named their hostile text: six errors, each on its own line.
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 6, errors
    assert all("␛]" in line or "\\x1b]" in line for line in errors)


def test_validate_json_is_exact_and_inert() -> None:
    result = invoke("validate", "--format", "json", INVALID)
    assert_inert(both(result), shown=None)
    messages = [p["message"] for p in json.loads(result.stdout)["files"][0]["problems"]]
    assert any("\x1b]0;PWNED-TITLE\x07\x9b2J" in m for m in messages)  # exact when decoded


def test_run_text_shows_title_and_outcome() -> None:
    result = invoke("run", ESCAPES, "--choices", "1")
    assert result.exit_code == 0, result.output
    assert_inert(both(result))
    assert "TITLE ␛]0;PWNED-TITLE␇␛]52;c;UFdORUQ=␛\\␛[2J⟨U+009B⟩2J⟨U+009D⟩0;C1-TITLE⟨U+009C⟩" in (
        result.stdout
    )
    assert "OUTCOME ␛]0;PWNED-TITLE" in result.stdout


def test_run_json_is_inert() -> None:
    result = invoke("run", ESCAPES, "--choices", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert_inert(both(result), shown=None)
    assert json.loads(result.stdout)["ending"] == "resolved"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_analyze_is_inert(fmt: str) -> None:
    result = invoke("analyze", ESCAPES, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert_inert(both(result), shown=SHOWN if fmt == "text" else None)


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_drops_c0_and_c1_controls_from_labels(fmt: str) -> None:
    result = invoke("graph", ESCAPES, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert_inert(both(result), shown=None)  # a diagram is data: controls are dropped
    assert "CUSTOMER" in result.stdout and "C1-TITLE" not in result.stdout.split("CUSTOMER")[0]


def test_new_usage_error_shows_the_typed_id() -> None:
    result = invoke("new", f"bad{PAYLOAD}")
    assert result.exit_code == 2
    assert_inert(both(result))
    assert "is not a valid scenario id" in result.stderr


def test_unknown_command_and_bad_option_values_are_shown() -> None:
    unknown = invoke(PAYLOAD)
    assert unknown.exit_code == 2, unknown.output
    assert_inert(both(unknown), shown=None)  # click quotes it with repr(): \x1b
    bad_value = invoke("run", ESCAPES, "--choices", f"1{PAYLOAD}")
    assert bad_value.exit_code == 2, bad_value.output
    assert_inert(both(bad_value))


def test_missing_file_error_shows_the_path(tmp_path: Path) -> None:
    result = invoke("run", str(tmp_path / f"x{PAYLOAD}.yaml"), "--choices", "1")
    assert result.exit_code == 1
    assert_inert(both(result))


@pytest.mark.parametrize("option", ["--trainee", "--cohort"])
def test_names_with_control_characters_are_refused_on_the_command_line(option: str) -> None:
    result = invoke("run", ESCAPES, "--choices", "1", "--record", "--trainee", "Ann",
                    "--cohort", "c1", option, f"Eve{PAYLOAD}")  # fmt: skip
    assert result.exit_code == 2
    assert_inert(both(result))
    assert "cannot be a name: it holds the control character U+001B" in result.stderr


def test_names_from_the_environment_are_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKDOWN_TRAINEE", f"Eve{PAYLOAD}")
    result = invoke("run", ESCAPES, "--choices", "1", "--record", "--cohort", "c1")
    assert result.exit_code == 2
    assert "U+001B" in result.stderr
    assert_inert(both(result))


# --------------------------------------------------------------------------- results


@pytest.fixture
def hostile_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Attempts at the hostile scenario, and trainees named by an older talkdown.

    The names hold the payload: today they are refused at input, but a
    database written before that may hold them, and every report must cope.
    """
    db = tmp_path / "hostile.db"
    for choice in ("1", "2"):
        recorded = invoke("run", ESCAPES, "--choices", choice, "--record", "--trainee", "Ann",
                          "--cohort", "c1", "--db", str(db))  # fmt: skip
        assert recorded.exit_code == 0, recorded.output
    with monkeypatch.context() as legacy:
        legacy.setattr(sql_mod, "check_name", lambda value, what: None)
        with Store(db) as store:
            start = datetime(2024, 3, 1, tzinfo=UTC)
            key = store.start_attempt(
                name=f"NAME{PAYLOAD}", cohort=f"COHORT{PAYLOAD}", scenario_id="late-parcel",
                scenario_title=f"OLDTITLE{PAYLOAD}", content_hash="a" * 64, mode="practice",
                start_node="opening", started_at=start,
            )  # fmt: skip
            store.record_choice(
                key, seq=1, node="opening", choice=1, say=f"OLDSAY{PAYLOAD}", empathy=1,
                assertiveness=0, tags=["acknowledge"], mood_before=50, mood_after=40,
                seconds=10, latency_ms=None, next_node=None, recorded_at=start + timedelta(1),
            )  # fmt: skip
            store.finish_attempt(
                key, ending="resolved", ending_node="end", empathy=50.0, assertiveness=50.0,
                speed=50.0, overall=50.0, passed=False, finished_at=start + timedelta(2),
            )  # fmt: skip
    return db


def test_report_text_shows_names_titles_and_replies(hostile_results: Path) -> None:
    result = invoke("report", "--db", str(hostile_results))
    assert result.exit_code == 0, result.output
    assert_inert(both(result))
    # Table cells fold long text over several lines; each field is there, and shown.
    for marker in ("NAME", "COHORT", "OLDSAY", "OLDTITLE", "TITLE", "SAY1", "SAY2"):
        assert marker in result.stdout, marker
    assert result.stdout.count("␛") >= 7 * 3  # three ESCs in each field's payload


def test_report_json_is_exact_and_inert(hostile_results: Path) -> None:
    result = invoke("report", "--db", str(hostile_results), "--format", "json")
    assert result.exit_code == 0, result.output
    assert_inert(both(result), shown=None)
    names = {t["name"] for t in json.loads(result.stdout)["trainees"]}
    assert f"NAME{PAYLOAD}" in names  # the whole value, exactly


def test_report_filter_values_in_the_header_are_shown(hostile_results: Path) -> None:
    result = invoke("report", "--db", str(hostile_results), "--cohort", f"COHORT{PAYLOAD}")
    assert result.exit_code == 0, result.output
    assert_inert(both(result))


@pytest.mark.parametrize("fmt", ["jsonl", "xapi"])
def test_json_exports_escape_c1_and_stay_exact(hostile_results: Path, fmt: str) -> None:
    result = invoke("export", "--db", str(hostile_results), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert_inert(both(result), shown=None)
    assert "\\u009b" in result.stdout  # written as an escape ...
    lines = result.stdout.splitlines() if fmt == "jsonl" else [result.stdout]
    assert f"NAME{PAYLOAD}" in strings([json.loads(line) for line in lines])  # ... read back exact


def strings(value: object) -> set[str]:
    """Every string inside a decoded JSON value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for item in value.values() for s in strings(item)}
    if isinstance(value, list):
        return {s for item in value for s in strings(item)}
    return set()


def test_import_messages_show_hostile_values(tmp_path: Path) -> None:
    lines = [
        json.dumps({"format": f"v{PAYLOAD}"}),  # echoed as the wrong format
        json.dumps({"format": "talkdown-attempt/1", "uuid": f"u{PAYLOAD}"}),  # echoed as no uuid
        f"{{{PAYLOAD}",  # not JSON at all
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("import", str(path), "--db", str(tmp_path / "r.db"))
    assert result.exit_code == 1
    assert_inert(both(result), shown=None)
    assert result.stderr.count(f"{path}:") == 3
