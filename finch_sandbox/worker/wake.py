"""How a worker learns that a job was enqueued, instead of waiting for its next poll.

In one process an Event does it. On PostgreSQL every enqueue also sends NOTIFY on
`finch_sandbox_jobs` (storage/repositories/jobs.py), so workers in other processes wake too.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from finch_sandbox.storage.db import Database
from finch_sandbox.storage.repositories.jobs import JOBS_CHANNEL

log = logging.getLogger(__name__)


class Waker(Protocol):
    def wait(self, timeout: float) -> None: ...
    def close(self) -> None: ...


class EventWaker:
    """Woken by enqueues in this process."""

    def __init__(self, event: threading.Event) -> None:
        self._event = event

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)
        self._event.clear()

    def close(self) -> None:
        self._event.set()


class NotifyWaker:
    """Woken by enqueues in any process, through PostgreSQL's LISTEN/NOTIFY."""

    def __init__(self, db: Database, event: threading.Event) -> None:
        self._event = event
        raw = db.engine.raw_connection()
        # A connection of its own, outside the pool, in autocommit so notifications arrive.
        conn = raw.driver_connection
        assert conn is not None
        self._conn: Any = conn
        raw.detach()
        self._conn.autocommit = True
        self._conn.execute(f"LISTEN {JOBS_CHANNEL}")

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

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:
            log.debug("closing the LISTEN connection failed", exc_info=True)


def make_waker(db: Database, event: threading.Event) -> Waker:
    return NotifyWaker(db, event) if db.is_postgresql else EventWaker(event)
