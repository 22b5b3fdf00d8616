"""Moving the sandbox clock from the control plane: read it, advance it, freeze and unfreeze it;
and keeping it in the database, so every process of a deployment runs on one clock.

Every rule reads the same clock (clock.py), so quota windows, job durations and webhook
retries all follow; listeners (the job worker, the webhook loop) look again at once.

The clock a server builds itself (`database_clock`) keeps its setting in the `sandbox_clock`
row: a move is one write transaction on that row (locked, so two moves at the same moment in
two processes add up), and a restart starts where the clock stood. On PostgreSQL, where other
processes move it too, each API request and each worker pass reads the row again at its first
look at the clock (clock.read_scope), and a move sends NOTIFY so sleeping workers wake. SQLite
is served by one process, which never needs to read it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from finch_sandbox.clock import (
    Clock,
    ClockSetting,
    SandboxClock,
    SystemClock,
    distance_from_wall,
)
from finch_sandbox.errors import BadRequest
from finch_sandbox.storage.db import Database, autocommit_read
from finch_sandbox.storage.repositories.clock import read_clock
from finch_sandbox.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class ClockState:
    now: datetime
    frozen: bool
    offset: timedelta  # from wall time

    def describe(self) -> str | None:
        """A line saying how the clock stands apart from wall time; None when it does not."""
        if self.frozen:
            return f"frozen at {self.now.isoformat()}"
        distance = distance_from_wall(self.offset)
        return None if distance is None else f"running {distance}"


class ClockControl:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def _movable(self) -> SandboxClock:
        if not isinstance(self._clock, SandboxClock):
            raise BadRequest("this server's clock cannot be moved")
        return self._clock

    def state(self) -> ClockState:
        clock = self._movable()
        return ClockState(clock.now(), clock.frozen, clock.offset)

    def advance(self, seconds: float) -> ClockState:
        clock = self._movable()
        clock.advance(timedelta(seconds=seconds))
        return self.state()

    def freeze(self, at: datetime | None = None) -> ClockState:
        if at is not None and at.tzinfo is None:
            raise BadRequest("[body:at]: must carry a time zone (e.g. a trailing Z)")
        self._movable().freeze(at)
        return self.state()

    def unfreeze(self) -> ClockState:
        self._movable().unfreeze()
        return self.state()

    def reset(self) -> ClockState:
        self._movable().reset()
        return self.state()


class DatabaseClockStore:
    """The clock's setting in the `sandbox_clock` row (a clock.ClockStore)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def load(self) -> ClockSetting:
        if self._db.autocommit is not None:
            # One primary-key read on an autocommit connection: no BEGIN, no rollback.
            return autocommit_read(self._db.autocommit, read_clock)
        with UnitOfWork(self._db) as uow:
            return uow.clock.read()

    def move(self, change: Callable[[ClockSetting], ClockSetting]) -> ClockSetting:
        with UnitOfWork(self._db, write=True) as uow:
            moved = change(uow.clock.lock())
            uow.clock.save(moved)
            uow.commit()
        return moved


def database_clock(db: Database) -> SystemClock:
    """The clock of a server or worker process: kept in `db`, shared with the deployment's
    other processes when the database can have several (PostgreSQL)."""
    clock = SystemClock()
    clock.attach(DatabaseClockStore(db), shared=db.is_postgresql)
    return clock
