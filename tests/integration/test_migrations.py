"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import current_revision, upgrade_to_head
from finch_sandbox.storage.models import Base


def test_upgrade_to_head_matches_the_models(tmp_path: Path) -> None:
    db = make_database(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade_to_head(db.engine)
    upgrade_to_head(db.engine)  # idempotent: a restart migrates nothing
    assert current_revision(db.engine) is not None
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    db.dispose()
    assert diff == []
