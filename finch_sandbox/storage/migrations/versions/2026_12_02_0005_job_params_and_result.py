"""jobs.params and jobs.result: what a job of any type was asked to do and what it produced

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Job types other than data_sync_all take parameters (w4_form_employee_sync: an individual) and
manual jobs answer a `body` of per-item results (GET /jobs/manual/{job_id}).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Plain ADD COLUMNs on both backends (a batch rebuild of `jobs` on SQLite is not needed).
    op.add_column("jobs", sa.Column("params", _json(), nullable=True))
    op.add_column("jobs", sa.Column("result", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("result")
        batch_op.drop_column("params")
