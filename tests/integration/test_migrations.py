"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    upgrade_to_head,
)
from finch_sandbox.storage.models import Base


def test_migrations_build_the_models_schema(tmp_path: Path) -> None:
    """Run the real migrations (not the fresh-database shortcut) and compare with the models."""
    from alembic import command

    db = make_database(f"sqlite:///{tmp_path / 'm.db'}")
    config = alembic_config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name, value FROM counters").all() == [
            ("connections", 0)
        ]
    upgrade_to_head(db.engine)  # idempotent: a restart migrates nothing
    assert current_revision(db.engine) is not None
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    db.dispose()
    assert diff == []


def test_head_revision_constant_is_the_newest_migration(tmp_path: Path) -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
    db = make_database(f"sqlite:///{tmp_path / 'h.db'}")
    upgrade_to_head(db.engine)
    assert current_revision(db.engine) == HEAD_REVISION
    db.dispose()


def test_a_fresh_database_gets_the_same_schema_without_alembic(tmp_path: Path) -> None:
    db = make_database(f"sqlite:///{tmp_path / 'f.db'}")
    upgrade_to_head(db.engine)
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
        assert conn.exec_driver_sql("SELECT name, value FROM counters").all() == [
            ("connections", 0)
        ]
    assert diff == []
    assert current_revision(db.engine) == HEAD_REVISION
    db.dispose()
