"""A small per-node cache: matchers index a node's replies once, not per keystroke."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Final, Generic, TypeVar

from simulator.model import Node

T = TypeVar("T")

#: Indexed nodes kept per matcher: a whole scenario's decisions, with room to spare.
CACHE_SIZE: Final = 256


class NodeCache(Generic[T]):
    """Least-recently-used map from a node (by identity) to what a matcher built for it."""

    def __init__(self, build: Callable[[Node], T], size: int = CACHE_SIZE) -> None:
        self._build = build
        self._size = size
        self._items: OrderedDict[int, tuple[Node, T]] = OrderedDict()

    def get(self, node: Node) -> T:
        key = id(node)
        hit = self._items.get(key)
        # The node is kept alive with its entry, so its id cannot be reused meanwhile.
        if hit is not None and hit[0] is node:
            self._items.move_to_end(key)
            return hit[1]
        built = self._build(node)
        self._items[key] = (node, built)
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return built
