"""SQL for connections and their accounts (tokens)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Connection as DbConnection
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finch_sandbox.storage.models import Account, Connection, Counter, Entity


def read_change_version(conn: DbConnection, connection_id: str) -> int | None:
    """The connection's `change_version`, in one statement outside any unit of work."""
    return conn.execute(
        select(Connection.change_version).where(Connection.id == connection_id)
    ).scalar_one_or_none()


MarkChanged = Callable[..., None]


def _ignore(*_connection_ids: str) -> None:
    pass


class ConnectionRepository:
    """Write methods that change what a connection's callers see mark it changed themselves
    (through the unit of work's `mark_changed`)."""

    def __init__(self, session: Session, mark_changed: MarkChanged = _ignore) -> None:
        self._session = session
        self._mark_changed = mark_changed

    def add(self, connection: Connection) -> None:
        self._session.add(connection)

    def add_account(self, account: Account) -> None:
        """A new token: GET /introspect of the connection's other tokens lists its method."""
        self._session.add(account)
        self._mark_changed(account.connection_id)

    def add_entity(self, entity: Entity) -> None:
        self._session.add(entity)

    def entities(self, connection_id: str) -> Sequence[Entity]:
        """Every entity of the connection, disconnected ones included, in their order."""
        return self._session.scalars(
            select(Entity).where(Entity.connection_id == connection_id).order_by(Entity.position)
        ).all()

    def disconnect_entities(self, connection_id: str, entity_ids: set[str], when: datetime) -> None:
        self._mark_changed(connection_id)
        self._session.execute(
            update(Entity)
            .where(
                Entity.connection_id == connection_id,
                Entity.id.in_(entity_ids),
                Entity.disconnected_at.is_(None),
            )
            .values(disconnected_at=when)
            .execution_options(synchronize_session=False)
        )

    def flush(self) -> None:
        self._session.flush()

    def get(self, connection_id: str) -> Connection | None:
        return self._session.get(Connection, connection_id)

    def get_for_update(self, connection_id: str) -> Connection | None:
        return self._session.scalar(
            select(Connection).where(Connection.id == connection_id).with_for_update()
        )

    def lock(self, connection_id: str) -> None:
        """Hold the connection's row until the transaction ends: the per-tenant write lock on
        PostgreSQL (see uow.py). NO KEY UPDATE, so rows that merely reference the connection
        (records, jobs, accounts) can still be inserted by others. Not needed on SQLite
        (where FOR UPDATE does not exist): its write transactions hold the database lock."""
        self._session.execute(
            select(Connection.id)
            .where(Connection.id == connection_id)
            .with_for_update(key_share=True)
        )

    def find_by_company(self, company_id: str, provider_id: str) -> Connection | None:
        return self._session.scalar(
            select(Connection).where(
                Connection.company_id == company_id,
                Connection.provider_id == provider_id,
                Connection.disconnected_at.is_(None),
            )
        )

    def count(self) -> int:
        return len(self._session.scalars(select(Connection.id)).all())

    def account_by_token_hash(self, token_hash: str) -> tuple[Account, Connection] | None:
        row = self._session.execute(
            select(Account, Connection)
            .join(Connection, Connection.id == Account.connection_id)
            .where(Account.token_hash == token_hash)
        ).first()
        return (row[0], row[1]) if row else None

    def accounts(self, connection_id: str) -> Sequence[Account]:
        return self._session.scalars(
            select(Account)
            .where(Account.connection_id == connection_id)
            .order_by(Account.created_at, Account.id)
        ).all()

    def disconnect(self, connection_id: str, when: datetime) -> None:
        self._mark_changed(connection_id)
        self._session.execute(
            update(Connection)
            .where(Connection.id == connection_id, Connection.disconnected_at.is_(None))
            .values(disconnected_at=when)
        )
        self._session.execute(
            update(Entity)
            .where(Entity.connection_id == connection_id, Entity.disconnected_at.is_(None))
            .values(disconnected_at=when)
            .execution_options(synchronize_session=False)
        )
        self._session.execute(
            update(Account)
            .where(Account.connection_id == connection_id, Account.disconnected_at.is_(None))
            .values(disconnected_at=when)
        )

    def bump_changes(self, connection_ids: frozenset[str]) -> dict[str, int]:
        """Bump `change_version` of these connections; returns their new versions. Called by
        the unit of work at commit (use `uow.mark_changed`, not this)."""
        rows = self._session.execute(
            update(Connection)
            .where(Connection.id.in_(sorted(connection_ids)))
            .values(change_version=Connection.change_version + 1)
            .returning(Connection.id, Connection.change_version)
            .execution_options(synchronize_session=False)
        ).all()
        return {row[0]: int(row[1]) for row in rows}

    def change_version(self, connection_id: str) -> int | None:
        return self._session.scalar(
            select(Connection.change_version).where(Connection.id == connection_id)
        )

    def set_status(self, connection_id: str, status: str) -> None:
        self._mark_changed(connection_id)
        self._session.execute(
            update(Connection).where(Connection.id == connection_id).values(status=status)
        )

    def set_job_completion_status(self, connection_id: str, status: str) -> None:
        self._mark_changed(connection_id)
        self._session.execute(
            update(Connection)
            .where(Connection.id == connection_id)
            .values(job_completion_status=status)
        )

    def mark_synced(self, connection_id: str, when: datetime) -> int:
        """Bump the sync version; returns the new version."""
        self._mark_changed(connection_id)
        version = self._session.execute(
            update(Connection)
            .where(Connection.id == connection_id)
            .values(sync_version=Connection.sync_version + 1, last_synced_at=when)
            .returning(Connection.sync_version)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        return int(version)

    def next_in_sequence(self, name: str) -> int:
        """Atomically take the next value (0, 1, 2, ...) of a named counter.

        One UPDATE ... RETURNING: on PostgreSQL under READ COMMITTED a concurrent taker waits
        on the row lock and then increments the committed value, so no value is handed out
        twice (a read followed by a write could hand one out twice).
        """
        taken = self._session.execute(
            update(Counter)
            .where(Counter.name == name)
            .values(value=Counter.value + 1)
            .returning(Counter.value)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if taken is not None:
            return int(taken) - 1
        # Counters the migrations do not seed start on first use (a race here fails loudly,
        # on the primary key, rather than handing out a value twice).
        self._session.add(Counter(name=name, value=1))
        self._session.flush()
        return 0
