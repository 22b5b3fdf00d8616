"""The outbox is written in the writer's own transaction: committed together, or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from finch_sandbox.clock import FrozenClock
from finch_sandbox.services import Services
from finch_sandbox.services.events import AccountUpdated
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import upgrade_to_head
from finch_sandbox.storage.uow import UnitOfWork


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    db = make_database(database_url)
    upgrade_to_head(db.engine)
    settings = Settings(database_url=database_url, webhook_urls="http://127.0.0.1:9/hook")
    built = Services.build(settings, db, FrozenClock(datetime(2026, 6, 1, tzinfo=UTC)))
    built.webhooks.setup()
    yield built
    db.dispose()


def test_a_rolled_back_write_leaves_no_event(services: Services) -> None:
    issued = services.connections.create_connection(
        provider_id="gusto", authentication_type=None, products=["directory"], employee_size=3
    )
    cid = issued.principal.connection_id
    assert [e.event_type for e in services.webhooks.events(connection_id=cid)] == [
        "job.initial_data_sync_org.succeeded"
    ]
    with pytest.raises(RuntimeError), UnitOfWork(services.db, write=True) as uow:
        uow.connections.set_status(cid, "reauth")
        uow.record_event(AccountUpdated(cid, "reauth"))
        raise RuntimeError("the write fails before it commits")
    assert len(services.webhooks.events(connection_id=cid)) == 1
    with UnitOfWork(services.db, write=True) as uow:
        uow.connections.set_status(cid, "reauth")
        uow.record_event(AccountUpdated(cid, "reauth"))
        uow.commit()
    (newest, _) = services.webhooks.events(connection_id=cid)
    assert newest.event_type == "account.updated"
    (delivery,) = newest.deliveries
    assert delivery.status == "pending" and delivery.url == "http://127.0.0.1:9/hook"


def test_a_second_service_on_one_database_does_not_write_events_twice(
    services: Services,
) -> None:
    again = Services.build(services.settings, services.db, services.clock)
    issued = again.connections.create_connection(
        provider_id="gusto", authentication_type=None, products=["directory"], employee_size=3
    )
    assert len(again.webhooks.events(connection_id=issued.principal.connection_id)) == 1
