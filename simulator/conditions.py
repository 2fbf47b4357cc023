"""The condition language of ``if:`` routes, parsed into closures.

Grammar (CONTRACTS.md)::

    expr  := and ("or" and)*
    and   := not ("and" not)*
    not   := "not" not | atom
    atom  := "(" expr ")" | VAR OP INT | FLAG

Scenario files are untrusted: a condition is tokenised and parsed here into
plain Python closures over a fixed set of variable getters. Nothing is passed
to ``eval``/``exec`` and no name in the file is ever looked up as code.

Parentheses and ``not`` may nest at most `MAX_DEPTH` deep. The parser and the
closures it builds recurse once per level, so without a limit a few hundred
``(`` or a few thousand ``not`` in a file would overflow Python's stack in
every command that loads it; with it, such a file gets an ordinary
``file:line:col`` error and evaluation stays a few dozen calls deep.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from simulator.problems import did_you_mean


class Vars(Protocol):
    """What a condition can read: the conversation right after a reply."""

    @property
    def mood(self) -> int: ...
    @property
    def turn(self) -> int: ...
    @property
    def empathy(self) -> int: ...
    @property
    def assertiveness(self) -> int: ...
    @property
    def flags(self) -> frozenset[str]: ...


Predicate = Callable[[Vars], bool]

VARIABLES: Final[dict[str, Callable[[Vars], int]]] = {
    "mood": lambda v: v.mood,
    "turn": lambda v: v.turn,
    "empathy": lambda v: v.empathy,
    "assertiveness": lambda v: v.assertiveness,
}
OPERATORS: Final[dict[str, Callable[[int, int], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
KEYWORDS: Final = frozenset({"and", "or", "not"})
#: Deepest nesting of parentheses and ``not`` (together) a condition may use.
MAX_DEPTH: Final = 32
FLAG_RE: Final = re.compile(r"[a-z][a-z0-9_]*\Z")
_TOKEN_RE: Final = re.compile(
    r"\s*(?:(?P<num>-?[0-9]+)|(?P<op><=|>=|==|!=|<|>)|(?P<paren>[()])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_-]*)|(?P<bad>\S))"
)


class ConditionError(ValueError):
    """A condition that cannot be parsed; ``offset`` is 0-based in the text."""

    def __init__(self, message: str, offset: int, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: its source text, what it reads, and its predicate."""

    text: str
    predicate: Predicate
    variables: frozenset[str]
    flags: frozenset[str]
    constants: frozenset[tuple[str, int]] = frozenset()

    def __call__(self, v: Vars) -> bool:
        return self.predicate(v)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None or m.end() == pos:  # only trailing whitespace left
            break
        kind = m.lastgroup or "bad"
        start = m.start(kind)
        if kind == "bad":
            raise ConditionError(
                f"unexpected character {m.group(kind)!r} in condition",
                start,
                "use comparisons like 'mood >= 70', flag names, and/or/not, parentheses",
            )
        tokens.append(_Token(kind, m.group(kind), start))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenise(text)
        self.pos = 0
        self.variables: set[str] = set()
        self.flags: set[str] = set()
        self.constants: set[tuple[str, int]] = set()
        self.depth = 0

    def enter(self, tok: _Token) -> None:
        """One level deeper (a ``(`` or a ``not``); refuse past `MAX_DEPTH`."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(
                f"the condition nests parentheses and 'not' more than {MAX_DEPTH} deep",
                tok.offset,
                "simplify it: split it over several routes, or drop doubled 'not's",
            )

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        tok = self.peek()
        if tok is None:
            raise ConditionError(
                "condition ends too early", len(self.text), "complete the comparison or flag"
            )
        self.pos += 1
        return tok

    def is_word(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text == word

    def parse(self) -> Predicate:
        if not self.tokens:
            raise ConditionError("empty condition", 0, "write a condition such as 'mood >= 70'")
        pred = self.expr()
        tok = self.peek()
        if tok is not None:
            raise ConditionError(
                f"unexpected {tok.text!r} in condition",
                tok.offset,
                "join conditions with 'and' or 'or'",
            )
        return pred

    def expr(self) -> Predicate:
        parts = [self.conj()]
        while self.is_word("or"):
            self.pos += 1
            parts.append(self.conj())
        if len(parts) == 1:
            return parts[0]
        items = tuple(parts)
        return lambda v: any(p(v) for p in items)

    def conj(self) -> Predicate:
        parts = [self.neg()]
        while self.is_word("and"):
            self.pos += 1
            parts.append(self.neg())
        if len(parts) == 1:
            return parts[0]
        items = tuple(parts)
        return lambda v: all(p(v) for p in items)

    def neg(self) -> Predicate:
        # A loop, not recursion: a chain of 'not's costs no stack.
        depth = self.depth
        negate = False
        while self.is_word("not"):
            tok = self.take()
            self.enter(tok)
            negate = not negate
        inner = self.atom()
        self.depth = depth
        if not negate:
            return inner
        return lambda v: not inner(v)

    def atom(self) -> Predicate:
        tok = self.take()
        if tok.kind == "paren" and tok.text == "(":
            self.enter(tok)
            inner = self.expr()
            self.depth -= 1
            if self.peek() is None:
                raise ConditionError(
                    f"missing ')' to close the '(' at character {tok.offset + 1}",
                    len(self.text),
                    "add ')' at the end",
                )
            close = self.take()
            if close.text != ")":
                raise ConditionError(f"expected ')' but found {close.text!r}", close.offset, "")
            return inner
        if tok.kind != "word" or tok.text in KEYWORDS:
            raise ConditionError(
                f"expected a variable or flag but found {tok.text!r}",
                tok.offset,
                "start with mood, turn, empathy, assertiveness, or a flag name",
            )
        if tok.text in VARIABLES:
            return self.comparison(tok)
        return self.flag(tok)

    def comparison(self, var: _Token) -> Predicate:
        op = self.take()
        if op.kind != "op":
            raise ConditionError(
                f"expected a comparison after '{var.text}' but found {op.text!r}",
                op.offset,
                f"write e.g. '{var.text} >= 70' (operators: < <= > >= == !=)",
            )
        num = self.take()
        if num.kind != "num":
            raise ConditionError(
                f"expected a whole number after '{var.text} {op.text}' but found {num.text!r}",
                num.offset,
                "compare with a number, e.g. 70",
            )
        if len(num.text.lstrip("-")) > 9:
            raise ConditionError(
                f"the number {num.text[:12]}... is too large", num.offset, "use a number like 70"
            )
        self.variables.add(var.text)
        get = VARIABLES[var.text]
        compare = OPERATORS[op.text]
        value = int(num.text)
        self.constants.add((var.text, value))
        return lambda v: compare(get(v), value)

    def flag(self, tok: _Token) -> Predicate:
        name = tok.text
        nxt = self.peek()
        if nxt is not None and nxt.kind == "op":
            raise ConditionError(
                f"unknown variable '{name}'",
                tok.offset,
                did_you_mean(name, VARIABLES, "variables"),
            )
        if not FLAG_RE.match(name):
            raise ConditionError(
                f"'{name}' is not a valid flag name",
                tok.offset,
                "flag names use lowercase letters, digits and underscores (not hyphens)",
            )
        self.flags.add(name)
        return lambda v: name in v.flags


def parse_condition(text: str) -> Condition:
    """Parse ``text`` into a :class:`Condition`, or raise :class:`ConditionError`."""
    parser = _Parser(text)
    predicate = parser.parse()
    return Condition(
        text,
        predicate,
        frozenset(parser.variables),
        frozenset(parser.flags),
        frozenset(parser.constants),
    )
