"""Every class of scenario-file error: where it is reported, and that it says what to do.

Each problem must print as ``FILE:LINE:COL: severity: what — what to do`` with a
1-based line and column that point at the offending text. Most tests edit one
line of ``BASE`` (a small valid scenario, line numbers below) and check the one
problem that edit causes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import simulator.loader
import simulator.yamlload
from simulator import analysis
from simulator.cli import cli
from simulator.loader import load_bytes, read_file
from simulator.problems import Problem
from simulator.validate import check_file

BASE = """\
format: 1
id: t
title: T
customer:
  name: Sam
  mood: 50
start: a
nodes:
  a:
    customer: Hi
    choices:
      - say: Good
        empathy: 1
        feedback: ok
        next: win
      - say: Bad
        empathy: -1
        feedback: Poor
        next: lose
  win:
    customer: Thanks
    ending: resolved
  lose:
    customer: Bye
    ending: lost
"""
#  1 format: 1            10     customer: Hi           19         next: lose
#  2 id: t                11     choices:               20   win:
#  3 title: T             12       - say: Good          21     customer: Thanks
#  4 customer:            13         empathy: 1         22     ending: resolved
#  5   name: Sam          14         feedback: ok       23   lose:
#  6   mood: 50           15         next: win          24     customer: Bye
#  7 start: a             16       - say: Bad           25     ending: lost
#  8 nodes:               17         empathy: -1
#  9   a:                 18         feedback: Poor

# Reply 1's "next: win" (line 15) replaced by a list of routes starting on line 16.
ROUTES = "next:\n          - if: {cond}\n            goto: lose\n          - goto: win"
#        16:          - if: <cond>      ("- " at col 11, "if" at col 13, the condition at col 17)
#        17:            goto: lose      ("goto" at col 13)
#        18:          - goto: win


def edit(old: str, new: str, text: str = BASE) -> str:
    """``text`` with the single occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def routes(cond: str) -> str:
    return edit("next: win", ROUTES.format(cond=cond))


def write(tmp_path: Path, content: str | bytes, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def problems(tmp_path: Path, content: str | bytes, **kwargs: int) -> list[Problem]:
    """Every problem ``talkdown validate`` would report for ``content``."""
    return list(check_file(write(tmp_path, content), **kwargs).problems)


def one(found: list[Problem], code: str, severity: str = "error") -> Problem:
    """The single problem with ``code`` (and nothing else of that severity)."""
    matching = [p for p in found if p.code == code]
    assert len(matching) == 1, [str(p) for p in found]
    others = [p for p in found if p.severity == severity and p.code != code]
    assert not others, [str(p) for p in others]
    assert matching[0].severity == severity
    return matching[0]


def assert_at(problem: Problem, line: int, col: int) -> str:
    """``problem`` is at ``line:col``, prints that way and carries a hint; returns the hint."""
    text = str(problem)
    assert (problem.line, problem.col) == (line, col), text
    assert text.startswith(f"{problem.path}:{line}:{col}: "), text
    assert " — " in text, text
    hint = text.split(" — ", 1)[1]
    assert hint.strip(), text
    assert hint == problem.hint
    return hint


def test_base_is_clean(tmp_path: Path) -> None:
    report = check_file(write(tmp_path, BASE))
    assert report.problems == ()
    assert report.scenario is not None and report.scenario.id == "t"


def test_problem_prints_path_position_severity_message_and_hint() -> None:
    p = Problem("f.yaml", 3, 9, "what is wrong", "what to do", "warning", "x")
    assert str(p) == "f.yaml:3:9: warning: what is wrong — what to do"


# -- YAML syntax --------------------------------------------------------------------------


def test_yaml_syntax_error(tmp_path: Path) -> None:
    found = problems(tmp_path, edit("title: T", "title: T: the sequel"))
    p = one(found, "yaml")
    hint = assert_at(p, 3, 9)  # the second ': '
    assert "mapping values are not allowed" in p.message
    assert "quotes" in hint


def test_unterminated_quote_points_at_the_opening_quote(tmp_path: Path) -> None:
    # libyaml notices only at the end of the file (26:1); the mistake is the
    # quote opened on line 3, column 8, and that is where the author must look.
    found = problems(tmp_path, edit("title: T", 'title: "T'))
    p = one(found, "yaml")
    hint = assert_at(p, 3, 8)
    assert "never closed" in p.message
    assert 'closing "' in hint


def test_end_of_file_error_points_inside_the_file(tmp_path: Path) -> None:
    found = problems(tmp_path, "id: [a, b")  # one line, no newline
    p = one(found, "yaml")
    assert_at(p, 1, 10)  # just past the last character of line 1


@pytest.mark.parametrize(
    ("old", "new", "line", "col"),
    [
        ("  name: Sam", "\tname: Sam", 5, 1),  # a tab instead of the indentation
        ("        empathy: 1", "      \t  empathy: 1", 13, 7),  # a tab inside the indentation
    ],
)
def test_tab_in_indentation(tmp_path: Path, old: str, new: str, line: int, col: int) -> None:
    p = one(problems(tmp_path, edit(old, new)), "yaml")
    hint = assert_at(p, line, col)
    assert p.message == "a tab character in the indentation"
    assert "spaces" in hint


# -- wrong types --------------------------------------------------------------------------


def test_text_where_a_number_is_expected(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("empathy: 1", "empathy: lots")), "type")
    hint = assert_at(p, 13, 18)  # the value 'lots'
    assert p.message == (
        "'empathy' in reply 1 of node 'a' must be a whole number, not the text 'lots'"
    )
    assert "empathy: " in hint


