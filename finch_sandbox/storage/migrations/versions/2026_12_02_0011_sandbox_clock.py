"""sandbox_clock: the sandbox clock's setting, one row shared by every process

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

A move made through any API process is seen by the next request to any other, and by the
workers; a restart keeps it. The row starts at wall time (offset 0, not frozen).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "offset_us", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_sandbox_clock_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_clock")),
    )
    op.bulk_insert(
        sa.table(
            "sandbox_clock",
            sa.column("id", sa.Integer),
            sa.column("offset_us", sa.BigInteger),
            sa.column("frozen_at", sa.DateTime(timezone=True)),
            sa.column("version", sa.Integer),
        ),
        [{"id": 1, "offset_us": 0, "frozen_at": None, "version": 0}],
    )


def downgrade() -> None:
    op.drop_table("sandbox_clock")
