"""One set of rules for numbers, counts and names shown to people (simulator.formatting)."""

from __future__ import annotations

import pytest

from simulator.formatting import cells, number, plural, rate, rounded, score, signed, truncate


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (85.5, 0, 86.0),  # half up, where round() and f"{:.0f}" give 86 only by luck of parity
        (84.5, 0, 85.0),  # … and here they give 84
        (0.125, 2, 0.13),  # round(0.125, 2) == 0.12
        (2.675, 2, 2.68),  # stored as 2.67499…, written 2.675: rounded as written
        (16.666666666666664, 2, 16.67),  # the float noise the CSV used to carry
        (4.166666666666667, 2, 4.17),
        (-2.5, 0, -3.0),  # away from zero
        (95.83333333333333, 0, 96.0),
    ],
)
def test_rounding_is_half_up_as_written(value: float, digits: int, expected: float) -> None:
    assert rounded(value, digits) == expected


def test_scores_and_rates_read_the_same_everywhere() -> None:
    assert score(85.6) == "86" and score(None) == "—"
    assert score(None, missing="not assessed") == "not assessed"
    assert score(14.25, digits=1) == "14.3"
    assert rate(0.745) == "75%" and rate(0.755) == "76%" and rate(None) == "—"
    assert number(-0.2) == "0"  # never "-0"


def test_changes_carry_their_sign() -> None:
    assert [signed(v) for v in (29, -3.4, 0.2, 0)] == ["+29", "-3", "0", "0"]


def test_plurals_agree_with_their_count() -> None:
    assert plural(1, "trainee") == "1 trainee"
    assert plural(3, "trainee") == "3 trainees"
    assert plural(0, "reply", "replies") == "0 replies"


def test_names_are_cut_with_an_ellipsis_by_terminal_cells() -> None:
    assert truncate("Ann Lee", 20) == "Ann Lee"
    assert truncate("Maximiliana Wolfeschlegelstein", 12) == "Maximiliana…"
    assert cells(truncate("Maximiliana Wolfeschlegelstein", 12)) == 12
    assert truncate("日本語のなまえです", 7) == "日本語…"  # wide characters take two cells
    assert cells("日本語…") == 7
    assert truncate("abc", 0) == ""