def test_a_number_list_where_text_is_expected(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("say: Good", "say: [1, 2]")), "type")
    assert_at(p, 12, 14)
    assert p.message == "'say' in reply 1 of node 'a' must be text, not a list"


def test_unquoted_no_is_read_as_a_boolean(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("say: Good", "say: no")), "type")
    hint = assert_at(p, 12, 14)
    assert "'false' (read as yes/no)" in p.message
    assert "quotes" in hint
    assert 'say: "..."' in hint


def test_unquoted_bracket_text_is_read_as_a_list(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("customer: Hi", "customer: [sighs]")), "type")
    hint = assert_at(p, 10, 15)  # the '['
    assert p.message == "'customer' in node 'a' must be text, not a list"
    assert "quoted" in hint
    assert '"[sighs]' in hint


def test_unquoted_bracket_text_followed_by_words_suggests_quotes(tmp_path: Path) -> None:
    found = problems(tmp_path, edit("customer: Hi", "customer: [sighs] Where is my parcel?"))
    p = one(found, "yaml")
    hint = assert_at(p, 10, 23)  # where the words after ']' begin
    assert "quot" in hint


# -- missing required fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "where", "line", "col"),
    [
        ("id: t\n", "", "id", "the scenario", 1, 1),
        ("    customer: Hi\n", "", "customer", "node 'a'", 10, 5),
        (
            "      - say: Good\n        empathy: 1",
            "      - empathy: 1",
            "say",
            "reply 1 of node 'a'",
            12,
            9,
        ),
        ("        next: win\n", "", "next", "reply 1 of node 'a'", 12, 9),
    ],
)
def test_missing_required_field(
    tmp_path: Path, old: str, new: str, field: str, where: str, line: int, col: int
) -> None:
    # reported where the mapping that lacks the field begins
    p = one(problems(tmp_path, edit(old, new)), "missing-field")
    hint = assert_at(p, line, col)
    assert p.message == f"{where} is missing the required field '{field}'"
    assert hint == f"add '{field}:'"


# -- unknown fields ---------------------------------------------------------------------------


def test_misspelt_say(tmp_path: Path) -> None:
    found = problems(tmp_path, edit("say: Good", "sya: Good"))
    p = [q for q in found if q.code == "unknown-field"]
    assert len(p) == 1
    hint = assert_at(p[0], 12, 9)
    assert p[0].message == "unknown field 'sya' in reply 1 of node 'a'"
    assert hint == "did you mean 'say'?"
    # and the reply now lacks its text
    assert [q.code for q in found if q.severity == "error"] == ["unknown-field", "missing-field"]


def test_misspelt_feedback(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("feedback: ok", "feedbak: ok")), "unknown-field")
    hint = assert_at(p, 14, 9)
    assert hint == "did you mean 'feedback'?"


def test_misspelt_top_level_field(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("title: T\n", "title: T\ntitel: Typo\n")), "unknown-field")
    hint = assert_at(p, 4, 1)
    assert p.message == "unknown field 'titel' in the scenario"
    assert hint == "did you mean 'title'?"


