"""Publishing: the provider side becomes the synced side, all at once or not at all."""

from __future__ import annotations

from datetime import datetime

from finch_sandbox.clock import Clock
from finch_sandbox.services.data_changes import data_change_events
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.uow import UnitOfWork


def publish(uow: UnitOfWork, connection_id: str, now: datetime) -> int:
    """Copy every provider-side change to the synced side, inside the caller's transaction.

    Costs in proportion to what changed (only dirty rows are touched). Returns the connection's
    new sync version. Both repository writes mark the connection changed; what changed is
    recorded as data-change events (the webhook outbox writes them in this transaction).
    """
    for event in data_change_events(connection_id, uow.records(connection_id).publish()):
        uow.record_event(event)
    return uow.connections.mark_synced(connection_id, now)


class SyncService:
    """A sync outside the job machinery, for the control plane and storage-level tests."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def publish(self, connection_id: str) -> int:
        with UnitOfWork(self._db, write=True) as uow:
            version = publish(uow, connection_id, self._clock.now())
            uow.commit()
        return version
