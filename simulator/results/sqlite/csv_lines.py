"""The attempts CSV, line by line, built by SQLite itself.

Why: at 100,000 attempts, Python building each row (`csv_export.write_attempts_csv`)
took 3.5 times as long as the ``sqlite3`` tool's own CSV dump of the same
SELECT; per-row work in C is the only way to stay near the bare dump. So for
SQLite the export asks for ready lines, and Python only writes them.

The rules are `simulator.export.csv_export`'s, which stays the reference (it
formats PostgreSQL's rows and any line this module can't vouch for). A cell is
built here only where SQL provably gives the Python writer's bytes:

* text: a ``'`` before a formula start (`safety.neutralise`), then RFC 4180
  minimal quoting (only a cell holding ``,`` ``"`` CR or LF is quoted, ``"``
  doubled) — the csv module's ``excel`` dialect;
* times: the same slice of the stored text (``YYYY-MM-DD HH:MM:SS``);
* scores: ``round(x, 2)`` for 0 ≤ x < 10⁹ more than 10⁻⁶ away from a written
  tie (there the built-in and SQLite agree, and ``%!.15g`` prints the shortest
  repr); a tie, a negative score or a huge one is left to Python;
* duration: the exact microsecond difference of two stored times in their
  fixed form, rounded to milliseconds away from ties;
* sins and critical reasons: from the attempt's stored JSON summaries, only
  when they have the shape the store writes.

Anything else makes its cell NULL, and NULL makes the whole line NULL (``||``
propagates it): the view then hands Python that attempt's record instead.
tests/unit/test_csv_lines.py checks byte equality with the Python writer on
generated data, hostile text included.
"""

from __future__ import annotations

from typing import Final

_CRLF: Final = "char(13) || char(10)"
#: ``=`` ``+`` ``-`` ``@`` tab CR: `safety.FORMULA_STARTS` as code points.
_FORMULA_STARTS: Final = "(61, 43, 45, 64, 9, 13)"
_STORED_TIME: Final = (
    "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
    ".[0-9][0-9][0-9][0-9][0-9][0-9]Z'"
)


def quoted(expr: str) -> str:
    """*expr* as a CSV cell: quoted (``"`` doubled) only if it holds ``,`` ``"`` CR or LF."""
    return (
        f"CASE WHEN instr({expr}, ',') OR instr({expr}, '\"') OR instr({expr}, char(13))"
        f" OR instr({expr}, char(10)) THEN '\"' || replace({expr}, '\"', '\"\"') || '\"'"
        f" ELSE {expr} END"
    )


def text(expr: str, *, nullable: bool = False) -> str:
    """A text cell: neutralised, then quoted; NULL is an empty cell when *nullable*."""
    safe = f"(CASE WHEN unicode({expr}) IN {_FORMULA_STARTS} THEN '''' || {expr} ELSE {expr} END)"
    cell = quoted(safe)
    return f"coalesce({cell}, '')" if nullable else cell


def integer(expr: str) -> str:
    """An integer cell (empty for NULL; another type goes to Python)."""
    return f"(CASE typeof({expr}) WHEN 'integer' THEN {expr} WHEN 'null' THEN '' END)"


def sheet_time(expr: str) -> str:
    """`csv_export.sheet_time`: ``YYYY-MM-DD HH:MM:SS``, a slice of the stored text."""
    return f"coalesce({quoted(f'(substr({expr}, 1, 10) || {chr(39)} {chr(39)} || substr({expr}, 12, 8))')}, '')"


def _near_tie(scaled: str) -> str:
    return f"abs(abs({scaled} - CAST({scaled} AS INTEGER)) - 0.5) <= 1e-6"


def score(expr: str) -> str:
    """`csv_export.sheet_score` where SQLite's answer is the same (else NULL)."""
    return (
        f"(CASE WHEN {expr} IS NULL THEN '' WHEN typeof({expr}) = 'real' AND {expr} >= 0"
        f" AND {expr} < 1e9 AND NOT {_near_tie(f'{expr} * 100.0')}"
        f" THEN CAST(round({expr}, 2) AS TEXT) END)"
    )


