"""connections.seed holds 63-bit seeds: BIGINT on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

SQLite's INTEGER is already 64-bit, so the column stays as it is there (a batch rebuild of
`connections` would also drop it under foreign keys, cascading to every referencing row).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "connections",
            "seed",
            type_=sa.BigInteger(),
            existing_type=sa.Integer(),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Fails if any seed needs more than 32 bits, which is nearly all of them.
        op.alter_column(
            "connections",
            "seed",
            type_=sa.Integer(),
            existing_type=sa.BigInteger(),
            existing_nullable=False,
        )
