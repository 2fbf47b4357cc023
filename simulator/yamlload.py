"""Safe, fast YAML loading that remembers where every mapping and key was.

Uses PyYAML's C parser when present. Only the safe constructors are used, so
tags such as ``!!python/object`` are refused, never constructed. Mappings come
back as :class:`MarkedMap` (a ``dict`` with line/column of itself and of each
key and value) so every later error can name ``file:line:col``.
"""

from __future__ import annotations

import binascii
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Final, NoReturn

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

C_LOADER: Final = _BaseLoader.__name__ == "CSafeLoader"
# A document may expand (through aliases) to at most this many nodes, and to
# at most this many times its own size: enough for any real reuse of anchors.
MAX_EXPANDED_NODES: Final = 200_000
MAX_EXPANSION_RATIO: Final = 20


MERGE_TAG: Final = "tag:yaml.org,2002:merge"
#: YAML 1.1 (and so PyYAML) counts these as line breaks; editors do not, so
#: every line number after one would be off by one.
_EXTRA_BREAKS: Final = re.compile("[\x85\u2028\u2029]")
_LINE_BREAK: Final = re.compile("\r\n|\r|\n")


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def split_lines(text: str) -> list[str]:
    """The lines of *text* as an editor numbers them (only CR, LF and CRLF end one).

    Unlike `str.splitlines`, U+0085, U+2028 and U+2029 stay inside their line.
    """
    return _LINE_BREAK.split(text)


class _EditorMark:
    """A mark re-counted in editor lines (0-based, as PyYAML's marks are)."""

    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class _LineTable:
    """Character index → editor line and column, for files holding extra breaks."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def mark(self, mark: Any) -> _EditorMark:
        line = bisect_right(self.starts, mark.index) - 1
        return _EditorMark(line, mark.index - self.starts[line])


class MarkedMap(dict[Any, Any]):
    """A mapping that knows its own position and that of each key and value.

    The parser's mark objects are kept as they are (no copying while loading)
    and turned into 1-based line and column only when an error needs them.
    """

    __slots__ = ("col", "key_marks", "line", "value_marks")

    line: int
    col: int
    key_marks: dict[Any, Any]
    value_marks: dict[Any, Any]

    def key_at(self, key: Any) -> tuple[int, int]:
        """Line and column (1-based) of ``key``, or of the mapping if absent."""
        mark = self.key_marks.get(key)
        return (self.line, self.col) if mark is None else _pos(mark)

    def value_at(self, key: Any) -> tuple[int, int]:
        """Line and column (1-based) of the value of ``key``."""
        mark = self.value_marks.get(key)
        return self.key_at(key) if mark is None else _pos(mark)


class MarkedList(list[Any]):
    """A sequence that knows its position and that of each item."""

    __slots__ = ("col", "item_marks", "line")

    line: int
    col: int
    item_marks: list[tuple[int, int]]

    def item_at(self, index: int) -> tuple[int, int]:
        """Line and column (1-based) of item ``index``."""
        if 0 <= index < len(self.item_marks):
            return self.item_marks[index]
        return (self.line, self.col)


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """A problem found while reading the file, before the scenario is checked."""

    line: int
    col: int
    message: str
    hint: str
    code: str


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key that appears twice in one mapping (PyYAML would keep the last)."""

    key: str
    line: int
    col: int
    first_line: int


