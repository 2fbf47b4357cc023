"""Spreadsheet safety: text cells that a spreadsheet would run as a formula.

A cell beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
read by Excel, LibreOffice and Google Sheets as a formula (or a DDE call), so
a trainee named ``=HYPERLINK(...)`` could plant a link in a trainer's sheet.
Such *text* cells get a leading ``'``: spreadsheets show the text as typed and
every character of the original survives. Numbers are never touched — a
negative score is data, not an attack.
"""

from __future__ import annotations

from typing import Final

#: The first characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """*text*, prefixed with ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: object) -> object:
    """A CSV cell: text neutralised, numbers and None (empty) passed through."""
    return neutralise(value) if isinstance(value, str) else value
