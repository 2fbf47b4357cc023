"""Golden files for every export format, from the fixed sample cohort.

The database is built in the test (`build_sample`: fixed uuids, times and
scores) and exported through the CLI; the bytes must equal the files in
tests/golden/export/. After an intended format change, regenerate with
``TALKDOWN_UPDATE_GOLDEN=1 pytest tests/unit/test_export_golden.py`` and
review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import cli

GOLDEN = Path(__file__).parent.parent / "golden" / "export"
UPDATE = os.environ.get("TALKDOWN_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("attempts.csv", ["--format", "csv"]),
        ("choices.csv", ["--format", "csv", "--choices"]),
        ("attempts.jsonl", ["--format", "jsonl"]),
        ("statements.json", ["--format", "xapi"]),
    ],
)
def test_export_matches_golden(sample_db: Path, tmp_path: Path, name: str, args: list[str]) -> None:
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["export", *args, "--db", str(sample_db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    produced = out.read_bytes()
    golden = GOLDEN / name
    if UPDATE:
        golden.write_bytes(produced)
    assert produced == golden.read_bytes(), f"{name} differs from {golden}"


def test_stdout_export_equals_file_export(sample_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "--db", str(sample_db)])
    assert result.exit_code == 0
    assert result.stdout_bytes == (GOLDEN / "attempts.csv").read_bytes()
