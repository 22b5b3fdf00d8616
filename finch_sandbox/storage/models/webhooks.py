"""The webhook outbox: endpoints, signing secrets, events, and their deliveries and attempts.

An event row is written in the same transaction as the change that caused it (the unit of
work's before-commit hook), with one delivery row per endpoint registered at that moment; the
worker's delivery loop claims due deliveries under a lease, and logs every attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finch_sandbox.storage.models.base import Base, JsonDoc, UtcDateTime


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookSecret(Base):
    """A signing secret; the newest is current, older ones sign too until `expires_at`."""

    __tablename__ = "webhook_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Null while current; set (now + grace) when a rotation replaces it.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class WebhookEvent(Base):
    __tablename__ = "webhook_events"

    # Insertion order, for listings (many events share one frozen-clock instant).
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The `finch-event-id` (msg_...): one per event, kept across retries and replays.
    id: Mapped[str] = mapped_column(String(40), unique=True)
    connection_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    event_type: Mapped[str] = mapped_column(String(80))
    # The body sent, as a document; serialized the same way on every attempt.
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_webhook_events_listing", "connection_id", "event_type", "seq"),)


class WebhookDelivery(Base):
    """One event to one endpoint: pending until a 2xx (delivered) or the schedule runs out."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_seq: Mapped[int] = mapped_column(
        ForeignKey("webhook_events.seq", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    # pending | delivered | failed
    status: Mapped[str] = mapped_column(String(20))
    # Attempts made in the current round (a replay starts a new round).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)


class WebhookAttempt(Base):
    """One POST: what the receiver answered (or why there was no answer) and how fast."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the next attempt is due after this one (null: delivered, or no attempts left).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
