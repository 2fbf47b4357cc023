"""The order replies are shown in: authored, or shuffled by a per-attempt seed.

Position on screen must not give the answer away, so a format 1.1 scenario
shows each attempt its replies in a shuffled order. The order at a node
depends only on the attempt's seed and the node id, so a resumed attempt, its
review and a replay see exactly the order the trainee saw; a retry draws a new
seed. The engine, ``run --choices`` and the store all use authored numbers;
only the screen (and the store's ``shown`` column) uses positions.
"""

from __future__ import annotations

import random
import secrets

SEED_LIMIT = 2**31  # seeds fit a signed 32-bit column in every database


def new_seed() -> int:
    """A fresh seed for one attempt."""
    return secrets.randbelow(SEED_LIMIT)


def shown_order(seed: int | None, node_id: str, count: int) -> tuple[int, ...]:
    """Authored reply numbers (1-based) in the order they are shown at ``node_id``.

    ``seed`` None keeps the authored order. Seeding with text hashes it
    (SHA-512), so the order is the same on every machine and Python version.
    """
    numbers = list(range(1, count + 1))
    if seed is not None and count > 1:
        random.Random(f"{seed}:{node_id}").shuffle(numbers)
    return tuple(numbers)


def position_of(order: tuple[int, ...], number: int) -> int:
    """The 1-based position at which authored reply ``number`` is shown."""
    return order.index(number) + 1