class _MarkingLoader(_BaseLoader):
    """Safe loader whose mappings and sequences carry their marks."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[DuplicateKey] = []
        # Only a file holding U+0085/U+2028/U+2029 pays for re-counting its marks.
        self.lines = _LineTable(stream) if _EXTRA_BREAKS.search(stream) else None

    def _mark(self, mark: Any) -> Any:
        return mark if self.lines is None else self.lines.mark(mark)

    def construct_marked_map(self, node: yaml.MappingNode) -> Any:
        data = MarkedMap()
        data.line, data.col = _pos(self._mark(node.start_mark))
        key_marks: dict[Any, Any] = {}
        value_marks: dict[Any, Any] = {}
        data.key_marks = key_marks
        data.value_marks = value_marks
        yield data
        # Keys pulled in by a merge (<<: *base) come first and may be overridden;
        # only keys written twice in this mapping itself are duplicates.
        merges = sum(1 for k, _ in node.value if k.tag == MERGE_TAG)
        first_own = 0
        if merges:
            own = len(node.value) - merges
            self.flatten_mapping(node)
            first_own = len(node.value) - own
        own_seen: set[Any] = set()
        construct = self.construct_object
        for index, (key_node, value_node) in enumerate(node.value):
            key = construct(key_node, deep=True)
            try:
                previous = key_marks.get(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                ) from None
            if previous is not None and (not merges or key in own_seen):
                line, col = _pos(self._mark(key_node.start_mark))
                self.duplicates.append(DuplicateKey(str(key), line, col, previous.line + 1))
            if merges and index >= first_own:
                own_seen.add(key)
            data[key] = construct(value_node, deep=True)
            if self.lines is None:
                key_marks[key] = key_node.start_mark
                value_marks[key] = value_node.start_mark
            else:
                key_marks[key] = self.lines.mark(key_node.start_mark)
                value_marks[key] = self.lines.mark(value_node.start_mark)

    def construct_marked_seq(self, node: yaml.SequenceNode) -> Any:
        data = MarkedList()
        data.line, data.col = _pos(self._mark(node.start_mark))
        data.item_marks = [_pos(self._mark(n.start_mark)) for n in node.value]
        yield data
        data.extend(self.construct_object(child, deep=True) for child in node.value)

    def construct_checked_int(self, node: yaml.ScalarNode) -> Any:
        # Python refuses to convert integers of over 4,300 digits; say where it is.
        if len(node.value) > 30:
            raise yaml.constructor.ConstructorError(
                None, None, "this number is far too long", node.start_mark
            )
        try:
            return self.construct_yaml_int(node)
        except ValueError:  # only through an explicit tag: !!int "abc"
            _bad_value(node, "a whole number", "write a whole number, or remove the !!int tag")

    def construct_checked_float(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_float(node)
        except ValueError:
            _bad_value(node, "a number", "write a number, or remove the !!float tag")

    def construct_checked_bool(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_bool(node)
        except (KeyError, ValueError):
            _bad_value(node, "true or false", "write true or false, or remove the !!bool tag")

    def construct_checked_timestamp(self, node: yaml.ScalarNode) -> Any:
        # A plain value that looks like a date is read as one: 2024-13-45 fails here.
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, TypeError, OverflowError, AttributeError) as exc:
            why = f" ({exc})" if isinstance(exc, ValueError) and str(exc) else ""
            _bad_value(
                node,
                f"a real date{why}",
                f'put it in quotes if it is text (e.g. "{_short(node.value)}"), '
                "or write a real date",
                reads_as="a date",
            )

    def construct_checked_binary(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_binary(node)
        except (ValueError, binascii.Error):
            _bad_value(node, "base64 data", "remove the !!binary tag")


class _ValueError(yaml.constructor.ConstructorError):
    """A scalar its tag (or its look) cannot turn into a value, with a hint."""

    def __init__(self, message: str, hint: str, mark: Any) -> None:
        super().__init__(None, None, message, mark)
        self.hint = hint


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _bad_value(node: yaml.ScalarNode, wanted: str, hint: str, reads_as: str = "") -> NoReturn:
    what = f"'{_short(node.value)}' reads as {reads_as} but is not {wanted}" if reads_as else (
        f"'{_short(node.value)}' is not {wanted}")  # fmt: skip
    raise _ValueError(what, hint, node.start_mark)


_MarkingLoader.add_constructor("tag:yaml.org,2002:int", _MarkingLoader.construct_checked_int)
_MarkingLoader.add_constructor("tag:yaml.org,2002:float", _MarkingLoader.construct_checked_float)
_MarkingLoader.add_constructor("tag:yaml.org,2002:bool", _MarkingLoader.construct_checked_bool)
_MarkingLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _MarkingLoader.construct_checked_timestamp
)
_MarkingLoader.add_constructor("tag:yaml.org,2002:binary", _MarkingLoader.construct_checked_binary)
_MarkingLoader.add_constructor("tag:yaml.org,2002:map", _MarkingLoader.construct_marked_map)
_MarkingLoader.add_constructor("tag:yaml.org,2002:seq", _MarkingLoader.construct_marked_seq)


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """The result of reading one file: its data, or the problem that stopped it."""

    data: Any
    duplicates: tuple[DuplicateKey, ...]
    problem: YamlProblem | None
    text: str


def _mark_of(exc: yaml.MarkedYAMLError, text: str = "", mark: Any = None) -> tuple[int, int]:
    """Editor line and column of *mark* (default: the error's own mark)."""
    mark = mark or exc.problem_mark or exc.context_mark
    if mark is None:
        return (1, 1)
    if _EXTRA_BREAKS.search(text) and getattr(mark, "index", None) is not None:
        mark = _LineTable(text).mark(mark)
    lines = split_lines(text)
    if text.endswith(("\n", "\r")):
        lines.pop()  # the empty "line" after the final newline
    lines = lines or [""]
    # libyaml puts an end-of-stream error on the line after the last one; that
    # line exists only when the file ends with a newline.
    if text and mark.line >= len(lines) and not text.endswith(("\n", "\r")):
        return (len(lines), len(lines[-1]) + 1)
    return (mark.line + 1, mark.column + 1)


def _codepoint(character: int | str) -> str:
    """``U+0000`` style name of a character (PyYAML gives a code or a string)."""
    code = character if isinstance(character, int) else ord(character[:1] or "\0")
    return f"U+{code:04X}"


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` in ``text``."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _expanded_size(root: yaml.Node, limit: int) -> int | None:
    """Number of nodes after alias expansion, or None when over ``limit`` or recursive."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise RecursionError
        total = 1
        if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            on_path.add(key)
            children = (
                node.value
                if isinstance(node, yaml.SequenceNode)
                else [n for pair in node.value for n in pair]
            )
            for child in children:
                total += size(child)
                if total > limit:
                    raise OverflowError
            on_path.discard(key)
        sizes[key] = total
        return total

    try:
        return size(root)
    except (RecursionError, OverflowError):
        return None


def _count_distinct(root: yaml.Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
    return len(seen)


def decode(raw: bytes) -> tuple[str | None, YamlProblem | None]:
    """Decode UTF-8 (a BOM is allowed), pointing at the first bad byte.

    Columns count characters, as YAML's own positions do; the BOM is not one.
    """
    body = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = body[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        col = len(body[line_start : exc.start].decode("utf-8")) + 1
        raw = body
        return None, YamlProblem(
            line,
            col,
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            "save the file as UTF-8 in your editor",
            "encoding",
        )
    return text, None


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document safely, keeping marks and duplicate keys."""
    loader = _MarkingLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(
                None,
                (),
                YamlProblem(1, 1, "the file is empty", "start from 'talkdown new ID'", "empty"),
                text,
            )
        # Only documents that use aliases at all can expand; skip the walk otherwise.
        if "*" in text:
            distinct = _count_distinct(node)
            limit = min(MAX_EXPANDED_NODES, max(1000, distinct * MAX_EXPANSION_RATIO))
            if _expanded_size(node, limit) is None:
                line, col = node.start_mark.line + 1, node.start_mark.column + 1
                return YamlDocument(
                    None,
                    (),
                    YamlProblem(
                        line,
                        col,
                        "aliases (*name) expand this document far beyond its size, "
                        "or refer to themselves",
                        "write the content out instead of nesting aliases",
                        "alias-bomb",
                    ),
                    text,
                )
        data = loader.construct_document(node)
    except _ValueError as exc:
        line, col = _mark_of(exc, text)
        message = str(exc.problem)
        return YamlDocument(None, (), YamlProblem(line, col, message, exc.hint, "yaml"), text)
    except yaml.constructor.ConstructorError as exc:
        line, col = _mark_of(exc, text)
        problem = str(exc.problem or "cannot construct this value")
        if "could not determine a constructor" in problem:
            tag = problem.split("tag", 1)[-1].strip().strip("'").replace("tag:yaml.org,2002:", "!!")
            return YamlDocument(
                None,
                (),
                YamlProblem(
                    line,
                    col,
                    f"the YAML tag {tag} is not allowed in scenario files",
                    "remove the tag; scenarios hold only plain text, numbers, lists and mappings",
                    "yaml-tag",
                ),
                text,
            )
        return YamlDocument(
            None, (), YamlProblem(line, col, problem, "fix the YAML here", "yaml"), text
        )
    except yaml.MarkedYAMLError as exc:
        line, col = _mark_of(exc, text)
        message = str(exc.problem or "invalid YAML")
        context = exc.context or ""
        if "expected a single document" in context:
            message = "the file holds more than one YAML document"
            hint = "keep one scenario per file and remove the extra '---'"
        elif "quoted scalar" in context and "end of stream" in message and exc.context_mark:
            # libyaml notices at the end of the file; the mistake is where the quote opened.
            line, col = _mark_of(exc, text, exc.context_mark)
            quote = _char_at(text, exc.context_mark) or '"'
            message = f"the text starting with {quote} here is never closed"
            hint = f"add the closing {quote} at the end of the text"
        elif "flow" in context and "did not find expected" in message and exc.context_mark:
            opened, at = _mark_of(exc, text, exc.context_mark)
            bracket = _char_at(text, exc.context_mark) or "["
            closing = {"[": "]", "{": "}"}.get(bracket, "]")
            message = f"the '{bracket}' opened at line {opened}, column {at} is not closed"
            hint = (f"add '{closing}' where the list ends, or put text that starts with "
                    f"'{bracket}' in quotes")  # fmt: skip
        elif _continues_text(text, exc):
            word = _key_at(text, exc)
            message = f"'{word}:' is read as more of the text on the line above"
            hint = (
                f"indent '{word}:' exactly like the field above it (it is indented "
                "further, so YAML takes it as a continuation of that field's text)"
            )
        else:
            hint = _syntax_hint(message)
            if _bracket_text(text, exc):
                hint = (
                    "text that starts with '[' (a stage direction) must be in quotes, "
                    'e.g. customer: "[sighs] Fine."'
                )
            if exc.problem_mark is not None and _char_at(text, exc.problem_mark) == "\t":
                message, hint = "a tab character in the indentation", "indent with spaces"
        return YamlDocument(None, (), YamlProblem(line, col, message, hint, "yaml"), text)
    except yaml.reader.ReaderError as exc:
        line, col = _position(text, exc.position)
        return YamlDocument(
            None,
            (),
            YamlProblem(
                line,
                col,
                f"the file contains the control character {_codepoint(exc.character)}, "
                "which YAML does not allow",
                "delete it (it is often pasted in invisibly); use \\t or \\n inside "
                "quoted text if you meant one",
                "yaml",
            ),
            text,
        )
    except ValueError as exc:  # e.g. an integer too long for Python to convert
        return YamlDocument(
            None,
            (),
            YamlProblem(1, 1, f"a value cannot be read: {exc}", "shorten it", "yaml"),
            text,
        )
    except yaml.YAMLError as exc:
        return YamlDocument(
            None,
            (),
            YamlProblem(1, 1, " ".join(str(exc).split()), "fix the YAML syntax", "yaml"),
            text,
        )
    except RecursionError:
        return YamlDocument(
            None,
            (),
            YamlProblem(1, 1, "the YAML is nested too deeply", "flatten the structure", "yaml"),
            text,
        )
    finally:
        loader.dispose()
    return YamlDocument(data, tuple(loader.duplicates), None, text)


def _bracket_text(text: str, exc: yaml.MarkedYAMLError) -> bool:
    """True when the error sits on a line like ``key: [stage direction] more text``."""
    lines = split_lines(text)
    for mark in (exc.problem_mark, exc.context_mark):
        if (
            mark is not None
            and mark.line < len(lines)
            and re.search(r":\s*\[[^\]]*\]\s*\S", lines[mark.line])
        ):
            return True
    return False


def _char_at(text: str, mark: yaml.Mark) -> str:
    index = getattr(mark, "index", None)
    if isinstance(index, int) and 0 <= index < len(text):
        return text[index]
    return ""


def _line_before(text: str, exc: yaml.MarkedYAMLError) -> str:
    """The text of the error's line up to its position."""
    mark = exc.problem_mark
    index = getattr(mark, "index", None)
    if not isinstance(index, int) or not 0 <= index <= len(text):
        return ""
    start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    return text[start:index]


def _continues_text(text: str, exc: yaml.MarkedYAMLError) -> bool:
    """True for ``key: value`` alone on a line that YAML read as a plain text's next line.

    ``mapping values are not allowed here`` has two causes: ``: `` inside
    unquoted text on one line (quote it), or a field indented deeper than the
    one above, whose text it then continues (fix the indentation). In the
    second, nothing but a field name stands before the ``:`` on its line.
    """
    if "mapping values are not allowed" not in str(exc.problem or ""):
        return False
    return re.fullmatch(r"[ ]+[A-Za-z_][A-Za-z0-9_-]*", _line_before(text, exc)) is not None


def _key_at(text: str, exc: yaml.MarkedYAMLError) -> str:
    return _line_before(text, exc).strip()


def _syntax_hint(message: str) -> str:
    if "mapping values are not allowed" in message:
        return "a line holds ': ' inside unquoted text; put the text in quotes"
    if "could not find expected ':'" in message:
        return "each field needs 'name: value'; check the indentation and quotes"
    if "did not find expected key" in message or "expected <block end>" in message:
        return "check the indentation of this line against the one above"
    if "found undefined alias" in message:
        return "define the anchor (&name) before using the alias (*name)"
    return "fix the YAML syntax at this position"
