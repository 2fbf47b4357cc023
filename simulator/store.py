"""Compatibility: the results store lives in `simulator.results` now.

``Store`` is the SQLite backend (`simulator.results.sqlite.SqliteStore`); new
code opens a store with `simulator.results.open_store`, which also speaks
PostgreSQL, and types it as `simulator.results.ResultsStore`.
"""

from __future__ import annotations

from simulator.results import *  # noqa: F403
from simulator.results import __all__ as _results_all
from simulator.results.sqlite import BUSY_TIMEOUT_S, LOCK_RETRIES
from simulator.results.sqlite import SqliteStore as Store

__all__ = [*_results_all, "BUSY_TIMEOUT_S", "LOCK_RETRIES", "Store"]
