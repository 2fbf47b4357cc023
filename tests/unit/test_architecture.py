"""Project rules that keep the core headless and the shipped files in sync."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from simulator.library import shipped_dir
from simulator.schema import scenario_schema

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_nothing_outside_tui_imports_textual() -> None:
    offenders = []
    for package in ("simulator", "scoring", "scenarios"):
        for path in (ROOT / package).rglob("*.py"):
            if "tui" in path.relative_to(ROOT).parts:
                continue
            if "textual" in _imports(path):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_check_itself_sees_textual_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from textual.app import App\n")
    assert "textual" in _imports(probe)


def test_scoring_is_pure() -> None:
    for path in (ROOT / "scoring").rglob("*.py"):
        assert _imports(path) <= {"__future__", "collections", "dataclasses", "typing", "scoring"}


def test_shipped_schema_matches_the_code() -> None:
    shipped = json.loads((shipped_dir() / "scenario.schema.json").read_text(encoding="utf-8"))
    assert shipped == scenario_schema()


def test_no_eval_or_exec_in_the_core() -> None:
    for package in ("simulator", "scoring"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    assert node.func.id not in {"eval", "exec", "compile", "__import__"}, path


def test_no_sql_outside_the_results_store() -> None:
    """Only simulator/results talks to a database: no driver import, no SQL text elsewhere."""
    sql = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", "PRAGMA ")
    offenders = []
    for path in (ROOT / "simulator").rglob("*.py"):
        if "results" in path.relative_to(ROOT).parts:
            continue
        if _imports(path) & {"sqlite3", "psycopg"}:
            offenders.append(f"{path.relative_to(ROOT)}: imports a database driver")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and any(word in text for word in sql):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: SQL")
    assert offenders == []
