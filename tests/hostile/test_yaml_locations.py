"""YAML mistakes are reported where the author must look, with a hint that fits.

Each corpus file holds one mistake; the first line of each says what it was
reported as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.validate import check_file
from tests.hostile.helpers import CORPUS


@pytest.mark.parametrize(
    ("name", "line", "col", "message", "hint"),
    [
        ("unclosed-quote", 26, 15, 'the text starting with " here is never closed',
         'add the closing " at the end of the text'),
        ("bad-date", 5, 10, "'2024-13-45' reads as a date but is not a real date (month must "
         "be in 1..12)", 'put it in quotes if it is text (e.g. "2024-13-45")'),
        ("int-tag", 11, 9, "'abc' is not a whole number",
         "write a whole number, or remove the !!int tag"),
        ("line-separator", 20, 18, "'seconds' in reply 1 of node 'opening' must be a whole "
         "number", "write e.g. seconds: 30"),
        ("next-line", 20, 19, "mapping values are not allowed", "put the text in quotes"),
        ("over-indented", 19, 18, "'empathy:' is read as more of the text on the line above",
         "indent 'empathy:' exactly like the field above it"),
    ],
)  # fmt: skip
def test_the_error_is_at_the_mistake(
    name: str, line: int, col: int, message: str, hint: str
) -> None:
    report = check_file(CORPUS / f"{name}.yaml")
    errors = [p for p in report.problems if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in errors]
    [problem] = errors
    assert (problem.line, problem.col) == (line, col), str(problem)
    assert problem.message.startswith(message), problem.message
    assert hint in problem.hint, problem.hint
    assert "shorten it" not in problem.hint


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_unicode_line_separators_do_not_shift_later_lines(tmp_path: Path, separator: str) -> None:
    source = (CORPUS / "line-separator.yaml").read_text(encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(source.replace("\u2028", separator * 3), encoding="utf-8")
    [problem] = [p for p in check_file(path).problems if p.severity == "error"]
    assert (problem.line, problem.col) == (20, 18)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('!!bool "maybe"', "'maybe' is not true or false"),
        ('!!float "x"', "'x' is not a number"),
        ('!!timestamp "x"', "'x' reads as a date but is not a real date"),
        ("2024-02-30", "'2024-02-30' reads as a date but is not a real date (day is out of range"),
    ],
)
def test_tagged_and_impossible_values_point_at_themselves(
    tmp_path: Path, value: str, message: str
) -> None:
    source = (CORPUS / "bad-date.yaml").read_text(encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(source.replace("summary: 2024-13-45", f"summary: {value}"), encoding="utf-8")
    [problem] = [p for p in check_file(path).problems if p.severity == "error"]
    assert (problem.line, problem.col) == (5, 10)
    assert problem.message.startswith(message), problem.message


def test_a_colon_inside_text_still_asks_for_quotes(tmp_path: Path) -> None:
    source = (CORPUS / "bad-date.yaml").read_text(encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(source.replace("summary: 2024-13-45", "summary: Note: this"), "utf-8")
    [problem] = [p for p in check_file(path).problems if p.severity == "error"]
    assert (problem.line, problem.col) == (5, 14)
    assert "put the text in quotes" in problem.hint