# -- duplicate keys -----------------------------------------------------------------------------


def test_field_written_twice_in_a_reply(tmp_path: Path) -> None:
    text = edit("        empathy: 1\n", "        empathy: 1\n        empathy: 2\n")
    p = one(problems(tmp_path, text), "duplicate-key")
    assert_at(p, 14, 9)  # the second one
    assert "'empathy' is defined twice (first at line 13)" in p.message


def test_node_id_written_twice(tmp_path: Path) -> None:
    text = BASE + "  win:\n    customer: Again\n    ending: resolved\n"
    p = one(problems(tmp_path, text), "duplicate-key")
    assert_at(p, 26, 3)
    assert "'win' is defined twice (first at line 20)" in p.message


# -- references to unknown nodes ----------------------------------------------------------------


def test_start_names_an_unknown_node(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("start: a", "start: aa")), "unknown-node")
    hint = assert_at(p, 7, 8)
    assert p.message == "start node 'aa' does not exist"
    assert hint == "did you mean 'a'?"


def test_next_names_an_unknown_node(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("next: win", "next: wim")), "unknown-node")
    assert p.line == 15
    assert p.message == "reply 1 of node 'a' goes to unknown node 'wim'"
    assert p.hint == "did you mean 'win'?"


def test_next_to_an_unknown_node_points_at_the_id(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("next: win", "next: wim")), "unknown-node")
    assert_at(p, 15, 15)


def test_goto_names_an_unknown_node(tmp_path: Path) -> None:
    p = one(
        problems(tmp_path, routes("mood > 10").replace("goto: lose", "goto: loose")), "unknown-node"
    )
    assert p.message == "reply 1 of node 'a' goes to unknown node 'loose'"
    assert p.hint == "did you mean 'lose'?"


def test_goto_to_an_unknown_node_points_at_the_id(tmp_path: Path) -> None:
    text = routes("mood > 10").replace("goto: lose", "goto: loose")
    p = one(problems(tmp_path, text), "unknown-node")
    assert_at(p, 17, 19)  # "            goto: loose"


# -- node shape -------------------------------------------------------------------------------


def test_ending_node_with_choices(tmp_path: Path) -> None:
    text = edit(
        "    ending: resolved\n",
        "    ending: resolved\n    choices:\n      - say: More?\n        next: a\n",
    )
    found = problems(tmp_path, text)
    p = [q for q in found if q.code == "ending-with-choices"]
    assert len(p) == 1, [str(q) for q in found]
    hint = assert_at(p[0], 23, 5)  # its 'choices:'
    assert p[0].message == "node 'win' is an ending (resolved) but also has choices"
    assert "remove 'choices' or 'ending'" in hint


def test_node_with_neither_choices_nor_ending(tmp_path: Path) -> None:
    found = problems(tmp_path, edit("    ending: lost\n", ""))
    p = [q for q in found if q.code == "dead-end"]
    assert len(p) == 1, [str(q) for q in found]
    hint = assert_at(p[0], 23, 3)  # the node id
    assert p[0].message == "node 'lose' has neither choices nor an ending"
    assert "choices:" in hint and "ending:" in hint


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "    ending: resolved\n",
            "    ending: resolved\n    choices:\n      - say: More?\n        next: a\n",
        ),
        ("    ending: lost\n", ""),
        ("    ending: lost\n", "    ending: lots\n"),
    ],
)
def test_a_broken_node_is_not_also_unknown(tmp_path: Path, old: str, new: str) -> None:
    found = problems(tmp_path, edit(old, new))
    assert [str(p) for p in found if p.code == "unknown-node"] == []


# -- tags -------------------------------------------------------------------------------------


def test_unknown_tag(tmp_path: Path) -> None:
    text = edit("        empathy: 1\n", "        empathy: 1\n        tags: [listen, appologise]\n")
    p = one(problems(tmp_path, text), "unknown-tag")
    hint = assert_at(p, 14, 24)  # the second item
    assert p.message == "unknown tag 'appologise'"
    assert hint.startswith("did you mean 'apologise'?")


