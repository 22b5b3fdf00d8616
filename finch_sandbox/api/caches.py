"""The caches an API process keeps in front of the services, all checked against one
change tracker (storage/tracking.py): resolved tokens and prepared answers."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from finch_sandbox.services.principal import Principal
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.tracking import ChangeTracker, watch

V = TypeVar("V")


class StampedCache(Generic[V]):
    """A bounded LRU of values tagged with their connection's stamp."""

    def __init__(self, tracker: ChangeTracker, max_entries: int = 8192) -> None:
        self._tracker = tracker
        self._max = max_entries
        self._entries: OrderedDict[object, tuple[str, int, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object, seen: dict[str, int] | None = None) -> V | None:
        """The value if its connection has not changed since it was stored. `seen` carries
        stamps already read for this request, so one request checks a connection once (a
        database read per check on PostgreSQL)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        connection_id, stamp, value = entry
        current = seen.get(connection_id) if seen is not None else None
        if current is None:
            current = self._tracker.stamp(connection_id)
            if seen is not None:
                seen[connection_id] = current
        return value if stamp == current else None

    def put(self, key: object, connection_id: str, stamp: int, value: V) -> None:
        with self._lock:
            self._entries[key] = (connection_id, stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Caches:
    """The caches an API process keeps, all invalidated through one tracker."""

    def __init__(self, tracker: ChangeTracker) -> None:
        self.tracker = tracker
        self.principals: StampedCache[Principal] = StampedCache(self.tracker)
        # Prepared answers (bytes) and small results, keyed by what they answer.
        self.responses: StampedCache[object] = StampedCache(self.tracker)

    @classmethod
    def build(cls, settings: Settings, db: Database) -> Caches:
        # In-memory stamps are exact only when every write passes through this process.
        exclusive = db.is_sqlite and settings.processes == 1 and settings.worker
        return cls(watch(db, exclusive=exclusive))