def duration(started: str, finished: str, mode: str) -> str:
    """`csv_export.duration_seconds` for stored times in their fixed form (else NULL)."""
    micro = (
        f"((unixepoch(substr({finished}, 1, 19)) - unixepoch(substr({started}, 1, 19)))"
        f" * 1000000 + CAST(substr({finished}, 21, 6) AS INTEGER)"
        f" - CAST(substr({started}, 21, 6) AS INTEGER))"
    )
    seconds = f"({micro} / 1000000.0)"
    return (
        f"(CASE WHEN {finished} IS NULL OR {mode} = 'batch' THEN ''"
        f" WHEN {started} GLOB {_STORED_TIME} AND {finished} GLOB {_STORED_TIME}"
        f" AND abs({seconds}) < 1e9 AND {seconds} >= 0 AND NOT {_near_tie(f'{seconds} * 1000.0')}"
        f" THEN CAST(round({seconds}, 3) AS TEXT) END)"
    )


def sins(expr: str) -> str:
    """`csv_export.sins_text`: ``name×count; …`` by name, from ``{"name": count, …}``.

    Only an object of distinct names with integer counts (what the store
    writes) is done here; SQLite sorts names bytewise, which for UTF-8 is
    Python's code point order.
    """
    return (
        f"(CASE WHEN {expr} = '{{}}' THEN '' WHEN json_valid({expr})"
        f" AND json_type({expr}) = 'object' THEN (SELECT CASE"
        f" WHEN count(*) = sum(type = 'integer') AND count(*) = count(DISTINCT key)"
        f" THEN {quoted('group_concat(cell, ' + repr('; ') + ')')} END"
        f" FROM (SELECT key, type, CASE value WHEN 1 THEN key ELSE key || '×' || value END AS cell"
        f" FROM json_each({expr}) ORDER BY key)) END)"
    )


def critical(count: str, expr: str) -> str:
    """`csv_export.critical_text`, neutralised and quoted: the reasons, ``; ``-joined."""
    reasons = (
        f"(SELECT CASE WHEN count(*) = sum(json_type(value, '$.reason') = 'text')"
        f" THEN group_concat(json_extract(value, '$.reason'), '; ') END"
        f" FROM json_each({expr}))"
    )
    return (
        f"(CASE WHEN {count} = 0 THEN '' WHEN json_valid({expr}) AND json_type({expr}) = 'array'"
        f" THEN {text(reasons)} END)"
    )


def passed(expr: str) -> str:
    """``true``/``false`` as the ``talkdown_bool`` converter reads the stored value."""
    return f"(CASE WHEN {expr} IS NULL THEN '' WHEN CAST({expr} AS TEXT) = '1' THEN 'true' ELSE 'false' END)"


#: One cell per `csv_export.ATTEMPT_COLUMNS` name, over aliases ``a`` and ``t``.
CELLS: Final = (
    ("uuid", text("a.uuid")),
    ("trainee", text("t.name")),
    ("cohort", text("t.cohort")),
    ("scenario_id", text("a.scenario_id")),
    ("scenario_title", text("a.scenario_title")),
    ("mode", text("a.mode")),
    ("timed_seconds", integer("a.timed_seconds")),
    ("started", sheet_time("a.started_at")),
    ("finished", sheet_time("a.finished_at")),
    ("duration", duration("a.started_at", "a.finished_at", "a.mode")),
    ("call_seconds", integer("a.seconds")),
    ("status", text("a.status")),
    ("ending", text("a.ending", nullable=True)),
    ("empathy", score("a.empathy")),
    ("assertiveness", score("a.assertiveness")),
    ("speed", score("a.speed")),
    ("overall", score("a.overall")),
    ("passed", passed("a.passed")),
    ("turns", integer("a.turns")),
    ("sins", sins("a.sins")),
    ("critical", critical("a.critical_count", "a.critical")),
    ("outcome", text("a.outcome", nullable=True)),
)

#: The line (NULL where Python must format it) and the attempt's uuid.
LINES_SQL: Final = (
    "SELECT "
    + " || ',' || ".join(cell for _, cell in CELLS)
    + f" || {_CRLF}, a.uuid\nFROM attempts a JOIN trainees t ON t.id = a.trainee_id"
)
