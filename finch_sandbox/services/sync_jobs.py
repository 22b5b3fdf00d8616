"""The data_sync_all job machinery behind POST /sandbox/jobs and /jobs/automated.

Rules: one pending-or-running sync per connection (asking again returns that job and uses no
quota); otherwise a forced refresh uses one unit of the hourly fixed-window quota; assisted
connections get no job and are synced on the spot; the sandbox job configuration decides how a
connection's next jobs end. The worker (worker/runner.py) executes jobs; `finish` is its one
call back into the rules.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from finch_sandbox.clock import Clock
from finch_sandbox.errors import BadRequest, NotFound, RateLimited
from finch_sandbox.services.documents import W4_SYNC, check_w4_params
from finch_sandbox.services.events import AccountUpdated, JobCompleted
from finch_sandbox.services.job_types import (
    JobContext,
    JobOutcome,
    JobTypes,
    new_job,
)
from finch_sandbox.services.principal import Principal
from finch_sandbox.services.quotas import QuotaPolicy
from finch_sandbox.services.sync import publish
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.models import Job
from finch_sandbox.storage.uow import UnitOfWork

DATA_SYNC_ALL = "data_sync_all"
COMPLETION_STATUSES = ("complete", "error", "reauth_error", "permissions_error")
JOBS_LIST_MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class EnqueueResult:
    """What an enqueue answers: a job (new or already running) and the quota figures.

    `change_version` is the connection's version this answer goes with: the one the enqueue
    committed (`created`), or the one read with the job it found; -1 if not known."""

    job_id: str | None
    created: bool
    allowed_refreshes: int
    remaining_refreshes: int
    change_version: int = -1


class SyncJobService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        quota: QuotaPolicy,
        wake_worker: threading.Event,
        job_types: JobTypes,
    ) -> None:
        self._db = db
        self._clock = clock
        self._quota = quota
        self._wake = wake_worker
        self.job_types = job_types

    # --- enqueue ----------------------------------------------------------------------------

    def enqueue_data_sync(self, principal: Principal) -> EnqueueResult:
        """A forced refresh (`data_sync_all`) for an automated connection."""
        if principal.is_assisted:
            raise BadRequest(
                "cannot create automated job for Assisted Connect token", finch_code=None
            )
        connection_id = principal.connection_id
        for _ in range(3):
            try:
                result = self._enqueue_once(connection_id, self._clock.now())
            except IntegrityError:
                # Another process inserted the connection's sync between our check and insert
                # (PostgreSQL, READ COMMITTED): the unique index kept it single; read it again.
                continue
            if result.created:
                self._wake.set()
            return result
        raise RuntimeError("could not enqueue after repeated conflicts")

    def _enqueue_once(self, connection_id: str, now: datetime) -> EnqueueResult:
        window = self._quota.window_start(now)
        with UnitOfWork(self._db, write=True) as uow:
            jobs = uow.jobs
            jobs.lock_connection(connection_id)
            used = jobs.refreshes_used(connection_id, window)
            active = jobs.active(connection_id, DATA_SYNC_ALL)
            if active is not None:
                version = uow.connections.change_version(connection_id)
                return EnqueueResult(
                    active.id,
                    False,
                    self._quota.allowed,
                    self._quota.remaining(used),
                    -1 if version is None else version,
                )
            if used >= self._quota.allowed:
                raise RateLimited(
                    "The hourly quota of data_sync_all refreshes for this connection is used up",
                    extra={
                        "allowed_refreshes": self._quota.allowed,
                        "remaining_refreshes": 0,
                        "retry_at": self._quota.retry_at(now),
                    },
                )
            job = self._new_job(uow, DATA_SYNC_ALL, connection_id, now)
            jobs.use_refresh(connection_id, window)
            uow.commit()
        return EnqueueResult(
            job.id,
            True,
            self._quota.allowed,
            self._quota.remaining(used + 1),
            uow.committed_versions.get(connection_id, -1),
        )

    def enqueue_w4_sync(self, principal: Principal, params: dict[str, Any] | None) -> EnqueueResult:
        """POST /jobs/automated `w4_form_employee_sync`: a job of its own per request. It uses
        no data_sync_all quota (the answer still reports it, as every enqueue answer does)."""
        if principal.is_assisted:
            raise BadRequest(
                "cannot create automated job for Assisted Connect token", finch_code=None
            )
        job = self.enqueue(principal.connection_id, W4_SYNC, check_w4_params(params))
        now = self._clock.now()
        with UnitOfWork(self._db) as uow:
            used = uow.jobs.refreshes_used(principal.connection_id, self._quota.window_start(now))
        return EnqueueResult(job.id, True, self._quota.allowed, self._quota.remaining(used))

    def enqueue(
        self, connection_id: str, job_type: str, params: dict[str, Any] | None = None
    ) -> Job:
        """A job of any registered type, for the worker to run (no quota, no dedupe: the
        caller's service owns those rules)."""
        with UnitOfWork(self._db, write=True) as uow:
            job = self._new_job(uow, job_type, connection_id, self._clock.now(), params=params)
            uow.commit()
        self._wake.set()
        return job

    def add_finished(
        self,
        connection_id: str,
        *,
        job_id: str,
        job_type: str,
        status: str,
        params: dict[str, Any] | None = None,
    ) -> Job:
        """A job that already ran (a scenario's fixture): listed and readable, never run."""
        registered = self.job_types.get(job_type)
        if registered is None:
            raise BadRequest(f"[body:jobs]: unknown job type '{job_type}'")
        if status not in COMPLETION_STATUSES:
            raise BadRequest(f"[body:jobs]: status must be one of {', '.join(COMPLETION_STATUSES)}")
        with UnitOfWork(self._db, write=True) as uow:
            if uow.jobs.exists(job_id):
                raise BadRequest(f"[body:jobs]: job id '{job_id}' is taken")
            job = new_job(
                uow,
                registered,
                connection_id,
                self._clock.now(),
                params=params,
                status=status,
                job_id=job_id,
            )
            uow.mark_changed(connection_id)
            uow.commit()
        return job

    def _new_job(
        self,
        uow: UnitOfWork,
        job_type: str,
        connection_id: str,
        now: datetime,
        params: dict[str, Any] | None = None,
    ) -> Job:
        registered = self.job_types.get(job_type)
        if registered is None:
            raise ValueError(f"unknown job type {job_type!r}")
        job = new_job(uow, registered, connection_id, now, params=params)
        uow.jobs.notify_enqueued()
        return job

    def sync_assisted(self, principal: Principal) -> EnqueueResult:
        """Assisted connections: no job; the provider side is published before we answer."""
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            publish(uow, principal.connection_id, now)
            used = uow.jobs.refreshes_used(principal.connection_id, self._quota.window_start(now))
            uow.commit()
        return EnqueueResult(None, False, self._quota.allowed, self._quota.remaining(used))

    def quota_window(self) -> datetime:
        """The start of the current quota window (answers that show quota figures vary by it)."""
        return self._quota.window_start(self._clock.now())

    # --- reads ------------------------------------------------------------------------------

    def get_automated(self, principal: Principal, job_id: str) -> Job:
        return self._get(principal, job_id, "automated")

    def get_manual(self, principal: Principal, job_id: str) -> Job:
        return self._get(principal, job_id, "manual")

    def _get(self, principal: Principal, job_id: str, kind: str) -> Job:
        """Another connection's job is as unknown as a job that does not exist."""
        with UnitOfWork(self._db) as uow:
            job = uow.jobs.get(principal.connection_id, job_id, kind)
        if job is None:
            raise NotFound(f"could not find job with id '{job_id}'")
        return job

    def list_automated(
        self, principal: Principal, *, limit: int | None, offset: int | None
    ) -> tuple[list[Job], int, int]:
        limit = JOBS_LIST_MAX_LIMIT if limit is None else limit
        offset = 0 if offset is None else offset
        if not 0 <= limit <= JOBS_LIST_MAX_LIMIT:
            raise BadRequest(f"[query:limit]: must be between 0 and {JOBS_LIST_MAX_LIMIT}")
        if offset < 0:
            raise BadRequest("[query:offset]: must be 0 or more")
        now = self._clock.now()
        with UnitOfWork(self._db) as uow:
            jobs = list(
                uow.jobs.list(principal.connection_id, "automated", limit=limit, offset=offset)
            )
            used = uow.jobs.refreshes_used(principal.connection_id, self._quota.window_start(now))
        return jobs, self._quota.allowed, self._quota.remaining(used)

    # --- configuration ----------------------------------------------------------------------

    def configuration(self, principal: Principal) -> str:
        with UnitOfWork(self._db) as uow:
            connection = uow.connections.get(principal.connection_id)
            assert connection is not None
            return connection.job_completion_status

    def configure(self, principal: Principal, completion_status: str) -> str:
        with UnitOfWork(self._db, write=True) as uow:
            uow.connections.set_job_completion_status(principal.connection_id, completion_status)
            uow.commit()
        return completion_status

    # --- the worker's call back into the rules ----------------------------------------------

    def finish(self, job: Job, *, worker_id: str) -> bool:
        """End a due job in one transaction: its type's handler runs, then the (worker,
        attempt) compare-and-set moves it to the handler's status. False if this worker no
        longer holds the job (the handler's writes are rolled back with it)."""
        now = self._clock.now()
        job_type = self.job_types.get(job.type)
        with UnitOfWork(self._db, write=True) as uow:
            if job_type is None:  # a type this version does not know (never claimed normally)
                outcome = JobOutcome("error")
            else:
                outcome = job_type.handler(JobContext(uow, job, now))
            # Every type, whatever the status: `job.<type>.completed` (discarded with the
            # finish if this worker lost the job).
            uow.record_event(JobCompleted(job.connection_id, job.id, job.type, job.kind))
            if not uow.jobs.finish(
                job, worker_id=worker_id, status=outcome.status, now=now, result=outcome.result
            ):
                return False
            uow.commit()
        return True


def run_data_sync(context: JobContext) -> JobOutcome:
    """`data_sync_all`: ends as the connection's job configuration says. A complete job
    publishes the provider side; any error publishes nothing, and reauth_error also moves the
    connection to `reauth`."""
    uow, job = context.uow, context.job
    connection = uow.connections.get(job.connection_id)
    outcome = connection.job_completion_status if connection is not None else "error"
    if outcome == "complete":
        publish(uow, job.connection_id, context.now)
    elif outcome == "reauth_error" and connection is not None:
        if connection.status != "reauth":
            uow.record_event(AccountUpdated(job.connection_id, "reauth"))
        uow.connections.set_status(job.connection_id, "reauth")
    return JobOutcome(outcome)


def new_sync_job(
    uow: UnitOfWork, job_types: JobTypes, connection_id: str, now: datetime, *, status: str
) -> Job:
    """A `data_sync_all` row; a connection's initial sync is recorded already `complete`."""
    job_type = job_types.get(DATA_SYNC_ALL)
    assert job_type is not None
    return new_job(uow, job_type, connection_id, now, status=status)


def due_time(now: datetime, duration_seconds: float) -> datetime:
    return now + timedelta(seconds=duration_seconds)