# -- conditions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cond", "col", "message"),
    [
        ("mood >", 23, "condition 'mood >': condition ends too early"),  # just past the end
        (
            "mood >> 5",
            23,
            "condition 'mood >> 5': expected a whole number after 'mood >' but found '>'",
        ),  # the second '>'
        ("(mood > 1", 26, "condition '(mood > 1': missing ')' to close the '(' at character 1"),
        ("mood > 5 5", 26, "condition 'mood > 5 5': unexpected '5' in condition"),
        ("mood = 5", 22, "condition 'mood = 5': unexpected character '=' in condition"),
    ],
)
def test_unparsable_condition(tmp_path: Path, cond: str, col: int, message: str) -> None:
    p = one(problems(tmp_path, routes(cond)), "condition")
    assert_at(p, 16, col)
    assert p.message == message


@pytest.mark.parametrize(
    ("cond", "col", "hint"),
    [
        ("anger > 5", 17, "use one of: assertiveness, empathy, mood, turn"),
        ("moood >= 5", 17, "did you mean 'mood'?"),
        ("mood > 5 and trun < 2", 30, "did you mean 'turn'?"),
    ],
)
def test_unknown_variable_in_condition(tmp_path: Path, cond: str, col: int, hint: str) -> None:
    p = one(problems(tmp_path, routes(cond)), "condition")
    assert assert_at(p, 16, col) == hint
    assert "unknown variable" in p.message


def test_quoted_condition_column_points_into_the_condition(tmp_path: Path) -> None:
    p = one(problems(tmp_path, routes('"anger > 5"')), "condition")
    assert_at(p, 16, 18)  # 'a' of anger, after the quote at col 17


def test_hyphenated_flag_in_condition(tmp_path: Path) -> None:
    p = one(problems(tmp_path, routes("mood > 5 and call-back")), "condition")
    hint = assert_at(p, 16, 30)
    assert "'call-back' is not a valid flag name" in p.message
    assert "hyphens" in hint


def test_flag_read_but_never_set(tmp_path: Path) -> None:
    p = one(problems(tmp_path, routes("mood > 5 and promised")), "unknown-flag")
    assert p.line == 16
    assert "reads flag 'promised', which no reply raises" in p.message
    assert p.hint == "add 'set: [promised]' to the reply that should raise it"


def test_flag_read_but_never_set_suggests_a_close_one(tmp_path: Path) -> None:
    text = routes("promissed").replace(
        "        feedback: Poor\n", "        feedback: Poor\n        set: [promised]\n"
    )
    p = one(problems(tmp_path, text), "unknown-flag")
    assert p.hint == "did you mean 'promised'?"


def test_flag_read_but_never_set_points_at_the_flag(tmp_path: Path) -> None:
    p = one(problems(tmp_path, routes("mood > 5 and promised")), "unknown-flag")
    assert_at(p, 16, 30)


def test_last_route_has_a_condition(tmp_path: Path) -> None:
    text = edit("next: win", "next:\n          - if: mood > 5\n            goto: win")
    p = one(problems(tmp_path, text), "route-fallback")
    hint = assert_at(p, 16, 13)
    assert p.message == "the last route of reply 1 of node 'a' has a condition"
    assert "unconditional" in hint


def test_unconditional_route_is_not_last(tmp_path: Path) -> None:
    text = edit(
        "next: win",
        "next:\n          - goto: lose\n          - if: mood > 5\n            goto: win\n"
        "          - goto: win",
    )
    p = one(problems(tmp_path, text), "route-order")
    hint = assert_at(p, 16, 13)
    assert p.message == "route 1 of reply 1 of node 'a' has no 'if:' but is not the last route"
    assert "never be taken" in hint


# -- bytes, size, empty --------------------------------------------------------------------


def test_invalid_utf8(tmp_path: Path) -> None:
    raw = BASE.encode().replace(b"title: T", b"title: T\xff")
    p = one(problems(tmp_path, raw), "encoding")
    hint = assert_at(p, 3, 9)
    assert p.message == "the file is not valid UTF-8 (byte 0xff)"
    assert "UTF-8" in hint


def test_invalid_utf8_with_windows_line_ends(tmp_path: Path) -> None:
    raw = BASE.encode().replace(b"\n", b"\r\n").replace(b"title: T", b"title: T\xff")
    assert_at(one(problems(tmp_path, raw), "encoding"), 3, 9)


def test_invalid_utf8_column_counts_characters(tmp_path: Path) -> None:
    raw = BASE.encode().replace(b"title: T", "title: é".encode() + b"\xff")
    assert_at(one(problems(tmp_path, raw), "encoding"), 3, 9)


