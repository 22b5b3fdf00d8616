"""benefits and benefit_enrollments: company deductions/contributions and who is enrolled

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-02

Benefits live on one side only (see storage/models/benefits.py): Finch's benefit reads and
writes are live requests to the provider, so these rows are read by `/employer/benefits*` and
by the provider's payroll runs without a sync.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "benefits",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=True),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("frequency", sa.String(length=20), nullable=True),
        sa.Column("company_contribution", _json(), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_benefits_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "id", name=op.f("pk_benefits")),
    )
    op.create_table(
        "benefit_enrollments",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("benefit_id", sa.String(length=36), nullable=False),
        sa.Column("individual_id", sa.String(length=36), nullable=False),
        sa.Column("configuration", _json(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("totals", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id", "benefit_id"],
            ["benefits.connection_id", "benefits.id"],
            name=op.f("fk_benefit_enrollments_connection_id_benefits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "connection_id", "benefit_id", "individual_id", name=op.f("pk_benefit_enrollments")
        ),
    )


def downgrade() -> None:
    op.drop_table("benefit_enrollments")
    op.drop_table("benefits")
