"""Small helpers shared by the core tests."""

from __future__ import annotations

from pathlib import Path

from simulator.loader import load_bytes
from simulator.model import Scenario

FIXTURES = Path(__file__).parent / "fixtures"


def scenario_from_text(text: str, path: str = "test.yaml") -> Scenario:
    """Build a scenario from YAML text, failing the test on any error."""
    result = load_bytes(text.encode(), path)
    assert result.scenario is not None, [str(p) for p in result.errors]
    return result.scenario


def fixture(name: str) -> Path:
    """Path of a file in tests/fixtures."""
    return FIXTURES / name