def test_invalid_utf8_after_a_bom(tmp_path: Path) -> None:
    p = one(problems(tmp_path, b"\xef\xbb\xbfid: x\n\xff\n"), "encoding")
    assert_at(p, 2, 1)
    assert "0xff" in p.message


def test_a_bom_is_allowed(tmp_path: Path) -> None:
    report = check_file(write(tmp_path, b"\xef\xbb\xbf" + BASE.encode()))
    assert report.problems == ()


def test_control_character_is_located(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("title: T", "title: T\x00")), "yaml")
    assert_at(p, 3, 9)
    assert "<unicode string>" not in p.message


@pytest.mark.parametrize("content", ["", "\n\n   \n", "# a comment\n\n# another\n"])
def test_empty_and_comment_only_files(tmp_path: Path, content: str) -> None:
    p = one(problems(tmp_path, content), "empty")
    hint = assert_at(p, 1, 1)
    assert p.message == "the file is empty"
    assert "talkdown new" in hint


def test_oversized_file_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def no_parsing(*_: object) -> None:
        calls.append("parsed")
        raise AssertionError("parsed an oversized file")

    monkeypatch.setattr(simulator.yamlload, "parse_yaml", no_parsing)
    monkeypatch.setattr(simulator.loader, "parse_yaml", no_parsing)
    monkeypatch.setattr(simulator.loader, "decode", no_parsing)
    path = write(tmp_path, BASE)
    for result in (read_file(path, max_bytes=100), check_file(path, max_bytes=100)):
        p = one(list(result.problems), "too-large")
        hint = assert_at(p, 1, 1)
        assert p.message == f"the file is {len(BASE.encode()):,} bytes, over the 100-byte limit"
        assert "--max-bytes" in hint
    assert calls == []
    # exactly at the limit is fine (the parser is restored for this)
    monkeypatch.undo()
    assert read_file(path, max_bytes=len(BASE.encode())).problems == ()


# -- hostile YAML ---------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_unexpanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    original = simulator.yamlload._MarkingLoader.construct_document

    def watch(self: object, node: object) -> object:
        built.append(node)
        return original(self, node)  # type: ignore[arg-type]

    monkeypatch.setattr(simulator.yamlload._MarkingLoader, "construct_document", watch)
    p = one(problems(tmp_path, billion_laughs()), "alias-bomb")
    hint = assert_at(p, 1, 1)
    assert "aliases" in p.message
    assert "write the content out" in hint
    assert built == []  # refused before anything was built


def test_modest_alias_reuse_is_allowed(tmp_path: Path) -> None:
    # an anchor used once more: the unknown field is reported, the alias itself is fine
    text = "x-note: &n Good.\n" + BASE.replace("feedback: ok", "feedback: *n")
    found = problems(tmp_path, text)
    assert [p.code for p in found] == ["unknown-field"]


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "format: 1\nid: &x\n  k: *x\n"])
def test_recursive_alias(tmp_path: Path, text: str) -> None:
    p = one(problems(tmp_path, text), "alias-bomb")
    assert_at(p, 1, 1)
    assert "refer to themselves" in p.message


@pytest.mark.parametrize(
    ("old", "new", "tag", "line", "col"),
    [
        (
            BASE,
            '!!python/object/apply:os.system ["echo hacked"]\n',
            "!!python/object/apply:os.system",
            1,
            1,
        ),
        (
            "title: T",
            'title: !!python/object/apply:os.system ["echo hacked"]',
            "!!python/object/apply:os.system",
            3,
            8,
        ),
        (BASE, "!!python/name:os.system\n", "!!python/name:os.system", 1, 1),
        ("title: T", "title: !!python/name:os.system", "!!python/name:os.system", 3, 8),
        (
            "title: T",
            "title: !!python/object/new:os.system [echo hacked]",
            "!!python/object/new:os.system",
            3,
            8,
        ),
    ],
)
def test_python_tags_are_refused_and_never_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    tag: str,
    line: int,
    col: int,
) -> None:
    ran: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: ran.append(a) or 0)
    p = one(problems(tmp_path, edit(old, new)), "yaml-tag")
    hint = assert_at(p, line, col)
    assert p.message == f"the YAML tag {tag} is not allowed in scenario files"
    assert "remove the tag" in hint
    assert ran == []


