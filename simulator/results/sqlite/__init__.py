"""The SQLite backend of the results store (the embedded default)."""

from simulator.results.sqlite.store import BUSY_TIMEOUT_S, LOCK_RETRIES, SqliteStore

__all__ = ["BUSY_TIMEOUT_S", "LOCK_RETRIES", "SqliteStore"]
