"""A small in-process cache with a time to live, for answers a page can show a little late.

The book page's recommendation rows cost the catalogue several queries for something a shopper
cannot tell apart from a minute ago; a book page itself (price, stock) is never cached here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ShortCache(Generic[V]):
    """`get(key, make)`: the value made less than `ttl` seconds ago, else `make()` (kept for the
    next ones); at most `size` keys, the least recently used dropped first. Thread-safe; `make`
    runs outside the lock, so a slow answer never blocks the other keys."""

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl, self.size = ttl, size
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        now = time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found is not None and now - found[0] < self.ttl:
                self._items.move_to_end(key)
                return found[1]
        value = make()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
