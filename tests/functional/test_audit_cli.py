"""``talkdown audit`` on the command line: JSON shape, text, exit codes, the library.

The figures themselves are worked out by hand in tests/unit/test_audit.py;
these tests check what the command makes of them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from simulator.cli import cli
from simulator.library import shipped_dir
from tests.helpers import FIXTURES

AUDIT = FIXTURES / "audit"
FILE_KEYS = {
    "scenario",
    "path",
    "decisions",
    "tells",
    "policies",
    "near_miss_share",
    "reaction_share",
    "critical_replies",
    "warnings",
    "confusion",  # typed replies (issue 14)
}
POLICIES = ["longest", "shortest", "first", "last", "always_apologise", "warm_caver", "random"]


def audit(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["audit", *map(str, args)])


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def folder(tmp_path: Path, *names: str) -> Path:
    """A folder holding copies of the audit fixtures ``names`` (``name:copy`` renames)."""
    target = tmp_path / "lib"
    target.mkdir(exist_ok=True)
    for name in names:
        source, _, copy = name.partition(":")
        shutil.copy(AUDIT / source, target / (copy or source))
    return target


def test_one_file_prints_one_object() -> None:
    result = audit(AUDIT / "longest.yaml", "--format", "json")
    assert result.exit_code == 0, result.output  # warnings alone do not fail without --strict
    data = as_json(result)
    assert set(data) == FILE_KEYS
    assert data["scenario"] == "audit-longest" and data["path"].endswith("longest.yaml")
    assert data["decisions"] == 2
    assert data["tells"] == {"longest": 1.0, "most_sentences": 1.0, "apology_opener": 0.0}
    assert list(data["policies"]) == POLICIES
    for policy in data["policies"].values():
        assert set(policy) == {"runs", "passed", "mean_overall"}
    assert data["policies"]["longest"] == {"runs": 1, "passed": 1, "mean_overall": 100.0}
    assert data["policies"]["random"]["runs"] == 50
    assert (data["near_miss_share"], data["reaction_share"], data["critical_replies"]) == (
        1.0,
        0.0,
        0,
    )
    assert len(data["warnings"]) == 5 and all(isinstance(w, str) for w in data["warnings"])


def test_a_folder_prints_files_and_a_library_summary(tmp_path: Path) -> None:
    lib = folder(tmp_path, "fair.yaml", "warm.yaml", "longest.yaml")
    data = as_json(audit(lib, "--format", "json"))
    assert set(data) == {"files", "library"}
    assert [f["scenario"] for f in data["files"]] == ["audit-fair", "audit-longest", "audit-warm"]
    assert all(set(f) == FILE_KEYS for f in data["files"])
    library = data["library"]
    assert set(library) == {
        "files",
        "invalid",
        "decisions",
        "tells",
        "tells_above_limit",
        "policies",
        "allowed_passes",
        "strict_failures",
    }
    assert (library["files"], library["decisions"], library["invalid"]) == (3, 8, [])
    # longest.yaml: longest and always_apologise pass; warm.yaml: warm_caver passes;
    # random passes > 10 % of its runs only in longest.yaml.
    assert library["policies"] == {
        "longest": 1,
        "shortest": 0,
        "first": 0,
        "last": 0,
        "always_apologise": 1,
        "warm_caver": 1,
        "random": 1,
    }
    assert library["tells"]["longest"] == pytest.approx(2 / 8)
    assert library["tells_above_limit"] == {"longest": 1, "most_sentences": 1, "apology_opener": 0}
    assert library["allowed_passes"] == 1


def test_several_files_print_the_same_wrapper() -> None:
    data = as_json(audit(AUDIT / "fair.yaml", AUDIT / "warm.yaml", "--format", "json"))
    assert set(data) == {"files", "library"} and data["library"]["files"] == 2


def test_runs_sets_the_random_runs() -> None:
    data = as_json(audit(AUDIT / "fair.yaml", "--format", "json", "--runs", "7"))
    assert data["policies"]["random"]["runs"] == 7
    assert data["policies"]["first"]["runs"] == 1
    again = as_json(audit(AUDIT / "fair.yaml", "--format", "json", "--runs", "7"))
    assert again == data  # seeded: the same every time


# -- --strict ------------------------------------------------------------------------


def test_strict_fails_on_a_tell() -> None:
    result = audit(AUDIT / "longest.yaml", "--strict")
    assert result.exit_code == 1
    assert "talkdown audit --strict: failed" in result.stderr
    assert "audit-longest: longest tell 1.00 (above 0.5)" in result.stderr


def test_strict_passes_a_fair_scenario() -> None:
    result = audit(AUDIT / "fair.yaml", "--strict")
    assert result.exit_code == 0, result.output
    assert "talkdown audit --strict: passed" in result.stderr


def test_strict_allows_one_warm_scenario_but_not_two(tmp_path: Path) -> None:
    assert audit(AUDIT / "warm.yaml", "--strict").exit_code == 0  # 1 file ≤ max(1, 0.1)
    assert audit(folder(tmp_path, "fair.yaml", "warm.yaml"), "--strict").exit_code == 0
    result = audit(folder(tmp_path, "warm.yaml:warm-copy.yaml"), "--strict")
    assert result.exit_code == 1  # warm_caver now passes 2 of 3 files
    assert "warm_caver passes 2 of 3 files (at most 1 allowed)" in result.stderr


def test_strict_fails_when_random_passes_too_often() -> None:
    # ties.yaml: random passes 13 of 50 runs; its tells fail too, but the reason is named.
    result = audit(AUDIT / "ties.yaml", "--strict")
    assert result.exit_code == 1
    assert "audit-ties: random passes 26% of its runs" in result.stderr


# -- bad input -----------------------------------------------------------------------------


def test_an_invalid_file_is_reported_and_the_rest_audited(tmp_path: Path) -> None:
    lib = folder(tmp_path, "fair.yaml")
    shutil.copy(FIXTURES / "tui_broken.yaml", lib / "broken.yaml")
    result = audit(lib, "--format", "json")
    assert result.exit_code == 1
    where = f"{lib / 'broken.yaml'}:19:15"
    assert f"{where}: error: reply 1 of node 'opening' goes to unknown node" in result.stderr
    assert "is not a valid scenario, so it was not audited" in result.stderr
    data = as_json(result)
    assert [f["scenario"] for f in data["files"]] == ["audit-fair"]
    assert data["library"]["invalid"] == [str(lib / "broken.yaml")]


def test_one_invalid_file_prints_nothing_on_stdout() -> None:
    result = audit(FIXTURES / "tui_broken.yaml", "--format", "json")
    assert result.exit_code == 1 and result.stdout == ""
    assert "Traceback" not in result.output


def test_max_bytes_refuses_large_files() -> None:
    result = audit(AUDIT / "fair.yaml", "--max-bytes", "10")
    assert result.exit_code == 1
    assert "over the 10-byte limit" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-file.yaml"],
        [str(AUDIT / "fair.yaml"), "--runs", "0"],
        [str(AUDIT / "fair.yaml"), "--format", "xml"],
        [],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = audit(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    result = audit(tmp_path)
    assert result.exit_code == 1
    assert "no scenario files (*.yaml, *.yml) found" in result.stderr


# -- text ----------------------------------------------------------------------------------


def test_text_report_of_one_file() -> None:
    result = audit(AUDIT / "longest.yaml")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("Longest wins (audit-longest)\n")
    assert "2 decisions a trainee can reach; par 1m 00s" in out
    assert "    the longest reply        1.00  <- warning (above 0.5)" in out
    assert "    opens with an apology    0.00\n" in out
    assert "    longest                  1       1         100.0  <- warning" in out
    assert "    warm_caver               1       0          16.7\n" in out
    assert "  Near misses       1.00 of decisions offer a tempting wrong reply\n" in out
    assert "  Reactions         0.00 of replies carry a customer reaction\n" in out
    assert "  Critical replies  0\n" in out
    assert "Warnings (5):" in out
    assert "Library:" not in out
    assert max(len(line) for line in out.splitlines()) < 80


def test_text_report_of_a_clean_file() -> None:
    out = audit(AUDIT / "fair.yaml").stdout
    assert "No warnings: no surface rule or naive policy beats this scenario." in out


def test_text_library_summary(tmp_path: Path) -> None:
    out = audit(folder(tmp_path, "fair.yaml", "warm.yaml")).stdout
    assert "Library: 2 files audited, 6 decisions" in out
    assert "    warm_caver                                   1 of 2\n" in out  # allowed: 1
    assert "    the longest reply          0.00              0 of 2\n" in out
    assert "A fixed policy may pass at most 1 file" in out
    assert max(len(line) for line in out.splitlines()) < 80


def test_audit_is_listed_in_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "audit" in result.output
    assert "--strict" in CliRunner().invoke(cli, ["audit", "--help"]).output


# -- the shipped library ---------------------------------------------------------------------
#
# Issue 9 found the v1 library could be beaten without thinking (the longest reply
# was the strongest at about 99 % of decisions; always picking the longest or the
# most apologetic reply passed all ten). Library v2 (issue 10) must pass --strict:
# no naive policy may beat it (tests/unit/test_library_v2.py holds each file to
# the stricter targets of issue 10).


def test_shipped_library_passes_strict() -> None:
    result = audit(shipped_dir(), "--format", "json", "--strict")
    data = as_json(result)
    library = data["library"]
    assert library["files"] == len(data["files"]) >= 13 and library["invalid"] == []
    assert result.exit_code == 0, library["strict_failures"]
    assert library["strict_failures"] == []
    assert all(count == 0 for count in library["policies"].values()), library["policies"]
