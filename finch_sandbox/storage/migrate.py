"""Run Alembic programmatically (at server start, from the CLI and in tests).

Alembic takes longer to import than the rest of the server; a database already at the newest
revision is recognised with one query and Alembic is not loaded at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, insert, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration's revision; tests/integration/test_migrations.py keeps it honest.
HEAD_REVISION = "0011"

# Key of the PostgreSQL advisory lock that makes concurrent upgrades take turns ("finch").
MIGRATION_LOCK_KEY = 0x66696E6368


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("finch_sandbox.storage") / "migrations")
    )
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema up to date, on the engine's own connection (so in-memory SQLite works).

    An empty database gets the models' schema directly, stamped at the newest revision (the
    migration test proves the two schemas are the same); Alembic runs only to upgrade a
    database that already has data.
    """
    if current_revision(engine) == HEAD_REVISION:
        return
    with _migration_lock(engine):
        # Looked at again under the lock: another process may have just migrated.
        revision = current_revision(engine)
        if revision == HEAD_REVISION:
            return
        if revision is None and _is_empty(engine):
            _create_fresh(engine)
            return
        from alembic import command

        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, several server processes start at once against one database: the first
    migrates, the others wait here and then find nothing to do. (One SQLite file is served by
    one process; an in-memory one has a single connection to lock with.)"""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not inspect(conn).get_table_names()


def _create_fresh(engine: Engine) -> None:
    from finch_sandbox.storage.models import Base, Counter, SandboxClockRow
    from finch_sandbox.storage.models.base import postgresql_conditions

    if engine.dialect.name == "postgresql":
        postgresql_conditions(Base.metadata)
    with engine.begin() as conn:
        # The database was just found empty: no need to ask about each table first.
        Base.metadata.create_all(conn, checkfirst=False)
        # What the migrations insert besides the schema.
        conn.execute(insert(Counter), [{"name": "connections", "value": 0}])
        conn.execute(insert(SandboxClockRow).values(id=1, offset_us=0, frozen_at=None, version=0))
        conn.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        )
        conn.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": HEAD_REVISION}
        )


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
