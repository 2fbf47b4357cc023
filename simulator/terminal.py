"""The one boundary between untrusted text and a terminal.

Scenario files, trainee and cohort names, imported JSON, LRS answers and file
names are all untrusted. A terminal obeys control characters: ``ESC ] 0 ;`` sets
the window title, ``ESC ] 52`` writes the clipboard, ``ESC [ 2 J`` clears the
screen, and the 8-bit C1 forms (U+009B is CSI, U+009D is OSC) do the same on
many terminals. So every piece of text on its way to a terminal passes through
here, and comes out with each such character *shown*, never emitted:

* C0 controls, ESC and DEL become their Unicode control pictures
  (``␛`` U+241B for ESC, ``␇`` for BEL, ``␡`` for DEL) — one cell wide, so
  columns and wrapping stay right;
* C1 controls (U+0080–U+009F) have no pictures and become ``⟨U+009B⟩``;
* lone surrogates (undecodable bytes in a file name, kept by Python's
  ``surrogateescape``) become ``�``, since writing them back would emit the
  original raw byte;
* the bidirectional embedding, override and isolate controls (U+202A–U+202E,
  U+2066–U+2069) become ``⟨U+202E⟩``: on a terminal that does bidi they
  reorder what follows ("Trojan Source"), so ``Ann⟨U+202E⟩lairt`` could read
  as someone else's name. Implicit bidi (Arabic or Hebrew text as typed) and
  the LRM/RLM marks are left alone: scenarios may be written in those scripts.

`visible` keeps newlines and tabs (multi-line text); `visible_line` shows
them too, for values that must stay on one line (names, ids, paths). JSON is
different: it must stay exact, so `dumps_json` escapes the same characters as
``\\u009b`` — the same string to any JSON reader, inert on a terminal.

Names are refused at input instead (`control_problem`): a trainee called
``\\x1b]52;…`` is not a name anyone meant to type.

The Textual app applies `visible` where its widgets turn strings into content
and, as a backstop, to every rendered line (``simulator.tui.safe``). This module
imports neither Textual nor Rich at import time.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from rich.text import Text

#: Characters a terminal may act on, except newline and tab.
_UNSAFE: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: The same plus newline, tab and carriage return: for one-line values.
_UNSAFE_LINE: Final = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: What JSON leaves raw (it escapes only U+0000–U+001F): DEL, C1, the Unicode
#: line separators (JavaScript reads them as line ends) and lone surrogates.
_JSON_RAW: Final = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")
#: A name may hold none of these: controls, line separators, bidi overrides, and
#: the invisible characters (zero-width space, word joiner, BOM) that would make
#: "Ann" and "Ann\u200b" two trainees who look the same in every report.
_NAME_FORBIDDEN: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b\u2028-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
ELLIPSIS: Final = "…"


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures block: ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F or 0x202A <= code <= 0x2069:  # C1, or a bidi control (see above)
        return f"⟨U+{code:04X}⟩"
    return "\ufffd"  # a lone surrogate


def has_controls(text: str) -> bool:
    """True when *text* holds a character `visible_line` would change."""
    return _UNSAFE_LINE.search(text) is not None


def visible(text: str) -> str:
    """*text* with every control character except newline and tab shown, not emitted."""
    if _UNSAFE.search(text) is None:  # the common case costs one scan
        return text
    return _UNSAFE.sub(_shown, text)


def visible_line(text: str) -> str:
    """*text* for a one-line slot: newlines, tabs and carriage returns shown too."""
    if _UNSAFE_LINE.search(text) is None:
        return text
    return _UNSAFE_LINE.sub(_shown, text)


def clip(text: str, limit: int, *, one_line: bool = True) -> str:
    """*text* cut to at most *limit* characters (the last one ``…``) and made visible.

    For display only: a 10 MB name costs the same to show as a short one.
    JSON and CSV keep the whole value. ``one_line=False`` keeps newlines.
    """
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + ELLIPSIS
    return visible_line(text) if one_line else visible(text)


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """`click.echo` for human-readable text: control characters shown, not emitted."""
    import click

    click.echo(visible(str(message)), err=err, nl=nl)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps_json(value: Any, **options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, **options)``, safe to print.

    JSON already escapes U+0000–U+001F; this also escapes DEL, C1 controls,
    U+2028/U+2029 and lone surrogates. They can only occur inside strings, so
    the result decodes to exactly the same value.
    """
    return escape_json_text(json.dumps(value, ensure_ascii=False, **options))


def escape_json_text(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)`` or built the same way)
    with DEL, C1 controls, U+2028/U+2029 and lone surrogates written as ``\\u`` escapes.
    """
    if text.isascii() and "\x7f" not in text:  # (isascii() is free: a flag of the string)
        return text
    if _JSON_RAW.search(text) is None:
        return text
    return _JSON_RAW.sub(_json_escape, text)


def control_problem(text: str) -> str | None:
    """Why *text* cannot be a name (trainee, cohort, e-mail), or None if it can.

    Names are shown in reports, exports and other people's terminals; a
    control character in one is either a paste accident or an attack.
    """
    found = _NAME_FORBIDDEN.search(text)
    if found is None:
        return None
    code = ord(found.group())
    hidden = (
        code in (0x200B, 0x2060, 0xFEFF) or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069
    )
    kind = "invisible or reordering" if hidden else "control"
    return f"it holds the {kind} character U+{code:04X}"


def rich_text(
    value: str, style: str = "", *, limit: int | None = None, one_line: bool = True
) -> Text:
    """A Rich `Text` cell for an untrusted value: never markup, controls shown.

    With *limit*, longer values are clipped (`clip`) so table layout stays
    proportional to the number of rows, not to the length of a name.
    """
    from rich.text import Text

    if limit is None:
        shown = visible_line(value) if one_line else visible(value)
    else:
        shown = clip(value, limit, one_line=one_line)
    return Text(shown, style=style)
