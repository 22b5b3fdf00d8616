"""Finch Connect (sessions, authorization codes) and entities (multi-entity connections)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("source_id", sa.String(length=100), nullable=True),
        sa.Column("disconnected_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_entities_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entities")),
    )
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entities_connection_id"), ["connection_id"], unique=False
        )
    # Every existing connection has the one entity it always reported.
    op.execute(
        "INSERT INTO entities (id, connection_id, position, company_id, name, source_id, "
        "disconnected_at) SELECT entity_id, id, 0, company_id, NULL, NULL, disconnected_at "
        "FROM connections"
    )

    # Plain ADD COLUMNs on both backends: no batch rebuild of large tables.
    op.add_column("records", sa.Column("entity_id", sa.String(length=36), nullable=True))
    op.add_column("accounts", sa.Column("username", sa.String(length=255), nullable=True))
    for name in ("customer_id", "customer_name", "customer_email"):
        op.add_column("connections", sa.Column(name, sa.String(length=255), nullable=True))

    op.create_table(
        "connect_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=True),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("customer_name", sa.String(length=255), nullable=True),
        sa.Column("customer_email", sa.String(length=255), nullable=True),
        sa.Column("products", JSON_DOC, nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=True),
        sa.Column("provider_id", sa.String(length=100), nullable=True),
        sa.Column("auth_method", sa.String(length=20), nullable=True),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("sandbox", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_step", sa.String(length=20), nullable=True),
        sa.Column("pending", JSON_DOC, nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_connect_sessions_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connect_sessions")),
    )
    with op.batch_alter_table("connect_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connect_sessions_connection_id"), ["connection_id"], unique=False
        )

    op.create_table(
        "authorization_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("authentication_type", sa.String(length=20), nullable=False),
        sa.Column("products", JSON_DOC, nullable=False),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_authorization_codes_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["connect_sessions.id"],
            name=op.f("fk_authorization_codes_session_id_connect_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_authorization_codes")),
    )
    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_authorization_codes_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_authorization_codes_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("authorization_codes")
    op.drop_table("connect_sessions")
    for name in ("customer_email", "customer_name", "customer_id"):
        with op.batch_alter_table("connections", schema=None) as batch_op:
            batch_op.drop_column(name)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("username")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("entity_id")
    op.drop_table("entities")
