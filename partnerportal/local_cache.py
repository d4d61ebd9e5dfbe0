"""A bounded map kept in this process, for values that are exact by their key.

Pages keep rendered markup and rows here when the key names everything they were made
from (a data version, the language, the values a block reads), so an entry can never be
stale, only old: the oldest stored entries are dropped first once the map is full. Each
web process has its own; nothing here is shared or needs invalidating.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LocalCache:
    """A thread-safe map of at most `size` entries; None is never stored (it means missing)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            return self._entries.get(key)

    def set(self, key: Hashable, value: Any) -> None:
        if value is None:
            return
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get_or_set(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value kept under `key`, or `compute()` kept there (computed outside the lock:
        two threads may both compute a missing value, and both results are the same)."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.set(key, value)
        return value
