"""What lets an API process serve prepared answers without ever serving stale ones.

Every commit that changes what a connection's callers can see (a publish, a status change, a
disconnect, a job moving) is followed by `ChangeTracker.touch(connection_id)`. A cached answer
is stored with the connection's stamp taken *before* its data was read, and is served only
while that stamp is still current — so a fill that raced a write is born stale, never wrong.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from finch_sandbox.services.principal import Principal

V = TypeVar("V")


class ChangeTracker:
    """Per-connection change counters for this process."""

    def __init__(self) -> None:
        self._stamps: dict[str, int] = {}
        self._lock = threading.Lock()
        # Moves on every touch: for fills whose connection is only known after the read.
        self.version = 0

    def stamp(self, connection_id: str) -> int:
        return self._stamps.get(connection_id, 0)

    def touch(self, connection_id: str) -> None:
        with self._lock:
            self._stamps[connection_id] = self._stamps.get(connection_id, 0) + 1
            self.version += 1


class StampedCache(Generic[V]):
    """A bounded LRU of values tagged with their connection's stamp."""

    def __init__(self, tracker: ChangeTracker, max_entries: int = 8192) -> None:
        self._tracker = tracker
        self._max = max_entries
        self._entries: OrderedDict[object, tuple[str, int, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        connection_id, stamp, value = entry
        if stamp != self._tracker.stamp(connection_id):
            return None
        return value

    def put(self, key: object, connection_id: str, stamp: int, value: V) -> None:
        with self._lock:
            self._entries[key] = (connection_id, stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


class Caches:
    """The caches an API process keeps, all invalidated through one tracker."""

    def __init__(self) -> None:
        self.tracker = ChangeTracker()
        self.principals: StampedCache[Principal] = StampedCache(self.tracker)
        # Prepared answers (bytes) and small results, keyed by what they answer.
        self.responses: StampedCache[object] = StampedCache(self.tracker)
