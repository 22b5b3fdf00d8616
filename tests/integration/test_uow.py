"""Change tracking owned by the unit of work: marked changes are bumped in the transaction,
hooks run inside it, listeners hear about it after it, and a rollback forgets all of it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import pytest

from finch_sandbox.clock import FrozenClock
from finch_sandbox.services import Services
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import upgrade_to_head
from finch_sandbox.storage.models import Counter
from finch_sandbox.storage.uow import UnitOfWork


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    settings = Settings(database_url=database_url, seed=11)
    db = make_database(settings.resolved_database_url)
    upgrade_to_head(db.engine)
    yield Services.build(settings, db, FrozenClock(datetime(2026, 6, 1, tzinfo=UTC)))
    db.dispose()


def new_connection(services: Services) -> str:
    issued = services.connections.create_connection(
        provider_id="gusto", authentication_type=None, products=None, employee_size=2
    )
    return issued.principal.connection_id


def version(services: Services, connection_id: str) -> int:
    with UnitOfWork(services.db) as uow:
        found = uow.connections.change_version(connection_id)
    assert found is not None
    return found


def test_marked_changes_are_bumped_once_per_commit_and_heard_after_it(
    services: Services,
) -> None:
    a, b = new_connection(services), new_connection(services)
    heard: list[dict[str, int]] = []
    services.db.hooks.after_commit.append(lambda versions: heard.append(dict(versions)))
    start_a, start_b = version(services, a), version(services, b)
    with UnitOfWork(services.db, write=True) as uow:
        uow.mark_changed(a)
        uow.mark_changed(a, b)  # twice in one unit is one change
        uow.commit()
    assert version(services, a) == start_a + 1 and version(services, b) == start_b + 1
    assert heard == [{a: start_a + 1, b: start_b + 1}]
    assert uow.committed_versions == heard[0]


def test_a_rollback_forgets_the_marks(services: Services) -> None:
    a = new_connection(services)
    heard: list[Mapping[str, int]] = []
    services.db.hooks.after_commit.append(heard.append)
    start = version(services, a)
    with UnitOfWork(services.db, write=True) as uow:
        uow.mark_changed(a)  # no commit
    with UnitOfWork(services.db, write=True) as uow:
        uow.commit()  # a later unit does not inherit them
    assert version(services, a) == start and heard == []


def test_before_commit_hooks_write_in_the_same_transaction(services: Services) -> None:
    """What the webhook outbox will do: rows written from the events, committed together."""
    a = new_connection(services)
    seen: list[tuple[frozenset[str], tuple[object, ...]]] = []

    def outbox(uow: UnitOfWork, changed: frozenset[str], events: tuple[object, ...]) -> None:
        seen.append((changed, events))
        if "boom" in events:
            raise RuntimeError("the hook failed")
        uow.session.add(Counter(name=f"outbox-{len(seen)}", value=len(events)))

    services.db.hooks.before_commit.append(outbox)
    with UnitOfWork(services.db, write=True) as uow:
        uow.mark_changed(a)
        uow.record_event("individual.updated")
        uow.commit()
    assert seen == [(frozenset({a}), ("individual.updated",))]
    start = version(services, a)
    with pytest.raises(RuntimeError), UnitOfWork(services.db, write=True) as uow:
        uow.mark_changed(a)
        uow.record_event("boom")
        uow.commit()
    with UnitOfWork(services.db) as uow:
        names = {c.name for c in uow.session.query(Counter).all()}
    assert "outbox-1" in names and "outbox-2" not in names
    assert version(services, a) == start, "the failed hook rolled the bump back too"


def test_writes_that_change_what_callers_see_mark_it_themselves(services: Services) -> None:
    """Status, disconnect, a new account, a publish and a job move each bump the version;
    a provider-side edit (invisible until a sync) does not."""
    issued = services.connections.create_connection(
        provider_id="gusto", authentication_type="credential", products=None, employee_size=2
    )
    principal = issued.principal
    cid = principal.connection_id

    def bumped(action: object) -> bool:
        before = version(services, cid)
        assert callable(action)
        action()
        return version(services, cid) > before

    with UnitOfWork(services.db) as uow:
        person = next(iter(uow.records(cid).provider_ids("employee")))
    assert not bumped(
        lambda: services.data_edits.update_individual(principal, person, {"first_name": "X"})
    )
    assert bumped(
        lambda: services.connections.create_account(
            company_id=principal.company_id,
            provider_id="gusto",
            authentication_type="api_token",
            products=None,
        )
    )
    assert bumped(lambda: services.sync.publish(cid))
    assert bumped(lambda: services.connections.set_status(principal, "reauth"))
    assert bumped(lambda: services.sync_jobs.configure(principal, "error"))
    assert bumped(lambda: services.sync_jobs.enqueue_data_sync(principal))
    assert bumped(lambda: services.connections.disconnect(principal))


def test_a_change_a_hook_marks_is_bumped_with_the_rest(services: Services) -> None:
    a, b = new_connection(services), new_connection(services)
    start_b = version(services, b)

    def follow(uow: UnitOfWork, changed: frozenset[str], events: tuple[object, ...]) -> None:
        if a in changed:
            uow.mark_changed(b)

    services.db.hooks.before_commit.append(follow)
    with UnitOfWork(services.db, write=True) as uow:
        uow.mark_changed(a)
        uow.commit()
    assert version(services, b) == start_b + 1
    assert b in uow.committed_versions
