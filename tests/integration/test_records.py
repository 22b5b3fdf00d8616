"""The two sides of the data at the storage layer: edits are provider-side only, and a
publish is atomic — a reader sees all of a sync or none of it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from finch_sandbox.clock import FrozenClock
from finch_sandbox.services import Services
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import upgrade_to_head
from finch_sandbox.storage.uow import UnitOfWork


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    settings = Settings(database_url=database_url, seed=7)
    db = make_database(settings.resolved_database_url)
    upgrade_to_head(db.engine)
    yield Services.build(settings, db, FrozenClock(datetime(2026, 6, 1, tzinfo=UTC)))
    db.dispose()


def test_publish_copies_only_what_changed(services: Services) -> None:
    issued = services.connections.create_connection(
        provider_id="gusto", authentication_type=None, products=None, employee_size=50
    )
    principal = issued.principal
    with UnitOfWork(services.db) as uow:
        ids = list(uow.records(principal.connection_id).provider_ids("employee"))
    services.data_edits.update_individual(principal, ids[3], {"first_name": "Edited"})
    services.data_edits.update_employment(principal, ids[4], {"title": "Edited Title"})
    with UnitOfWork(services.db, write=True) as uow:
        changed = uow.records(principal.connection_id).publish()
        uow.commit()
    assert [(c.kind, c.record_id) for c in changed] == [("employee", ids[3]), ("employee", ids[4])]
    assert all(c.before is not None and c.after is not None for c in changed)
    with UnitOfWork(services.db) as uow:
        records = uow.records(principal.connection_id)
        assert records.synced_doc("employee", ids[3])["individual"]["first_name"] == "Edited"  # type: ignore[index]
        assert records.synced_doc("employee", ids[4])["employment"]["title"] == "Edited Title"  # type: ignore[index]


def test_a_reader_sees_all_of_a_sync_or_none_of_it(services: Services) -> None:
    principal = services.connections.create_connection(
        provider_id="gusto", authentication_type=None, products=None, employee_size=30
    ).principal
    with UnitOfWork(services.db) as uow:
        ids = list(uow.records(principal.connection_id).provider_ids("employee"))
    for i in ids:
        services.data_edits.update_individual(principal, i, {"preferred_name": "after"})

    with UnitOfWork(services.db) as reader:
        records = reader.records(principal.connection_id)
        first = records.synced_docs_by_id("employee", ids[:1])
        # A sync lands while this reader's transaction is open...
        done = threading.Event()

        def sync() -> None:
            services.sync.publish(principal.connection_id)
            done.set()

        threading.Thread(target=sync).start()
        assert done.wait(10)
        rest = records.synced_docs_by_id("employee", ids)
        # ...and the reader still sees one state only: the one before it.
        names = {doc["individual"]["preferred_name"] for doc in rest.values()}
        assert names != {"after"} and "after" not in names
        assert first[ids[0]] == rest[ids[0]]
    with UnitOfWork(services.db) as fresh:
        docs = fresh.records(principal.connection_id).synced_docs_by_id("employee", ids)
        assert {doc["individual"]["preferred_name"] for doc in docs.values()} == {"after"}
