"""The caches an API process keeps in front of the services, all checked against one
change tracker (storage/tracking.py): resolved tokens and prepared answers."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from finch_sandbox.clock import ClockSetting
from finch_sandbox.services.principal import Principal
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.tracking import ChangeTracker, watch

V = TypeVar("V")


# What one resolved token is counted as (a Principal and its key, roughly).
PRINCIPAL_BYTES = 1024
PRINCIPAL_CACHE_BYTES = 8 * 1024 * 1024
# Fixed cost counted for each entry beside the value's own bytes (key, tuple, dict slot).
ENTRY_OVERHEAD = 256


class StampedCache(Generic[V]):
    """An LRU of values tagged with their connection's stamp, bounded by the bytes its values
    take (as the caller counts them), not by how many there are."""

    def __init__(self, tracker: ChangeTracker, max_bytes: int) -> None:
        self._tracker = tracker
        self.max_bytes = max_bytes
        self._entries: OrderedDict[object, tuple[str, int, V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: object, seen: dict[str, int] | None = None) -> V | None:
        """The value if its connection has not changed since it was stored. `seen` carries
        stamps already read for this request, so one request checks a connection once (a
        database read per check on PostgreSQL)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        connection_id, stamp, value, _ = entry
        current = seen.get(connection_id) if seen is not None else None
        if current is None:
            current = self._tracker.stamp(connection_id)
            if seen is not None:
                seen[connection_id] = current
        return value if stamp == current else None

    def put(self, key: object, connection_id: str, stamp: int, value: V, size: int) -> None:
        """Keep `value` (counted as `size` bytes); the least recently stored go first."""
        size += ENTRY_OVERHEAD
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[3]
            self._entries[key] = (connection_id, stamp, value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped[3]

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


class Caches:
    """The caches an API process keeps, all invalidated through one tracker."""

    def __init__(self, tracker: ChangeTracker, *, response_bytes: int) -> None:
        self.tracker = tracker
        self.enabled = response_bytes > 0
        self.principals: StampedCache[Principal] = StampedCache(
            self.tracker, PRINCIPAL_CACHE_BYTES if self.enabled else 0
        )
        # Prepared answers, keyed by what they answer.
        self.responses: StampedCache[object] = StampedCache(self.tracker, response_bytes)

    @classmethod
    def build(
        cls,
        settings: Settings,
        db: Database,
        *,
        clock_read: Callable[[ClockSetting], None] | None = None,
    ) -> Caches:
        # In-memory stamps are exact only when every write passes through this process.
        exclusive = db.is_sqlite and settings.processes == 1 and settings.worker
        return cls(
            watch(db, exclusive=exclusive, clock_read=clock_read),
            response_bytes=settings.response_cache_mb * 1024 * 1024,
        )
