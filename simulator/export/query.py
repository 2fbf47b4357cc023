"""Which attempts an export or report reads (kept here for existing imports).

The filters and ``--since`` parsing live with the results store
(`simulator.results.filters`); each backend turns them into its own query.
"""

from __future__ import annotations

from simulator.results.filters import Filters, parse_since

__all__ = ["Filters", "parse_since"]
