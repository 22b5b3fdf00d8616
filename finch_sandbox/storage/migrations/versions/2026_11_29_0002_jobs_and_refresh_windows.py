"""jobs and refresh windows

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker_id", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_jobs_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_claim", ["status", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_connection_id"), ["connection_id"], unique=False)
        batch_op.create_index(
            "ix_jobs_listing", ["connection_id", "kind", "created_at", "seq"], unique=False
        )
        batch_op.create_index(
            "uq_jobs_one_active_sync",
            ["connection_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('pending', 'in_progress') AND type = 'data_sync_all'"),
            postgresql_where=sa.text(
                "status IN ('pending', 'in_progress') AND type = 'data_sync_all'"
            ),
        )

    op.create_table(
        "refresh_windows",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_refresh_windows_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "window_start", name=op.f("pk_refresh_windows")),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "job_completion_status",
                sa.String(length=20),
                server_default="complete",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("job_completion_status")

    op.drop_table("refresh_windows")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_jobs_one_active_sync",
            sqlite_where=sa.text("status IN ('pending', 'in_progress') AND type = 'data_sync_all'"),
            postgresql_where=sa.text(
                "status IN ('pending', 'in_progress') AND type = 'data_sync_all'"
            ),
        )
        batch_op.drop_index("ix_jobs_listing")
        batch_op.drop_index(batch_op.f("ix_jobs_connection_id"))
        batch_op.drop_index("ix_jobs_claim")

    op.drop_table("jobs")
