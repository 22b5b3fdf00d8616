"""Jobs (durable rows the worker executes) and the per-connection refresh quota windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finch_sandbox.storage.models.base import Base, JsonDoc, UtcDateTime, partial_index

ACTIVE_STATUSES = ("pending", "in_progress")


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    # automated | manual (GET /jobs/automated vs GET /jobs/manual)
    kind: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # When an in-progress job is due to finish (started_at + the configured job duration).
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    worker_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # A worker renews this while it holds the job; past it, another worker may take the job.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Ordering within equal created_at (several jobs in one clock tick under a frozen clock).
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # What the job was asked to do (AutomatedAsyncJob `params`, e.g. {"individual_id": ...}).
    params: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    # What it produced (ManualAsyncJob `body`: per-item results), set when it finishes.
    result: Mapped[Any] = mapped_column(JsonDoc, nullable=True)

    __table_args__ = (
        # Finch runs one data_sync_all per connection at a time; the database enforces it.
        partial_index(
            "uq_jobs_one_active_sync",
            "connection_id",
            unique=True,
            where="status IN ('pending', 'in_progress') AND type = 'data_sync_all'",
        ),
        Index("ix_jobs_claim", "status", "created_at"),
        Index("ix_jobs_listing", "connection_id", "kind", "created_at", "seq"),
    )


class RefreshWindow(Base):
    """How many forced refreshes a connection used in one fixed clock-hour window."""

    __tablename__ = "refresh_windows"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    window_start: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    used: Mapped[int] = mapped_column(Integer)
