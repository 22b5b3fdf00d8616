"""The Alembic migrations build exactly the schema the models describe, on this run's database
(SQLite, or PostgreSQL when FINCH_SANDBOX_TEST_DATABASE_URL is set)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from finch_sandbox.storage.db import Database, make_database
from finch_sandbox.storage.migrate import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    upgrade_to_head,
)
from finch_sandbox.storage.models import Base

NewDatabaseUrl = Callable[..., str]
OpenEmpty = Callable[[str], Database]


@pytest.fixture
def open_empty(new_database_url: NewDatabaseUrl) -> Iterator[OpenEmpty]:
    """`open_empty(name)`: a new database without any schema, closed after the test."""
    opened: list[Database] = []

    def open_(name: str) -> Database:
        opened.append(make_database(new_database_url(name, empty=True)))
        return opened[-1]

    yield open_
    for db in opened:
        db.dispose()


def run_alembic(engine: Engine, verb: str, revision: str) -> None:
    """The real migrations, not upgrade_to_head's fresh-database shortcut."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, revision)


def autogenerate_diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def counters(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text("SELECT name, value FROM counters"))]


def schema_details(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """What autogenerate does not compare: index predicates (the partial indexes) and the
    columns as the database itself reports them (types, nullability, defaults). Alembic's own
    bookkeeping table is left out (its primary key is named differently when stamped by hand)."""
    with engine.connect() as conn:
        details = (
            _postgresql_details(conn)
            if conn.dialect.name == "postgresql"
            else _sqlite_details(conn)
        )
    return {
        key: [row for row in rows if row[0] != "alembic_version"] for key, rows in details.items()
    }


def _postgresql_details(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    indexes = conn.execute(
        text(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() ORDER BY indexname"
        )
    )
    columns = conn.execute(
        text(
            "SELECT table_name, column_name, data_type, character_maximum_length, "
            "is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, column_name"
        )
    )
    return {"indexes": [tuple(r) for r in indexes], "columns": [tuple(r) for r in columns]}


def _sqlite_details(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    indexes = [
        tuple(r)
        for r in conn.execute(
            text(
                "SELECT tbl_name, name, sql FROM sqlite_master "
                "WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
            )
        )
    ]
    tables = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))]
    columns = []
    for table in sorted(tables):
        for _cid, name, type_, notnull, default, pk in conn.execute(
            text(f"PRAGMA table_info('{table}')")
        ):
            columns.append((table, name, type_, notnull, default, pk))
    return {"indexes": indexes, "columns": sorted(columns)}


def test_migrations_build_the_models_schema(open_empty: OpenEmpty) -> None:
    db = open_empty("m")
    run_alembic(db.engine, "upgrade", "head")
    assert counters(db.engine) == [("connections", 0)]
    upgrade_to_head(db.engine)  # idempotent: a restart migrates nothing
    assert current_revision(db.engine) == HEAD_REVISION
    assert autogenerate_diff(db.engine) == []


def test_head_revision_constant_is_the_newest_migration(open_empty: OpenEmpty) -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
    db = open_empty("h")
    upgrade_to_head(db.engine)
    assert current_revision(db.engine) == HEAD_REVISION


def test_a_fresh_database_gets_the_same_schema_without_alembic(open_empty: OpenEmpty) -> None:
    fresh, migrated = open_empty("f"), open_empty("m")
    upgrade_to_head(fresh.engine)
    run_alembic(migrated.engine, "upgrade", "head")
    assert autogenerate_diff(fresh.engine) == []
    assert counters(fresh.engine) == [("connections", 0)]
    assert current_revision(fresh.engine) == HEAD_REVISION
    # Partial index predicates and column defaults too, which autogenerate skips.
    assert schema_details(fresh.engine) == schema_details(migrated.engine)


def test_every_migration_downgrades_and_upgrades_again(open_empty: OpenEmpty) -> None:
    db = open_empty("d")
    run_alembic(db.engine, "upgrade", "head")
    before = schema_details(db.engine)
    run_alembic(db.engine, "downgrade", "base")
    assert current_revision(db.engine) is None
    run_alembic(db.engine, "upgrade", "head")
    assert schema_details(db.engine) == before


def test_existing_connections_get_their_entity(open_empty: OpenEmpty) -> None:
    db = open_empty("e")
    run_alembic(db.engine, "upgrade", "0004")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO connections (id, company_id, entity_id, provider_id, status, seed, "
                "employee_size, created_at, sync_version, job_completion_status, change_version) "
                "VALUES ('c1', 'co1', 'e1', 'gusto', 'connected', 1, 2, '2026-01-01T00:00:00Z', "
                "1, 'complete', 0)"
            )
        )
    run_alembic(db.engine, "upgrade", "head")
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, connection_id, position, company_id, disconnected_at FROM entities")
        ).all()
    assert [tuple(r) for r in rows] == [("e1", "c1", 0, "co1", None)]
