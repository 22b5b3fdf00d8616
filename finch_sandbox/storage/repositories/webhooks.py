"""SQL for the webhook outbox: endpoints, secrets, events, deliveries (claimed under a lease
by compare-and-set) and attempts. No business rules: services/webhooks.py decides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from finch_sandbox.storage.models import (
    Account,
    Connection,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSecret,
)


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # --- endpoints --------------------------------------------------------------------------

    def endpoints(self) -> Sequence[WebhookEndpoint]:
        return self._session.scalars(
            select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        ).all()

    def endpoint_by_url(self, url: str) -> WebhookEndpoint | None:
        return self._session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.url == url))

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self._session.add(endpoint)
        self._session.flush()

    def remove_endpoint(self, endpoint_id: str) -> bool:
        # Deliveries go with it (their attempts too): nothing is left to retry towards it.
        attempts = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
        self._session.execute(
            delete(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(attempts))
            .execution_options(synchronize_session=False)
        )
        self._session.execute(
            delete(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .execution_options(synchronize_session=False)
        )
        result = self._session.execute(
            delete(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- secrets ----------------------------------------------------------------------------

    def valid_secrets(self, now: datetime) -> list[str]:
        """Secrets that sign now, newest (the current one) first."""
        return list(
            self._session.scalars(
                select(WebhookSecret.secret)
                .where(or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > now))
                .order_by(WebhookSecret.id.desc())
            )
        )

    def current_secret(self) -> str | None:
        return self._session.scalar(
            select(WebhookSecret.secret)
            .where(WebhookSecret.expires_at.is_(None))
            .order_by(WebhookSecret.id.desc())
            .limit(1)
        )

    def replace_secret(self, secret: str, now: datetime, *, old_expires_at: datetime) -> None:
        """`secret` becomes current; the current ones stay valid until `old_expires_at`."""
        self._session.execute(
            update(WebhookSecret)
            .where(WebhookSecret.expires_at.is_(None))
            .values(expires_at=old_expires_at)
            .execution_options(synchronize_session=False)
        )
        self._session.add(WebhookSecret(secret=secret, created_at=now))
        self._session.flush()

    # --- events -----------------------------------------------------------------------------

    def connection_context(
        self, connection_id: str
    ) -> tuple[str, str, str | None, str | None] | None:
        """(company_id, entity_id, first account id, its authentication type) of a connection;
        the account is None while it has none yet (Finch Connect adds it at the token
        exchange)."""
        row = self._session.execute(
            select(
                Connection.company_id,
                Connection.entity_id,
                Account.id,
                Account.authentication_type,
            )
            .outerjoin(Account, Account.connection_id == Connection.id)
            .where(Connection.id == connection_id)
            .order_by(Account.created_at, Account.id)
            .limit(1)
        ).first()
        return (row[0], row[1], row[2], row[3]) if row else None

    def add_event(
        self,
        *,
        event_id: str,
        connection_id: str | None,
        event_type: str,
        payload: dict[str, Any],
        now: datetime,
        endpoints: Sequence[WebhookEndpoint],
    ) -> int:
        """The event and one pending delivery per endpoint, due now. Returns its seq."""
        event = WebhookEvent(
            id=event_id,
            connection_id=connection_id,
            event_type=event_type,
            payload=payload,
            created_at=now,
        )
        self._session.add(event)
        self._session.flush()
        if endpoints:
            self._session.execute(
                insert(WebhookDelivery),
                [
                    {
                        "event_seq": event.seq,
                        "endpoint_id": endpoint.id,
                        "url": endpoint.url,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                    for endpoint in endpoints
                ],
            )
        return event.seq

    def event(self, event_id: str) -> WebhookEvent | None:
        return self._session.scalar(select(WebhookEvent).where(WebhookEvent.id == event_id))

    def events(
        self,
        *,
        connection_id: str | None,
        event_type: str | None,
        limit: int,
        offset: int,
    ) -> Sequence[WebhookEvent]:
        stmt = select(WebhookEvent)
        if connection_id is not None:
            stmt = stmt.where(WebhookEvent.connection_id == connection_id)
        if event_type is not None:
            stmt = stmt.where(WebhookEvent.event_type == event_type)
        return self._session.scalars(
            stmt.order_by(WebhookEvent.seq.desc()).limit(limit).offset(offset)
        ).all()

    def deliveries_of(self, event_seqs: Sequence[int]) -> Sequence[WebhookDelivery]:
        if not event_seqs:
            return []
        return self._session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.event_seq.in_(event_seqs))
            .order_by(WebhookDelivery.id)
        ).all()

    def attempts_of(self, delivery_ids: Sequence[int]) -> Sequence[WebhookAttempt]:
        if not delivery_ids:
            return []
        return self._session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.id)
        ).all()

    def restart_deliveries(
        self, event_seq: int, now: datetime, endpoints: Sequence[WebhookEndpoint]
    ) -> None:
        """Replay: every delivery of the event is due now, with a fresh retry schedule; an
        endpoint registered since the event was written gets a delivery too."""
        self._session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.event_seq == event_seq)
            .values(
                status="pending",
                attempts=0,
                next_attempt_at=now,
                lease_owner=None,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        have = set(
            self._session.scalars(
                select(WebhookDelivery.endpoint_id).where(WebhookDelivery.event_seq == event_seq)
            )
        )
        missing = [e for e in endpoints if e.id not in have]
        if missing:
            self._session.execute(
                insert(WebhookDelivery),
                [
                    {
                        "event_seq": event_seq,
                        "endpoint_id": e.id,
                        "url": e.url,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                    for e in missing
                ],
            )

    # --- delivery (the worker's side) -------------------------------------------------------

    def due_deliveries(self, now: datetime, limit: int, *, lock: bool = True) -> Sequence[int]:
        """Due and unclaimed; `lock` (write units only) skips rows another PostgreSQL
        transaction is claiming."""
        stmt = (
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                or_(
                    WebhookDelivery.lease_expires_at.is_(None),
                    WebhookDelivery.lease_expires_at <= now,
                ),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        if lock:
            stmt = stmt.with_for_update(skip_locked=True)
        return self._session.scalars(stmt).all()

    def claim(self, delivery_id: int, *, owner: str, now: datetime, lease_until: datetime) -> bool:
        """Compare-and-set: the correctness guarantee on SQLite, where FOR UPDATE is a no-op."""
        result = self._session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                or_(
                    WebhookDelivery.lease_expires_at.is_(None),
                    WebhookDelivery.lease_expires_at <= now,
                ),
            )
            .values(lease_owner=owner, lease_expires_at=lease_until)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delivery_with_event(self, delivery_id: int) -> tuple[WebhookDelivery, WebhookEvent] | None:
        row = self._session.execute(
            select(WebhookDelivery, WebhookEvent)
            .join(WebhookEvent, WebhookEvent.seq == WebhookDelivery.event_seq)
            .where(WebhookDelivery.id == delivery_id)
        ).first()
        return (row[0], row[1]) if row else None

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self._session.add(attempt)

    def settle(self, delivery_id: int, *, owner: str, values: dict[str, Any]) -> bool:
        """Record an attempt's outcome on the delivery if `owner` still holds it."""
        result = self._session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def next_due_at(self) -> datetime | None:
        """When the next unclaimed delivery is due (claimed ones wake their loop when they
        settle; a dead worker's are found by polling once its lease has run out)."""
        return self._session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at)).where(
                WebhookDelivery.status == "pending", WebhookDelivery.lease_owner.is_(None)
            )
        )
