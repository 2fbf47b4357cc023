"""The PostgreSQL backend of the results store (``--db postgresql://…``; needs psycopg 3)."""

from simulator.results.postgres.store import BUSY_TIMEOUT_S, RETRIES, PostgresStore
from simulator.results.postgres.url import PostgresUrl

__all__ = ["BUSY_TIMEOUT_S", "RETRIES", "PostgresStore", "PostgresUrl"]
