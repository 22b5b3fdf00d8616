"""Sandbox connections (a company at a provider) and the accounts (tokens) that reach them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finch_sandbox.storage.models.base import Base, JsonDoc, UtcDateTime


class Connection(Base):
    """A company/provider pair; owns the company data (both sides) and the connection status."""

    __tablename__ = "connections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(36), index=True)
    entity_id: Mapped[str] = mapped_column(String(36))
    provider_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(40))
    # 63-bit (ids.derive_seed). SQLite's INTEGER is 64-bit already and keeps that declaration.
    seed: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    employee_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Bumped by every publish; lets readers and caches tell one synced state from the next.
    sync_version: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # How this connection's next sandbox jobs end (PUT /sandbox/jobs/configuration).
    job_completion_status: Mapped[str] = mapped_column(
        String(20), default="complete", server_default="complete"
    )
    # Bumped in the same transaction as anything that changes what this connection's callers
    # see (a publish, its status, a disconnect, a job moving): API processes that keep cached
    # answers compare it to tell whether an answer still holds (storage/tracking.py).
    change_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Who the application said the employer is, when a Connect session created the connection.
    customer_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    customer_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    customer_email: Mapped[str | None] = mapped_column(String(255), nullable=True)


class Entity(Base):
    """A legal entity (EIN) of the employer behind a connection. Every connection has at least
    one; a multi-entity employer has several, each with its own company data (the records of
    a multi-entity connection carry their entity's id). `connections.entity_id` is the first."""

    __tablename__ = "entities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    # The id of the entity's company document.
    company_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    source_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Counter(Base):
    """Named counters, e.g. how many connections were created (it orders the seeded companies)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Account(Base):
    """One authentication of the connection: an access token with its type and products."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    token_id: Mapped[str] = mapped_column(String(36))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    authentication_type: Mapped[str] = mapped_column(String(20))
    products: Mapped[list[str]] = mapped_column(JsonDoc)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    # The sandbox login the employer used in Finch Connect (null for API-created accounts).
    username: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
