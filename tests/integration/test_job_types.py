"""Job types: the worker dispatches on the registry, for automated and manual jobs alike, and
follows the sandbox clock (a job due after an advance finishes without waiting wall time)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from finch_sandbox.clock import FrozenClock
from finch_sandbox.services import Services
from finch_sandbox.services.job_types import JobContext, JobOutcome, JobType
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import upgrade_to_head
from finch_sandbox.storage.models import Job
from finch_sandbox.storage.uow import UnitOfWork
from finch_sandbox.worker import Worker, WorkerOptions

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def services(database_url: str, clock: FrozenClock) -> Iterator[Services]:
    settings = Settings(database_url=database_url, seed=5, worker=False)
    db = make_database(settings.resolved_database_url)
    upgrade_to_head(db.engine)
    yield Services.build(settings, db, clock)
    db.dispose()


def make_worker(services: Services, *, job_duration: float, poll: float = 60.0) -> Worker:
    """A worker that would sleep a minute between looks unless something wakes it."""
    return Worker(
        services.db,
        services.clock,
        services.sync_jobs,
        wake=services.wake_worker,
        options=WorkerOptions(job_duration=job_duration, lease_seconds=3600, poll_interval=poll),
    )


def job_row(services: Services, job_id: str) -> Job:
    with UnitOfWork(services.db) as uow:
        job = uow.session.get(Job, job_id)
    assert job is not None
    return job


def wait_status(services: Services, job_id: str, status: str, timeout: float = 5.0) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job = job_row(services, job_id)
        if job.status == status or time.monotonic() > deadline:
            return job
        time.sleep(0.01)


def count_enrolled(context: JobContext) -> JobOutcome:
    ids = (context.job.params or {}).get("individual_ids", [])
    body = [{"individual_id": i, "code": 201, "message": "enrolled"} for i in ids]
    context.uow.mark_changed(context.job.connection_id)
    return JobOutcome("complete", result=body)


def test_a_registered_manual_job_is_claimed_run_and_answered(
    services: Services, clock: FrozenClock
) -> None:
    services.job_types.register(JobType("test_enrollment", "manual", count_enrolled))
    issued = services.connections.create_connection(
        provider_id="gusto", authentication_type=None, products=None, employee_size=1
    )
    principal = issued.principal
    job = services.sync_jobs.enqueue(
        principal.connection_id, "test_enrollment", {"individual_ids": ["a", "b"]}
    )
    assert job.kind == "manual"
    worker = make_worker(services, job_duration=0)
    assert worker.run_once()
    done = services.sync_jobs.get_manual(principal, job.id)
    assert done.status == "complete"
    assert done.result == [
        {"individual_id": "a", "code": 201, "message": "enrolled"},
        {"individual_id": "b", "code": 201, "message": "enrolled"},
    ]


def test_unregistered_types_are_left_alone(services: Services) -> None:
    issued = services.connections.create_connection(
        provider_id="gusto", authentication_type=None, products=None, employee_size=1
    )
    services.job_types.register(JobType("later", "manual", count_enrolled))
    job = services.sync_jobs.enqueue(issued.principal.connection_id, "later")
    fresh = Services.build(services.settings, services.db, services.clock)  # knows no "later"
    assert not make_worker(fresh, job_duration=0).run_once()
    assert job_row(services, job.id).status == "pending"


def test_a_job_due_after_an_advance_finishes_without_waiting(
    services: Services, clock: FrozenClock
) -> None:
    """An hour-long job; the worker polls once a minute; advancing the clock wakes it."""
    issued = services.connections.create_connection(
        provider_id="gusto", authentication_type="credential", products=None, employee_size=1
    )
    worker = make_worker(services, job_duration=3600)
    worker.start()
    try:
        result = services.sync_jobs.enqueue_data_sync(issued.principal)
        assert result.job_id is not None
        assert wait_status(services, result.job_id, "in_progress").status == "in_progress"
        time.sleep(0.2)
        assert job_row(services, result.job_id).status == "in_progress"
        clock.advance(timedelta(hours=1))
        started = time.monotonic()
        assert wait_status(services, result.job_id, "complete", 2.0).status == "complete"
        assert time.monotonic() - started < 2.0
    finally:
        worker.stop()
    done = job_row(services, result.job_id)
    assert done.completed_at == START + timedelta(hours=1)


def test_a_worker_finishes_no_job_after_its_lease_ran_out(
    services: Services, clock: FrozenClock
) -> None:
    """Jobs falling due together are finished one transaction each; when finishing takes long,
    the rest have their leases renewed before they are finished, instead of being finished
    past their lease (when another worker may already have taken them over)."""
    seen: list[tuple[datetime, datetime | None]] = []

    def slow(context: JobContext) -> JobOutcome:
        seen.append((context.now, context.job.lease_expires_at))
        clock.advance(timedelta(seconds=2))  # a finish that takes 2 s of a 3 s lease
        return JobOutcome("complete")

    services.job_types.register(JobType("test_slow", "manual", slow))
    jobs = []
    for _ in range(4):
        issued = services.connections.create_connection(
            provider_id="gusto", authentication_type=None, products=None, employee_size=1
        )
        jobs.append(services.sync_jobs.enqueue(issued.principal.connection_id, "test_slow"))
    worker = Worker(
        services.db,
        services.clock,
        services.sync_jobs,
        wake=services.wake_worker,
        options=WorkerOptions(job_duration=0, lease_seconds=3, poll_interval=60),
    )
    passes = 0
    while worker.run_once():
        passes += 1
        assert passes < 20
    assert len(seen) == 4
    for started, lease_until in seen:
        assert lease_until is not None and started <= lease_until, seen
    for job in jobs:
        row = job_row(services, job.id)
        assert (row.status, row.attempts) == ("complete", 1)
