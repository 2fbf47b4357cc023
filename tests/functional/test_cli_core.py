"""`talkdown validate`, `run` and `schema` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.results import DbTarget, open_store
from tests.helpers import fixture

MINI = str(fixture("mini.yaml"))
RUN_KEYS = {
    "scenario",
    "ending",
    "ending_node",
    "path",
    "choices",
    "mood",
    "empathy",
    "assertiveness",
    "speed",
    "overall",
    "passed",
    "seconds",
    "turns",
    "critical",
    "outcome",
}
FORMAT11 = str(fixture("format11.yaml"))


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_run_json_has_the_contract_shape() -> None:
    code, out, _ = invoke("run", MINI, "--choices", "2,2,2", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data.keys() >= RUN_KEYS
    # walkout: ending lost, no ending node, path through the last node reached
    assert data["ending"] == "lost" and data["ending_node"] is None
    assert data["path"] == ["opening", "angry", "check"]
    assert data["choices"] == [2, 2, 2] and data["mood"] == [60, 70, 60, 100]
    assert data["seconds"] == 45 and data["turns"] == 3 and data["passed"] is False
    assert data["speed"] == 0.0


def test_run_json_carries_critical_replies_and_the_outcome_shown() -> None:
    # Reply 2 skips security: resolved, but critical (tests/unit/test_format11.py scores it).
    code, out, _ = invoke("run", FORMAT11, "--choices", "2", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["critical"] == [
        {"node": "opening", "choice": 2, "reason": "skipped the identity check"}
    ]
    assert data["ending"] == "resolved" and data["passed"] is False
    assert data["outcome"] == "Card unblocked without any security check."
    code, out, _ = invoke("run", FORMAT11, "--choices", "1,1", "--format", "json")
    data = json.loads(out)
    assert data["critical"] == []
    assert data["outcome"] == "Card unblocked after Rosa passed security."


def test_run_text_names_the_critical_reply_and_uses_the_agent_name() -> None:
    code, out, _ = invoke("run", FORMAT11, "--choices", "3", "--agent", "Priya Shah")
    assert code == 0
    # walkout: the walkout line stands in for the outcome, with {agent} replaced
    assert "Ending:  lost — Forget it, Priya. I'll ring another bank." in out
    code, out, _ = invoke("run", FORMAT11, "--choices", "2")
    assert "Critical: reply 2 at 'opening' would fail a quality check: skipped the identity" in out
    assert "not passed" in out


def test_run_text_summary() -> None:
    code, out, _ = invoke("run", MINI, "--choices", "1, 1")
    assert code == 0
    assert "opening → check → happy" in out
    assert "PASSED" in out and "par 50s" in out


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ("1,3", "reply 3 (number 2 in --choices) is not offered at node 'check'"),
        ("1", "replies ran out at node 'check'"),
        ("1,1,2", "1 number(s) left over: 2"),
    ],
)
def test_run_errors_exit_1_and_name_the_node(choices: str, message: str) -> None:
    code, _, err = invoke("run", MINI, "--choices", choices)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_run_usage_errors_exit_2() -> None:
    assert invoke("run", MINI, "--choices", "1,x")[0] == 2
    assert invoke("run", MINI)[0] == 2
    code, _, err = invoke("run", MINI, "--choices", "1", "--from", "check", "--record")
    assert code == 2 and "preview" in err


def test_run_preview_scores_relative_to_start() -> None:
    code, out, _ = invoke(
        "run", MINI, "--choices", "1", "--from", "check", "--set", "promised", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["path"] == ["check", "happy"] and data["par_seconds"] == 30
    assert data["speed"] == 100.0 and data["preview"] is True


def test_run_unknown_scenario_and_node() -> None:
    code, _, err = invoke("run", "no-such-thing", "--choices", "1")
    assert code == 1 and "no scenario file or id 'no-such-thing'" in err
    code, _, err = invoke("run", MINI, "--choices", "1", "--from", "chek")
    assert code == 1 and "did you mean 'check'" in err


def test_run_invalid_scenario_prints_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(MINI).read_text().replace("next: check", "next: chek", 1))
    code, _, err = invoke("run", str(bad), "--choices", "1")
    assert code == 1
    assert f"{bad}:" in err and "unknown node 'chek'" in err and "did you mean 'check'" in err


def test_validate_exit_codes(tmp_path: Path) -> None:
    assert invoke("validate", MINI)[0] == 0
    assert invoke("validate", str(tmp_path / "missing.yaml"))[0] == 2
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"format: 1\nid: x\ntitle: \xff\n")
    code, out, _ = invoke("validate", str(broken))
    assert code == 1 and f"{broken}:3:8: error: the file is not valid UTF-8" in out


def test_validate_json_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(Path(MINI).read_text())
    (tmp_path / "b.yaml").write_text("")
    code, out, _ = invoke("validate", str(tmp_path), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert [f["ok"] for f in data["files"]] == [True, False]
    assert data["files"][1]["problems"][0]["code"] == "empty"


def test_schema_command_prints_json_schema() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["properties"]["format"]["enum"] == [1, 1.1]
    assert "apologise" in json.dumps(schema)


def test_record_stores_a_batch_attempt(store_target: DbTarget) -> None:
    code, out, _ = invoke(
        "run", MINI, "--choices", "1,1", "--record", "--trainee", "Ana", "--cohort", "C1",
        "--db", str(store_target), "--format", "json",
    )  # fmt: skip
    assert code == 0
    uuid = json.loads(out)["attempt"]
    with open_store(store_target) as store:
        row = store.get_attempt(uuid)
        assert row is not None
        assert (row.mode, row.status, row.ending, row.passed, row.turns) == (
            "batch", "completed", "resolved", True, 2,
        )  # fmt: skip
        assert [c.latency_ms for c in store.get_choices(uuid)] == [None, None]


def test_concurrent_recording_processes_lose_nothing(
    store_target: DbTarget, results_backend: str, tmp_path: Path
) -> None:
    """20 processes against one SQLite file, 50 against PostgreSQL, all at once."""
    count = 50 if results_backend == "postgresql" else 20
    env = {**os.environ, "TALKDOWN_HOME": str(tmp_path / "home")}
    code = "from simulator.cli import main; main()"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "run",
                MINI,
                "--choices",
                "2,2,1",
                "--record",
                "--trainee",
                f"trainee {i}",
                "--cohort",
                "load",
                "--db",
                str(store_target),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * count, [err for _, err in results if err]
    assert not any("locked" in err or "busy" in err for _, err in results)
    with open_store(store_target) as store:
        attempts = list(store.iter_attempts(cohort="load"))
        assert len(attempts) == count
        assert all(a.status == "completed" and a.turns == 3 for a in attempts)
        # Every reply of every attempt is there, in order: three each, 1, 2, 3.
        assert all([c.seq for c in store.get_choices(a.uuid)] == [1, 2, 3] for a in attempts)
        assert len({a.trainee for a in attempts}) == count
        assert len(store.trainees(cohort="load")) == count


def test_play_options_with_another_command_are_refused() -> None:
    code, _, err = invoke("--assess", "validate", MINI)
    assert code == 2 and "--assess is an option of playing, not of 'validate'" in err


def test_run_refuses_a_flag_no_reply_raises() -> None:
    code, _, err = invoke("run", MINI, "--choices", "1", "--from", "check", "--set", "promisd")
    assert code == 1
    assert "no reply in mini raises the flag 'promisd' — did you mean 'promised'?" in err
