"""What lets an API process serve prepared answers without ever serving stale ones.

Every commit that changes what a connection's callers can see (a publish, a status change, a
disconnect, a job moving) is followed by `ChangeTracker.touch(connection_id)`. A cached answer
is stored with the connection's stamp taken *before* its data was read, and is served only
while that stamp is still current — so a fill that raced a write is born stale, never wrong.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Protocol, TypeVar

from finch_sandbox.services.principal import Principal
from finch_sandbox.storage.db import Database, autocommit_read
from finch_sandbox.storage.repositories.connections import read_change_version
from finch_sandbox.storage.uow import UnitOfWork

V = TypeVar("V")


class ChangeTracker(Protocol):
    """Tells whether a connection changed since a cached answer about it was prepared."""

    def stamp(self, connection_id: str) -> int:
        """The connection's current stamp; take it *before* reading what you will cache."""
        ...

    def touch(self, connection_id: str) -> None:
        """Called after a commit that changed what the connection's callers see."""
        ...

    def begin(self) -> int:
        """A marker taken before a read whose connection is not known yet (a token lookup)."""
        ...

    def fill_stamp(self, connection_id: str, begun: int, row_version: int) -> int | None:
        """The stamp to cache such a read under, or None if it must not be cached."""
        ...

    def written_stamp(self, connection_id: str, before: int, row_version: int) -> int | None:
        """After a write and its touch: the stamp under which the writer may cache what its
        write produced, or None if something else may have changed the connection since
        `before` (its stamp taken before the write). `row_version` is the `change_version`
        the write committed."""
        ...


class ProcessTracker:
    """Stamps kept in memory: exact when every write to the database goes through this
    process (one API process on SQLite, with its worker inside)."""

    def __init__(self) -> None:
        self._stamps: dict[str, int] = {}
        self._lock = threading.Lock()
        self._version = 0

    def stamp(self, connection_id: str) -> int:
        return self._stamps.get(connection_id, 0)

    def touch(self, connection_id: str) -> None:
        with self._lock:
            self._stamps[connection_id] = self._stamps.get(connection_id, 0) + 1
            self._version += 1

    def begin(self) -> int:
        return self._version

    def fill_stamp(self, connection_id: str, begun: int, row_version: int) -> int | None:
        # Cacheable only if nothing at all changed while the row was read.
        return self.stamp(connection_id) if self._version == begun else None

    def written_stamp(self, connection_id: str, before: int, row_version: int) -> int | None:
        # Exactly one touch since `before` means the writer's own was the only change.
        current = self.stamp(connection_id)
        return current if current == before + 1 else None


class DatabaseTracker:
    """Stamps read from `connections.change_version`, which every change bumps in its own
    transaction: exact across any number of API and worker processes, for one indexed read
    per check."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def stamp(self, connection_id: str) -> int:
        if self._db.autocommit is not None:
            version = autocommit_read(
                self._db.autocommit, lambda conn: read_change_version(conn, connection_id)
            )
        else:
            with UnitOfWork(self._db) as uow:
                version = uow.connections.change_version(connection_id)
        return -1 if version is None else version

    def touch(self, connection_id: str) -> None:
        pass  # the bump is already committed with the change itself

    def begin(self) -> int:
        return 0

    def fill_stamp(self, connection_id: str, begun: int, row_version: int) -> int | None:
        return row_version

    def written_stamp(self, connection_id: str, before: int, row_version: int) -> int | None:
        # The write bumped the row it held locked, so its version is the write's own.
        return row_version


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


class Caches:
    """The caches an API process keeps, all invalidated through one tracker."""

    def __init__(self, tracker: ChangeTracker) -> None:
        self.tracker = tracker
        self.principals: StampedCache[Principal] = StampedCache(self.tracker)
        # Prepared answers (bytes) and small results, keyed by what they answer.
        self.responses: StampedCache[object] = StampedCache(self.tracker)
