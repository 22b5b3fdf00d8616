"""Run Alembic programmatically (at server start, from the CLI and in tests)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("finch_sandbox.storage") / "migrations")
    )
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema up to date, on the engine's own connection (so in-memory SQLite works)."""
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
