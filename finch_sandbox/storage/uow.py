"""Unit of work: one session, one transaction; rolled back unless the service commits.

It also owns change tracking: a write says `uow.mark_changed(connection_id)` (or a repository
write method says it for the write), and `commit()` bumps the version, runs the in-transaction
hooks and notifies the listeners after the commit (storage/changes.py has the contract).
"""

from __future__ import annotations

import threading
from types import TracebackType

from sqlalchemy.orm import Session

from finch_sandbox.storage.changes import current_write_log
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.repositories.benefits import BenefitRepository
from finch_sandbox.storage.repositories.clock import ClockRepository
from finch_sandbox.storage.repositories.connect import ConnectRepository
from finch_sandbox.storage.repositories.connections import ConnectionRepository
from finch_sandbox.storage.repositories.jobs import JobRepository
from finch_sandbox.storage.repositories.records import RecordRepository
from finch_sandbox.storage.repositories.webhooks import WebhookRepository


class UnitOfWork:
    """`with UnitOfWork(db, write=True) as uow: ...; uow.commit()`.

    Read units see one consistent snapshot (one transaction), so a reader never sees half a
    sync. Write units are serialized, so a read-then-write (merge an edit, take the next
    position, check a limit) cannot interleave with another writer: SQLite's write lock is
    taken up front for the whole database; on PostgreSQL a write unit locks the connection
    (tenant) row before it first touches that tenant's records, so writers of one tenant queue
    and writers of different tenants run side by side.
    """

    def __init__(self, db: Database, *, write: bool = False) -> None:
        self._db = db
        self._write = write
        self._session: Session | None = None
        self._write_lock: threading.Lock | None = None
        # Tenants this unit holds the write lock of (PostgreSQL only).
        self._locked: set[str] = set()
        # What this unit changed and the domain events it recorded, until it commits.
        self._changed: set[str] = set()
        self._events: list[object] = []
        # {connection_id: change_version} bumped by the last commit.
        self.committed_versions: dict[str, int] = {}

    def __enter__(self) -> UnitOfWork:
        if self._db.serial_lock is not None:
            self._db.serial_lock.acquire()
        self._write_lock = self._db.write_lock if self._write else None
        if self._write_lock is not None:
            self._write_lock.acquire()
        factory = self._db.writer if self._write else self._db.reader
        self._session = factory()
        # Begin now so the snapshot (and on SQLite the write lock) covers the whole unit.
        self._session.connection()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            assert self._session is not None
            # Objects read in this unit stay usable as plain values after it ends; rollback
            # would otherwise expire them.
            self._session.expunge_all()
            self._session.rollback()
            self._session.close()
        finally:
            self._session = None
            self._locked.clear()
            self._changed.clear()
            self._events.clear()
            if self._write_lock is not None:
                self._write_lock.release()
                self._write_lock = None
            if self._db.serial_lock is not None:
                self._db.serial_lock.release()

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its `with` block")
        return self._session

    def mark_changed(self, *connection_ids: str) -> None:
        """These connections changed in a way their callers can see (a cached answer about
        them may now be wrong). Takes effect at `commit()`; forgotten on rollback."""
        self._changed.update(connection_ids)

    def record_event(self, event: object) -> None:
        """A domain event, handed to the `before_commit` hooks at `commit()`."""
        self._events.append(event)

    def commit(self) -> None:
        session = self.session
        changed = frozenset(self._changed)
        events = tuple(self._events)
        for hook in self._db.hooks.before_commit:
            hook(self, changed, events)
        # After the hooks, so a change a hook marks is bumped too.
        marked = frozenset(self._changed)
        versions = self.connections.bump_changes(marked) if marked else {}
        session.commit()
        self._changed.clear()
        self._events.clear()
        self.committed_versions = versions
        if versions:
            log = current_write_log()
            if log is not None:
                log.add(versions)
            for listener in self._db.hooks.after_commit:
                listener(versions)

    @property
    def connections(self) -> ConnectionRepository:
        return ConnectionRepository(self.session, self.mark_changed)

    @property
    def connect(self) -> ConnectRepository:
        return ConnectRepository(self.session)

    @property
    def jobs(self) -> JobRepository:
        return JobRepository(self.session, self.mark_changed)

    @property
    def clock(self) -> ClockRepository:
        return ClockRepository(self.session)

    @property
    def webhooks(self) -> WebhookRepository:
        return WebhookRepository(self.session)

    def records(self, connection_id: str, entity_id: str | None = None) -> RecordRepository:
        """Repository scoped to one connection (and, on a multi-entity connection, to one of
        its entities): it cannot read another tenant's rows."""
        self._lock_tenant(connection_id)
        return RecordRepository(self.session, connection_id, self.mark_changed, entity_id)

    def benefits(self, connection_id: str) -> BenefitRepository:
        """One connection's benefits and enrollments (scoped and locked like `records`)."""
        self._lock_tenant(connection_id)
        return BenefitRepository(self.session, connection_id, self.mark_changed)

    def _lock_tenant(self, connection_id: str) -> None:
        if self._write and self._db.is_postgresql and connection_id not in self._locked:
            # Before the first read, so what this unit reads is what it writes over.
            self.connections.lock(connection_id)
            self._locked.add(connection_id)
