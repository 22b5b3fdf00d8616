"""How a worker learns that a job was enqueued, or the clock moved, instead of waiting for
its next poll.

In one process an Event does it. On PostgreSQL every enqueue also sends NOTIFY on
`finch_sandbox_jobs` (storage/repositories/jobs.py), and every clock move on
`finch_sandbox_clock` (storage/repositories/clock.py), so workers in other processes wake too;
the pass a worker then makes reads the moved clock (clock.read_scope), and a clock found moved
tells its listeners in that process (the webhook loop) as a move made there would.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from sqlalchemy import func, select

from finch_sandbox.storage.db import Database
from finch_sandbox.storage.repositories.clock import CLOCK_CHANNEL
from finch_sandbox.storage.repositories.jobs import JOBS_CHANNEL

log = logging.getLogger(__name__)


class Waker(Protocol):
    def wait(self, timeout: float) -> None: ...
    def nudge(self) -> None:
        """Make the current (or next) `wait` return now, from any thread."""
        ...

    def close(self) -> None: ...


class EventWaker:
    """Woken by enqueues in this process."""

    def __init__(self, event: threading.Event) -> None:
        self._event = event

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)
        self._event.clear()

    def nudge(self) -> None:
        self._event.set()

    def close(self) -> None:
        self._event.set()


class NotifyWaker:
    """Woken by enqueues and clock moves in any process, through PostgreSQL's LISTEN/NOTIFY."""

    def __init__(self, db: Database, event: threading.Event) -> None:
        self._event = event
        self._db = db
        raw = db.engine.raw_connection()
        # A connection of its own, outside the pool, in autocommit so notifications arrive.
        conn = raw.driver_connection
        assert conn is not None
        self._conn: Any = conn
        raw.detach()
        self._conn.autocommit = True
        self._conn.execute(f"LISTEN {JOBS_CHANNEL}")
        self._conn.execute(f"LISTEN {CLOCK_CHANNEL}")

    def wait(self, timeout: float) -> None:
        if self._event.is_set():
            self._event.clear()
            return
        try:
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                break
        except Exception:  # a dropped connection must not kill the worker; it polls instead
            log.warning("LISTEN connection failed; falling back to polling", exc_info=True)
            self._event.wait(timeout)
        self._event.clear()

    def nudge(self) -> None:
        # The wait blocks on the LISTEN socket, not on the event: a notification ends it.
        self._event.set()
        try:
            with self._db.engine.connect() as conn:
                conn.execute(select(func.pg_notify(JOBS_CHANNEL, "")))
                conn.commit()
        except Exception:  # the worker still looks again at its next poll
            log.warning("could not nudge the worker through NOTIFY", exc_info=True)

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:
            log.debug("closing the LISTEN connection failed", exc_info=True)


def make_waker(db: Database, event: threading.Event) -> Waker:
    return NotifyWaker(db, event) if db.is_postgresql else EventWaker(event)