def test_more_than_one_document(tmp_path: Path) -> None:
    p = one(problems(tmp_path, BASE + "---\n" + BASE), "yaml")
    hint = assert_at(p, 26, 1)  # the second '---'
    assert p.message == "the file holds more than one YAML document"
    assert "one scenario per file" in hint


def test_a_huge_integer_is_a_problem_not_a_crash() -> None:
    raw = BASE.replace("empathy: 1", "empathy: 1" + "0" * 5000).encode()
    result = load_bytes(raw, "s.yaml")
    assert result.scenario is None
    (p,) = result.errors  # out of range, or not a usable number: either way, at the value
    assert_at(p, 13, 18)


def test_a_huge_number_in_a_condition_is_a_problem_not_a_crash() -> None:
    raw = routes("mood > " + "1" * 5000).encode()
    result = load_bytes(raw, "s.yaml")
    assert result.errors or result.scenario is not None


# -- customer and scoring --------------------------------------------------------------------


@pytest.mark.parametrize("walkout", [50, 40])
def test_walkout_not_above_starting_mood(tmp_path: Path, walkout: int) -> None:
    text = edit("  mood: 50\n", f"  mood: 50\n  walkout_at: {walkout}\n")
    p = one(problems(tmp_path, text), "walkout")
    hint = assert_at(p, 7, 15)  # the walkout_at value
    assert p.message == f"walkout_at ({walkout}) must be above the starting mood (50)"
    assert "raise walkout_at" in hint


def test_walkout_defaults_to_100_so_mood_100_is_refused(tmp_path: Path) -> None:
    p = one(problems(tmp_path, edit("  mood: 50", "  mood: 100")), "walkout")
    assert_at(p, 6, 9)  # the mood value: there is no walkout_at to point at
    assert p.message == "walkout_at (100) must be above the starting mood (100)"


SCORING = "start: a\nscoring:\n  weights:\n{weights}"
#          7 start: a / 8 scoring: / 9   weights: / 10     <first weight>


def test_weights_all_zero(tmp_path: Path) -> None:
    weights = "    empathy: 0\n    assertiveness: 0\n    speed: 0\n"
    p = one(problems(tmp_path, edit("start: a\n", SCORING.format(weights=weights))), "weights")
    hint = assert_at(p, 10, 5)  # the weights mapping
    assert p.message == "the scoring weights are all zero"
    assert "positive weight" in hint


def test_negative_weight(tmp_path: Path) -> None:
    weights = "    empathy: -1\n"
    p = one(problems(tmp_path, edit("start: a\n", SCORING.format(weights=weights))), "range")
    hint = assert_at(p, 10, 14)
    assert p.message == "'empathy' in scoring weights is -1, outside 0..1000"
    assert hint == "use a number from 0 to 1000"


def test_more_than_nine_choices(tmp_path: Path) -> None:
    replies = "".join(
        f"      - say: Reply {i}\n        empathy: {i}\n        feedback: f\n        next: win\n"
        for i in range(1, 11)
    )
    head, _, _ = BASE.partition("      - say: Good")
    _, _, tail = BASE.partition("        next: lose\n")
    text = head + replies + tail
    p = one(problems(tmp_path, text), "too-many-choices")
    hint = assert_at(p, 12 + 9 * 4, 9)  # the tenth reply
    assert p.message == "node 'a' offers 10 replies; at most 9 fit the number keys"
    assert "split" in hint


# -- graph problems (validate) ------------------------------------------------------------------


def test_resolution_made_infeasible_by_a_condition(tmp_path: Path) -> None:
    # mood never reaches 200, so 'win' is never taken; the condition itself parses fine
    text = edit(
        "next: win",
        "next:\n          - if: mood >= 200\n            goto: win\n          - goto: lose",
    )
    found = problems(tmp_path, text)
    p = one(found, "no-resolution")
    hint = assert_at(p, 9, 1)  # the start node
    assert p.message == "no resolved ending can be reached from start 'a'"
    assert "conditions" in hint
    assert [(q.code, q.line) for q in found if q.severity == "warning"] == [("unreachable", 23)]


LOOP = (
    BASE.replace("        next: lose\n", "        next: b\n")
    + """\
  b:
    customer: Hmm
    choices:
      - say: Go on
        empathy: 1
        feedback: ok
        next: c
      - say: Stop
        empathy: -1
        feedback: Poor
        next: c
  c:
    customer: Hmm again
    choices:
      - say: Back
        empathy: 1
        feedback: ok
        next: b
      - say: Back again
        empathy: -1
        feedback: Poor
        next: b
"""
)
# 26 b: / 37 c:


