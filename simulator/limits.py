"""Limits read before any scenario is loaded (light: the command line imports it at start)."""

from __future__ import annotations

from typing import Final

#: Scenario files larger than this are refused before parsing (``--max-bytes`` changes it).
DEFAULT_MAX_BYTES: Final = 5 * 1024 * 1024
