"""The sandbox clock's setting, one row shared by every process of a deployment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from finch_sandbox.storage.models.base import Base, UtcDateTime

# The id of the only row (the migration and a fresh schema insert it).
CLOCK_ROW_ID = 1


class SandboxClockRow(Base):
    """Where the sandbox clock stands (clock.ClockSetting): wall time + `offset_us`, or stopped
    at `frozen_at`; `version` counts the moves."""

    __tablename__ = "sandbox_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Microseconds, exact (an interval type is spelled differently on each backend). 64-bit:
    # 32 bits of microseconds is only 36 minutes. SQLite's INTEGER is 64-bit already.
    offset_us: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    frozen_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint(f"id = {CLOCK_ROW_ID}", name="single_row"),)
