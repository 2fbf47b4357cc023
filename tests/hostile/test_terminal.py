"""`simulator.terminal`: the one boundary between untrusted text and a terminal."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.terminal import (
    clip,
    control_problem,
    dumps_json,
    has_controls,
    rich_text,
    visible,
    visible_line,
)
from tests.hostile.helpers import FORBIDDEN, PAYLOAD


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]0;T\x07", "␛]0;T␇"),  # C0: Unicode control pictures
        ("\x00\x08\x7f", "␀␈␡"),  # NUL, backspace, DEL
        ("a\x9bb\x9dc", "a⟨U+009B⟩b⟨U+009D⟩c"),  # C1: named
        ("x\udcffy", "x\ufffdy"),  # a lone surrogate would write the raw byte back
        ("line\n\ttab", "line\n\ttab"),  # newline and tab kept in multi-line text
        ("plain ünïcode — ok", "plain ünïcode — ok"),
        # bidi overrides and isolates reorder what follows on a bidi terminal ("Trojan Source")
        ("Ann\u202elairt", "Ann⟨U+202E⟩lairt"),
        ("\u2066x\u2069", "⟨U+2066⟩x⟨U+2069⟩"),
        # right-to-left text as typed, with an RLM, is a scenario in Arabic: left alone
        ("مرحبا\u200f!", "مرحبا\u200f!"),
    ],
)
def test_visible_shows_each_kind_of_control(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_visible_line_also_shows_line_breaks_and_tabs() -> None:
    assert visible_line("a\nb\r\tc") == "a␊b␍␉c"


@given(st.text())
def test_nothing_a_terminal_obeys_survives(text: str) -> None:
    for shown in (visible(text), visible_line(text)):
        assert not any(c in FORBIDDEN for c in shown)
        assert not any("\ud800" <= c <= "\udfff" for c in shown)
        assert not any("\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in shown)
    assert not any(c in "\n\r\t" for c in visible_line(text))
    assert has_controls(text) == (visible_line(text) != text)


@given(st.text())
def test_dumps_json_is_exact_and_inert(text: str) -> None:
    value = {"k": text, "list": [text]}
    dumped = dumps_json(value)
    assert not any(c in FORBIDDEN or c in "\u2028\u2029" for c in dumped)
    assert json.loads(dumped) == value


def test_clip_cuts_long_text_for_display() -> None:
    assert clip("x" * 100, 10) == "x" * 9 + "…"
    assert clip("short", 10) == "short"
    assert clip("a\nb" * 2, 10) == "a␊ba␊b"
    assert clip("a\nb", 10, one_line=False) == "a\nb"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Ann Lee", None),
        ("Zoë 山田 O'Brien [b]", None),
        (f"Eve{PAYLOAD}", "it holds the control character U+001B"),
        ("tab\there", "it holds the control character U+0009"),
        ("c1\x85", "it holds the control character U+0085"),
        ("line\u2028break", "it holds the control character U+2028"),
        # two trainees who would look the same in every report
        ("Ann\u200b", "it holds the invisible or reordering character U+200B"),
        ("\ufeffAnn", "it holds the invisible or reordering character U+FEFF"),
        ("Ann\u202eeve", "it holds the invisible or reordering character U+202E"),
        ("سارا", None),
    ],
)
def test_control_problem_refuses_names_with_controls(name: str, problem: str | None) -> None:
    assert control_problem(name) == problem


def test_rich_text_is_never_markup_and_is_clipped() -> None:
    cell = rich_text("[bold]x[/bold]\x1b[2J", limit=12)
    assert cell.plain == "[bold]x[/bo…"
    assert rich_text("[b]a\x1b").plain == "[b]a␛"
