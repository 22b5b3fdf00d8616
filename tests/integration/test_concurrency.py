"""Concurrent writers and readers at the storage layer, on this run's database.

SQLite serializes every write transaction (BEGIN IMMEDIATE); on PostgreSQL writers run under
READ COMMITTED, so the units of work lock per tenant instead. These tests pin what both must
give: no lost update, no value handed out twice, no half-migrated database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from finch_sandbox.clock import FrozenClock
from finch_sandbox.services import Services
from finch_sandbox.services.principal import Principal
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import HEAD_REVISION, current_revision, upgrade_to_head
from finch_sandbox.storage.models import Counter
from finch_sandbox.storage.uow import UnitOfWork

T = TypeVar("T")
THREADS = 8


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    settings = Settings(database_url=database_url, seed=11)
    db = make_database(settings.resolved_database_url)
    upgrade_to_head(db.engine)
    yield Services.build(settings, db, FrozenClock(datetime(2026, 6, 1, tzinfo=UTC)))
    db.dispose()


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run `work(0..count-1)` in threads released together; re-raise the first failure."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    assert len(results) == count, "a thread did not finish"
    return [results[i] for i in range(count)]


def new_connection(services: Services) -> Principal:
    return services.connections.create_connection(
        provider_id="gusto", authentication_type=None, products=None, employee_size=5
    ).principal


def test_concurrent_merges_into_one_individual_lose_nothing(services: Services) -> None:
    principal = new_connection(services)
    with UnitOfWork(services.db) as uow:
        person = uow.records(principal.connection_id).provider_ids("employee")[0]
    keys = ["first_name", "middle_name", "last_name", "preferred_name", "gender", "ethnicity"]
    for round_ in range(3):
        all_at_once(
            len(keys),
            lambda i, round_=round_: services.data_edits.update_individual(  # type: ignore[misc]
                principal, person, {keys[i]: f"{keys[i]}-{round_}"}
            ),
        )
        with UnitOfWork(services.db) as uow:
            doc = uow.records(principal.connection_id).provider_doc("employee", person)
        assert doc is not None
        # Each merge read the document the previous one wrote: every key kept its new value.
        assert {k: doc["individual"][k] for k in keys} == {k: f"{k}-{round_}" for k in keys}


def test_concurrent_directory_creates_get_distinct_positions(services: Services) -> None:
    principal = new_connection(services)
    created = all_at_once(
        THREADS,
        lambda i: services.data_edits.create_directory(principal, [{"first_name": f"New{i}"}]),
    )
    new_ids = {people[0]["id"] for people in created}
    assert len(new_ids) == THREADS
    with UnitOfWork(services.db) as uow:
        ids = list(uow.records(principal.connection_id).provider_ids("employee"))
    assert len(ids) == 5 + THREADS and set(ids) >= new_ids


def test_concurrent_connection_creation_numbers_each_company_once(services: Services) -> None:
    principals = all_at_once(THREADS, lambda _i: new_connection(services))
    with UnitOfWork(services.db, write=True) as uow:
        taken = uow.connections.next_in_sequence("connections")
        seeds = {uow.connections.get(p.connection_id).seed for p in principals}  # type: ignore[union-attr]
    assert taken == THREADS
    # Seeds derive from the ordinal: one company per ordinal.
    assert len(seeds) == THREADS


def test_a_counter_hands_out_each_value_once(services: Services) -> None:
    def take(_index: int) -> list[int]:
        values = []
        for _ in range(20):
            with UnitOfWork(services.db, write=True) as uow:
                values.append(uow.connections.next_in_sequence("connections"))
                uow.commit()
        return values

    values = [v for chunk in all_at_once(THREADS, take) for v in chunk]
    assert sorted(values) == list(range(THREADS * 20))


@pytest.mark.postgres
def test_a_read_unit_cannot_write(services: Services) -> None:
    with UnitOfWork(services.db) as uow, pytest.raises(DBAPIError, match="read-only"):
        uow.session.execute(update(Counter).values(value=Counter.value + 1))


@pytest.mark.postgres
def test_servers_starting_together_migrate_once(new_database_url: Callable[..., str]) -> None:
    url = new_database_url("concurrent", empty=True)
    databases = [make_database(url) for _ in range(4)]
    try:
        all_at_once(len(databases), lambda i: upgrade_to_head(databases[i].engine))
        assert current_revision(databases[0].engine) == HEAD_REVISION
        with UnitOfWork(databases[0]) as uow:
            counters: list[Any] = list(uow.session.query(Counter.name, Counter.value))
        assert [tuple(c) for c in counters] == [("connections", 0)]
    finally:
        for db in databases:
            db.dispose()