def test_a_loop_with_no_way_out(tmp_path: Path) -> None:
    found = problems(tmp_path, LOOP)
    stuck = [p for p in found if p.code == "stuck"]
    assert [p.message for p in stuck] == [
        "a trainee can reach node 'b' and then never reach any ending",
        "a trainee can reach node 'c' and then never reach any ending",
    ]
    assert_at(stuck[0], 26, 1)
    assert_at(stuck[1], 37, 1)
    assert {p.code for p in found if p.severity == "error"} == {"stuck"}
    # 'lose' is no longer routed to
    assert [p.code for p in found if p.severity == "warning"] == ["unreachable"]


def test_unreachable_node_is_a_warning(tmp_path: Path) -> None:
    report = check_file(write(tmp_path, BASE + "  orphan:\n    customer: Hey\n    ending: lost\n"))
    p = one(list(report.problems), "unreachable", "warning")
    hint = assert_at(p, 26, 1)
    assert p.message == "node 'orphan' can never be reached from the start"
    assert "delete it" in hint
    assert report.scenario is not None and not report.failed() and report.failed(strict=True)


def test_node_whose_replies_score_alike_is_a_warning(tmp_path: Path) -> None:
    text = edit("        empathy: -1\n", "").replace("        empathy: 1\n", "")
    report = check_file(write(tmp_path, text))
    p = one(list(report.problems), "flat-node", "warning")
    hint = assert_at(p, 9, 1)
    assert p.message == "every reply at node 'a' carries the same points and mood"
    assert "better" in hint
    assert report.scenario is not None


def test_same_points_but_different_mood_is_not_flat(tmp_path: Path) -> None:
    text = edit("        empathy: -1\n", "        mood: 10\n").replace("        empathy: 1\n", "")
    assert problems(tmp_path, text) == []


def test_two_replies_with_the_same_text(tmp_path: Path) -> None:
    report = check_file(write(tmp_path, edit("say: Bad", "say:   good ")))
    p = one(list(report.problems), "duplicate-reply", "warning")
    hint = assert_at(p, 16, 1)
    assert p.message == "reply 2 of node 'a' has the same text as reply 1"
    assert hint == "reword one of them"


def test_reply_without_feedback(tmp_path: Path) -> None:
    report = check_file(write(tmp_path, edit("        feedback: Poor\n", "")))
    p = one(list(report.problems), "no-feedback", "warning")
    hint = assert_at(p, 16, 1)
    assert p.message == "reply 2 of node 'a' has no feedback"
    assert "feedback:" in hint


def test_a_zero_second_loop_is_valid(tmp_path: Path) -> None:
    report = check_file(write(tmp_path, ZERO_LOOP))
    assert report.problems == ()


ZERO_LOOP = """\
format: 1
id: zero
title: Zero
customer:
  name: Sam
  mood: 50
start: a
nodes:
  a:
    customer: Hi
    choices:
      - say: Bye
        empathy: -1
        feedback: Poor
        next: lose
      - say: Hello
        empathy: 1
        seconds: 5
        feedback: Good
        next: b
  b:
    customer: Well?
    choices:
      - say: Um, let me see
        empathy: -1
        seconds: 0
        feedback: Stalling
        next: b
      - say: Fixed it
        empathy: 1
        seconds: 10
        feedback: Good
        next: win
  win:
    customer: Thanks
    ending: resolved
  lose:
    customer: Bye
    ending: lost
"""


class _StepBudget(Exception):
    """Raised when traced code runs more lines than a terminating run could need."""


def _run_bounded(fn: object, budget: int) -> object:
    """Call ``fn`` but give up after ``budget`` traced events (a step count, not a clock)."""
    steps = 0

    def local(frame: object, event: str, arg: object) -> object:
        nonlocal steps
        steps += 1
        if steps > budget:
            raise _StepBudget(f"gave up after {budget:,} steps")
        return local

    previous = sys.gettrace()  # e.g. coverage's tracer, put back afterwards
    sys.settrace(lambda *_: local)
    try:
        return fn()  # type: ignore[operator]
    finally:
        sys.settrace(previous)


