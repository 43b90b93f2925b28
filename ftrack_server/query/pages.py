"""Remember the ordered keys of paged queries, so later pages skip the sort.

Clients page through a result with ``offset``/``limit`` (the Python client asks for
500 rows at a time). Each page would otherwise sort every matching row again to
skip the earlier ones. The first page stores the ordered keys; the following pages
take their slice and load just those rows.

An entry is valid while the data is unchanged: every write batch this server
commits starts a new generation, and an entry also expires after ``ttl`` seconds,
which bounds how long writes by another process sharing the database can go
unseen (offset paging over changing data is inconsistent anyway).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Hashable, List, Optional


class PageKeyCache:
    """A small thread-safe LRU of ordered key lists."""

    def __init__(self, size: int = 16, ttl: float = 5.0) -> None:
        self.size = size
        self.ttl = ttl
        self._entries: OrderedDict = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget everything: the data changed."""
        with self._lock:
            self._generation += 1
            self._entries.clear()

    @property
    def generation(self) -> int:
        """The current generation: read it before querying, give it to :meth:`put`."""
        return self._generation

    def get(self, key: Hashable) -> Optional[List[Any]]:
        """The keys stored under ``key``, or None if there are none still valid."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            generation, stored_at, keys = entry
            if generation != self._generation or time.monotonic() - stored_at > self.ttl:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return keys

    def put(self, key: Hashable, keys: List[Any], generation: int) -> None:
        """Store ``keys``, read in ``generation``; stale at once if the data changed since."""
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = (generation, time.monotonic(), keys)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
