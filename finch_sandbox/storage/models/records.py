"""Company data as documents, each with a provider side and a synced side.

The provider side is what the emulated payroll system holds (the /sandbox/* edits write it);
the synced side is what Finch last pulled (the /employer/* reads serve it). `dirty` marks rows
whose sides differ, so a sync touches only what changed and runs in one transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finch_sandbox.storage.models.base import Base, JsonDoc, partial_index


class Record(Base):
    __tablename__ = "records"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    # company | employee | payment | pay_statement | pay_group (storage needs no migration)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The entity the document belongs to on a multi-entity connection; null when the
    # connection has a single entity (then every document is that entity's).
    entity_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The payment a pay statement belongs to; null for other kinds.
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    # The pay date of a payment, YYYY-MM-DD, which GET /employer/payment filters on.
    sort_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    provider_doc: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    synced_doc: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    dirty: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_records_listing", "connection_id", "kind", "parent_id", "position"),
        # The synced side's listings and counts, answered from the index alone.
        partial_index(
            "ix_records_synced",
            "connection_id",
            "kind",
            "parent_id",
            "position",
            where="synced_doc IS NOT NULL",
        ),
        # Spelled as the ORM renders `dirty == True`, so the planners match it.
        partial_index(
            "ix_records_dirty", "connection_id", where="dirty = true", sqlite_where="dirty = 1"
        ),
    )
