"""What lets an API process serve prepared answers without ever serving stale ones.

Every commit that changes what a connection's callers can see (a publish, a status change, a
disconnect, a job moving) has marked the connection changed in its unit of work, which bumps
`connections.change_version` in the transaction and then calls the tracker's `committed`
(registered as an after-commit listener by `watch`). A cached answer is stored with the
connection's stamp taken *before* its data was read, and is served only while that stamp is
still current, so a fill that raced a write is born stale, never wrong.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from finch_sandbox.clock import ClockSetting
from finch_sandbox.storage.db import Database, autocommit_read
from finch_sandbox.storage.repositories.clock import read_change_version_and_clock
from finch_sandbox.storage.repositories.connections import read_change_version
from finch_sandbox.storage.uow import UnitOfWork


class ChangeTracker(Protocol):
    """Tells whether a connection changed since a cached answer about it was prepared."""

    def stamp(self, connection_id: str) -> int:
        """The connection's current stamp; take it *before* reading what you will cache."""
        ...

    def committed(self, versions: Mapping[str, int]) -> None:
        """After a commit that changed what these connections' callers see (the unit of work
        calls it, with the `change_version` each now has)."""
        ...

    def begin(self) -> int:
        """A marker taken before a read whose connection is not known yet (a token lookup)."""
        ...

    def fill_stamp(self, connection_id: str, begun: int, row_version: int) -> int | None:
        """The stamp to cache such a read under, or None if it must not be cached."""
        ...

    def written_stamp(self, connection_id: str, before: int, row_version: int) -> int | None:
        """After a write and its commit: the stamp under which the writer may cache what its
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

    def committed(self, versions: Mapping[str, int]) -> None:
        with self._lock:
            for connection_id in versions:
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
    per check. With `clock_read`, the same statement also reads the sandbox clock's row and
    hands it over (clock.SandboxClock.observe), so a request that checks a cached answer and
    then looks at a shared clock makes one round trip, not two."""

    def __init__(
        self, db: Database, clock_read: Callable[[ClockSetting], None] | None = None
    ) -> None:
        self._db = db
        self._clock_read = clock_read

    def stamp(self, connection_id: str) -> int:
        clock_read = self._clock_read
        if self._db.autocommit is not None and clock_read is not None:
            version, setting = autocommit_read(
                self._db.autocommit,
                lambda conn: read_change_version_and_clock(conn, connection_id),
            )
            clock_read(setting)
        elif self._db.autocommit is not None:
            version = autocommit_read(
                self._db.autocommit, lambda conn: read_change_version(conn, connection_id)
            )
        else:
            with UnitOfWork(self._db) as uow:
                version = uow.connections.change_version(connection_id)
        return -1 if version is None else version

    def committed(self, versions: Mapping[str, int]) -> None:
        pass  # the bump is already committed with the change itself

    def begin(self) -> int:
        return 0

    def fill_stamp(self, connection_id: str, begun: int, row_version: int) -> int | None:
        return row_version

    def written_stamp(self, connection_id: str, before: int, row_version: int) -> int | None:
        # The write bumped the row it held locked, so its version is the write's own.
        return row_version


def watch(
    db: Database,
    *,
    exclusive: bool,
    clock_read: Callable[[ClockSetting], None] | None = None,
) -> ChangeTracker:
    """The tracker for this database, listening to its units of work's commits. `exclusive`:
    every write to the database goes through this process (in-memory stamps are exact).
    `clock_read`: given the clock's row whenever a check reads the database (a shared clock)."""
    tracker: ChangeTracker = (
        ProcessTracker() if exclusive else DatabaseTracker(db, clock_read=clock_read)
    )
    db.hooks.after_commit.append(tracker.committed)
    return tracker