def test_step_budget_lets_a_normal_analysis_finish() -> None:
    scenario = load_bytes(BASE.encode(), "s.yaml").scenario
    assert scenario is not None
    facts = _run_bounded(lambda: analysis.analyze(scenario), 2_000_000)
    assert facts.par_seconds == 30  # type: ignore[attr-defined]


def test_analyze_terminates_on_a_zero_second_loop() -> None:
    scenario = load_bytes(ZERO_LOOP.encode(), "s.yaml").scenario
    assert scenario is not None
    assert analysis.par_for(scenario) == 15  # 5 s to b, then 10 s: par itself is fine
    facts = _run_bounded(lambda: analysis.analyze(scenario), 2_000_000)
    assert facts.par_seconds == 15  # type: ignore[attr-defined]
    assert facts.endings["resolved"].choices == (2, 2)  # type: ignore[attr-defined]


# -- many problems at once; the command line ------------------------------------------------------


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (
        edit("title: T\n", "title: T\ntitel: Typo\n")
        .replace("empathy: -1", "empathy: lots")
        .replace("        feedback: ok\n", "        feedback: ok\n        tags: [appologise]\n")
    )
    found = problems(tmp_path, text)
    assert [(p.code, p.line, p.col) for p in found] == [
        ("unknown-field", 4, 1),
        ("unknown-tag", 16, 16),
        ("type", 19, 18),
    ]
    assert all(p.severity == "error" for p in found)


def test_validate_strict_fails_on_warnings_only(tmp_path: Path) -> None:
    path = write(tmp_path, edit("        feedback: Poor\n", ""))
    runner = CliRunner()
    plain = runner.invoke(cli, ["validate", str(path)])
    strict = runner.invoke(cli, ["validate", "--strict", str(path)])
    assert plain.exit_code == 0, plain.output
    assert strict.exit_code == 1, strict.output
    line = f"{path}:16:1: warning: reply 2 of node 'a' has no feedback — "
    assert line in plain.stdout
    assert line in strict.stdout
    assert "(--strict: warnings count as errors)" in strict.stderr
    clean = runner.invoke(cli, ["validate", "--strict", str(write(tmp_path, BASE, "ok.yaml"))])
    assert clean.exit_code == 0, clean.output


def test_validate_exits_1_on_errors(tmp_path: Path) -> None:
    path = write(tmp_path, edit("start: a", "start: aa"))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:7:8: error: start node 'aa' does not exist — did you mean 'a'?" in result.stdout


def test_validate_json_output(tmp_path: Path) -> None:
    bad = write(tmp_path, edit("        feedback: Poor\n", "").replace("start: a", "start: aa"))
    good = write(tmp_path, BASE, "good.yaml")
    result = CliRunner().invoke(cli, ["validate", "--format", "json", str(bad), str(good)])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"ok", "strict", "files", "errors", "warnings"}
    assert payload["ok"] is False and payload["strict"] is False
    assert (payload["errors"], payload["warnings"]) == (1, 0)  # graph warnings need a clean load
    files = {f["path"]: f for f in payload["files"]}
    assert set(files) == {str(bad), str(good)}
    for f in files.values():
        assert set(f) == {"path", "id", "ok", "problems"}
    assert files[str(good)] == {"path": str(good), "id": "t", "ok": True, "problems": []}
    assert files[str(bad)]["id"] is None and files[str(bad)]["ok"] is False
    assert files[str(bad)]["problems"] == [
        {
            "path": str(bad),
            "line": 7,
            "col": 8,
            "severity": "error",
            "code": "unknown-node",
            "message": "start node 'aa' does not exist",
            "hint": "did you mean 'a'?",
        }
    ]


def test_validate_json_strict_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, edit("        feedback: Poor\n", ""))
    result = CliRunner().invoke(cli, ["validate", "--strict", "--format", "json", str(path)])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["strict"] is True
    assert (payload["errors"], payload["warnings"]) == (0, 1)
    (entry,) = payload["files"]
    assert entry["id"] == "t" and entry["ok"] is False
    assert [p["code"] for p in entry["problems"]] == ["no-feedback"]


def test_validate_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = CliRunner().invoke(cli, ["validate", str(missing)])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_validate_max_bytes_option(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    result = CliRunner().invoke(cli, ["validate", "--max-bytes", "100", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1:1: error: the file is" in result.stdout
