"""The condition language of ``if:`` routes (CONTRACTS.md "Conditions"):

expr  := and ("or" and)*
and   := not ("and" not)*
not   := "not" not | atom
atom  := "(" expr ")" | VAR OP INT | FLAG
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest

import simulator.conditions
from simulator.conditions import Condition, ConditionError, parse_condition
from simulator.rules import Vars

SOURCE = Path(simulator.conditions.__file__)


def ns(
    mood: int = 50,
    turn: int = 0,
    empathy: int = 0,
    assertiveness: int = 0,
    flags: tuple[str, ...] | frozenset[str] = (),
) -> SimpleNamespace:
    """A plain namespace with exactly what a condition may read."""
    return SimpleNamespace(
        mood=mood, turn=turn, empathy=empathy, assertiveness=assertiveness,
        flags=frozenset(flags),
    )  # fmt: skip


def holds(text: str, **values: object) -> bool:
    return parse_condition(text)(ns(**values))  # type: ignore[arg-type]


def error(text: str) -> ConditionError:
    with pytest.raises(ConditionError) as info:
        parse_condition(text)
    return info.value


# -- precedence and structure ---------------------------------------------------------

FLAGS3 = list(itertools.product((False, True), repeat=3))


def _set(a: bool, b: bool, c: bool) -> tuple[str, ...]:
    return tuple(name for name, on in zip("abc", (a, b, c), strict=True) if on)


@pytest.mark.parametrize(("a", "b", "c"), FLAGS3)
def test_and_binds_tighter_than_or(a: bool, b: bool, c: bool) -> None:
    assert holds("a or b and c", flags=_set(a, b, c)) == (a or (b and c))
    assert holds("a and b or c", flags=_set(a, b, c)) == ((a and b) or c)


def test_precedence_differs_from_left_to_right_reading() -> None:
    # a=true, b=false, c=false tells "a or (b and c)" from "(a or b) and c".
    assert holds("a or b and c", flags=("a",)) is True
    assert holds("(a or b) and c", flags=("a",)) is False


@pytest.mark.parametrize(("a", "b", "c"), FLAGS3)
def test_parentheses_override_precedence(a: bool, b: bool, c: bool) -> None:
    flags = _set(a, b, c)
    assert holds("(a or b) and c", flags=flags) == ((a or b) and c)
    assert holds("a and (b or c)", flags=flags) == (a and (b or c))
    assert holds("((a)) or ((b and (c)))", flags=flags) == (a or (b and c))


@pytest.mark.parametrize(("a", "b"), list(itertools.product((False, True), repeat=2)))
def test_not_binds_tighter_than_and_and_or(a: bool, b: bool) -> None:
    flags = _set(a, b, False)
    assert holds("not a and b", flags=flags) == ((not a) and b)
    assert holds("not a or b", flags=flags) == ((not a) or b)
    assert holds("not (a and b)", flags=flags) == (not (a and b))
    assert holds("b and not a", flags=flags) == (b and not a)


@pytest.mark.parametrize("on", [False, True])
def test_not_nests(on: bool) -> None:
    flags = ("x",) if on else ()
    assert holds("not not x", flags=flags) is on
    assert holds("not not not x", flags=flags) is (not on)
    assert holds("not (not x)", flags=flags) is on


def test_long_chains_and_mixed_comparisons() -> None:
    text = "mood < 40 and turn >= 2 or empathy > 3 and not angry or assertiveness == -2"
    cond = parse_condition(text)
    assert cond.variables == {"mood", "turn", "empathy", "assertiveness"}
    assert cond.flags == {"angry"}
    assert cond(ns(mood=30, turn=2)) is True
    assert cond(ns(mood=30, turn=1)) is False
    assert cond(ns(mood=90, empathy=4)) is True
    assert cond(ns(mood=90, empathy=4, flags=("angry",))) is False
    assert cond(ns(mood=90, assertiveness=-2, flags=("angry",))) is True


def test_whitespace_is_free() -> None:
    assert holds("mood>=5", mood=5) is True
    assert holds("\t mood   >=\n 5  ", mood=4) is False
    assert holds("(x)and(y)", flags=("x", "y")) is True
    assert holds("not(x)", flags=()) is True


# -- every operator, every variable, negative numbers ------------------------------------

OPERATOR_CASES = [
    ("<", 49, False), ("<", 50, False), ("<", 51, True),
    ("<=", 49, False), ("<=", 50, True), ("<=", 51, True),
    (">", 49, True), (">", 50, False), (">", 51, False),
    (">=", 49, True), (">=", 50, True), (">=", 51, False),
    ("==", 49, False), ("==", 50, True), ("==", 51, False),
    ("!=", 49, True), ("!=", 50, False), ("!=", 51, True),
]  # fmt: skip


@pytest.mark.parametrize(("op", "value", "expected"), OPERATOR_CASES)
@pytest.mark.parametrize("var", ["mood", "turn", "empathy", "assertiveness"])
def test_every_operator_on_every_variable(var: str, op: str, value: int, expected: bool) -> None:
    # the variable is 50; the others sit far away so a mixed-up getter shows
    values = {"mood": -999, "turn": -999, "empathy": -999, "assertiveness": -999, var: 50}
    cond = parse_condition(f"{var} {op} {value}")
    assert cond(ns(**values)) is expected
    assert cond.variables == {var}
    assert cond.flags == frozenset()
    assert (var, value) in cond.constants


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("empathy > -3", {"empathy": -2}, True),
        ("empathy > -3", {"empathy": -3}, False),
        ("assertiveness == -1", {"assertiveness": -1}, True),
        ("assertiveness>-1", {"assertiveness": 0}, True),
        ("empathy <= -10", {"empathy": -11}, True),
        ("mood == -0", {"mood": 0}, True),
        ("mood > 007", {"mood": 8}, True),
    ],
)
def test_negative_and_padded_numbers(text: str, values: dict[str, int], expected: bool) -> None:
    assert holds(text, **values) is expected


def test_large_numbers_are_whole_numbers() -> None:
    big = 10**8
    assert holds(f"empathy < {big}", empathy=big - 1) is True
    assert holds(f"empathy < -{big}", empathy=0) is False


def test_numbers_beyond_nine_digits_are_refused_clearly() -> None:
    err = error("mood < 10000000000")
    assert err.offset == 7 and "too large" in err.message


def test_a_huge_number_is_a_condition_error_not_a_crash() -> None:
    text = "mood > " + "1" * 5000
    with pytest.raises(ConditionError, match="too large") as caught:
        parse_condition(text)
    assert caught.value.offset == len("mood > ")


def test_a_condition_is_a_pure_function_of_its_inputs() -> None:
    cond = parse_condition("mood >= 70 or promised")
    assert cond(ns(mood=70)) is True
    assert cond(ns(mood=69)) is False
    assert cond(ns(mood=0, flags=("promised",))) is True
    assert cond(ns(mood=69)) is False  # nothing remembered from the previous call
    assert isinstance(cond, Condition)
    assert cond.text == "mood >= 70 or promised"


def test_evaluates_against_the_engines_vars() -> None:
    cond = parse_condition("turn == 3 and not promised and assertiveness < 0")
    assert cond(Vars(50, 3, 0, -1, frozenset())) is True
    assert cond(Vars(50, 3, 0, -1, frozenset({"promised"}))) is False
    assert cond(Vars(50, 2, 0, -1, frozenset())) is False


def test_flags_are_looked_up_by_exact_name() -> None:
    assert holds("promised", flags=("promised_twice",)) is False
    assert holds("promised", flags=("promised",)) is True
    assert parse_condition("a_1 and b2").flags == {"a_1", "b2"}
    assert parse_condition("a_1 and b2").variables == frozenset()


def test_words_that_merely_start_like_keywords_or_variables_are_flags() -> None:
    cond = parse_condition("nothing or order and moody or turnaround")
    assert cond.flags == {"nothing", "order", "moody", "turnaround"}
    assert cond.variables == frozenset()
    assert cond(ns(flags=("turnaround",))) is True
    assert cond(ns(flags=("order",))) is False


# -- errors: keyword misuse, bad names, bad syntax ------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset", "found"),
    [
        ("and", 0, "'and'"),
        ("or x", 0, "'or'"),
        ("x and", 5, "ends too early"),
        ("x or", 4, "ends too early"),
        ("not", 3, "ends too early"),
        ("x or or y", 5, "'or'"),
        ("x and or y", 6, "'or'"),
        ("x not y", 2, "'not'"),
        ("mood > 5 not", 9, "'not'"),
        ("x y", 2, "'y'"),
        ("x AND y", 2, "'AND'"),
        ("not and", 4, "'and'"),
    ],
)
def test_keyword_misuse_is_refused_at_the_right_offset(text: str, offset: int, found: str) -> None:
    err = error(text)
    assert err.offset == offset
    assert found in err.message


@pytest.mark.parametrize(
    ("text", "offset", "needle"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("mood", 4, "ends too early"),
        ("mood >", 6, "ends too early"),
        ("mood 5", 5, "comparison"),
        ("mood >> 5", 6, "whole number"),
        ("mood <> 5", 6, "whole number"),
        ("mood > x", 7, "whole number"),
        ("mood > 5.5", 8, "'.'"),
        ("mood > - 5", 7, "'-'"),
        ("mood = 5", 5, "'='"),
        ("mood => 5", 5, "'='"),
        ("mood ! 5", 5, "'!'"),
        ("5 > mood", 0, "'5'"),
        ("(mood > 1", 9, "missing ')'"),
        ("mood > 1)", 8, "')'"),
        ("()", 1, "')'"),
        (")", 0, "')'"),
        ("(x y", 3, "')'"),
        ("anger > 5", 0, "unknown variable 'anger'"),
        ("moood >= 5", 0, "unknown variable 'moood'"),
        ("mood > 5 and anger < 3", 13, "unknown variable 'anger'"),
        ("x & y", 2, "'&'"),
        ("x && y", 2, "'&'"),
        ("x || y", 2, "'|'"),
        ("!x", 0, "'!'"),
        ("mood > 5 # note", 9, "'#'"),
        ("mood ≥ 5", 5, "'≥'"),
    ],
)
def test_syntax_errors_point_at_the_offending_place(text: str, offset: int, needle: str) -> None:
    err = error(text)
    assert err.offset == offset
    assert needle in err.message
    assert isinstance(err, ValueError)


def test_unknown_variable_suggests_the_closest_or_lists_them() -> None:
    assert error("moood >= 5").hint == "did you mean 'mood'?"
    assert error("trun < 3").hint == "did you mean 'turn'?"
    hint = error("anger > 5").hint
    assert all(v in hint for v in ("mood", "turn", "empathy", "assertiveness"))


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("call-back", 0),
        ("not call-back", 4),
        ("x and call-back", 6),
        ("(call-back)", 1),
        ("promised-", 0),
    ],
)
def test_hyphenated_flag_names_are_refused(text: str, offset: int) -> None:
    err = error(text)
    assert err.offset == offset
    assert "not a valid flag name" in err.message
    assert "hyphen" in err.hint


@pytest.mark.parametrize(
    ("text", "name"), [("Promised", "Promised"), ("_x", "_x"), ("x and Y", "Y")]
)
def test_flag_names_must_be_lowercase_and_start_with_a_letter(text: str, name: str) -> None:
    err = error(text)
    assert f"'{name}'" in err.message
    assert "flag name" in err.message


@pytest.mark.parametrize("text", ["mood", "not turn", "empathy and x", "x or assertiveness"])
def test_a_variable_is_not_a_flag(text: str) -> None:
    # mood/turn/empathy/assertiveness need a comparison; they are never flags
    with pytest.raises(ConditionError):
        parse_condition(text)


def test_a_missing_close_paren_is_named() -> None:
    err = error("(mood > 1")
    assert err.offset == 9
    assert ")" in err.message + err.hint


# -- nothing in a file is ever run as code --------------------------------------------------

FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "getattr", "globals", "locals", "vars"}


def test_the_condition_module_never_evaluates_code() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    tree = ast.parse(text)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & FORBIDDEN_NAMES
    # attribute forms such as builtins.eval (re.compile, a regex, is fine)
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not attrs & {"eval", "exec", "__import__"}
    imported = {
        alias.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for alias in n.names
    } | {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    }
    assert not imported & {"builtins", "importlib", "pickle", "marshal", "subprocess", "os"}


def test_the_source_check_would_notice_eval() -> None:
    """The AST check above really sees a call to eval (so it can fail)."""
    tree = ast.parse("def f(t):\n    return eval(t)\n")
    assert {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & FORBIDDEN_NAMES


@pytest.mark.parametrize(
    "text",
    ["__import__", "__class__", "os.system", "exit()", "mood > 1; import os", "lambda: 1"],
)
def test_python_looking_conditions_are_refused(text: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(text)


def test_flag_named_like_python_objects_are_only_flags() -> None:
    cond = parse_condition("system or print or open")
    assert cond.flags == {"system", "print", "open"}
    assert cond(ns()) is False
    assert cond(ns(flags=("print",))) is True
