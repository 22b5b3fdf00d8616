"""The data_sync_all job machinery behind POST /sandbox/jobs and /jobs/automated.

Rules: one pending-or-running sync per connection (asking again returns that job and uses no
quota); otherwise a forced refresh uses one unit of the hourly fixed-window quota; assisted
connections get no job and are synced on the spot; the sandbox job configuration decides how a
connection's next jobs end. The worker (worker/runner.py) executes jobs; `finish` is its one
call back into the rules.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from finch_sandbox.clock import Clock
from finch_sandbox.errors import BadRequest, NotFound, RateLimited
from finch_sandbox.ids import new_uuid
from finch_sandbox.services.freshness import Caches
from finch_sandbox.services.principal import Principal
from finch_sandbox.services.quotas import QuotaPolicy
from finch_sandbox.services.sync import publish
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.models import Job
from finch_sandbox.storage.uow import UnitOfWork

COMPLETION_STATUSES = ("complete", "error", "reauth_error", "permissions_error")
JOBS_LIST_MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class EnqueueResult:
    """What an enqueue answers: a job (new or already running) and the quota figures."""

    job_id: str | None
    created: bool
    allowed_refreshes: int
    remaining_refreshes: int


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SyncJobService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        quota: QuotaPolicy,
        wake_worker: threading.Event,
        caches: Caches,
    ) -> None:
        self._db = db
        self._clock = clock
        self._quota = quota
        self._wake = wake_worker
        self._caches = caches
        self._tracker = caches.tracker

    # --- enqueue ----------------------------------------------------------------------------

    def enqueue_data_sync(self, principal: Principal) -> EnqueueResult:
        """A forced refresh (`data_sync_all`) for an automated connection."""
        if principal.is_assisted:
            raise BadRequest(
                "cannot create automated job for Assisted Connect token", finch_code=None
            )
        connection_id = principal.connection_id
        for _ in range(3):
            before = self._tracker.stamp(connection_id)
            now = self._clock.now()
            try:
                result, row_version = self._enqueue_once(connection_id, before, now)
            except IntegrityError:
                # Another process inserted the connection's sync between our check and insert
                # (PostgreSQL, READ COMMITTED): the unique index kept it single; read it again.
                continue
            if result.created:
                self._tracker.touch(connection_id)
                self._wake.set()
                # Callers asking again while this job is active get it back (and no quota
                # used), without the database, unless something else moved meanwhile.
                stamp = self._tracker.written_stamp(connection_id, before, row_version)
                if stamp is not None:
                    again = replace(result, created=False)
                    self._caches.responses.put(
                        self._active_key(connection_id, now), connection_id, stamp, again
                    )
            return result
        raise RuntimeError("could not enqueue after repeated conflicts")

    def _enqueue_once(
        self, connection_id: str, stamp: int, now: datetime
    ) -> tuple[EnqueueResult, int]:
        """The enqueue transaction; returns its answer and the `change_version` it left."""
        window = self._quota.window_start(now)
        with UnitOfWork(self._db, write=True) as uow:
            jobs = uow.jobs
            jobs.lock_connection(connection_id)
            used = jobs.refreshes_used(connection_id, window)
            active = jobs.active_sync(connection_id)
            if active is not None:
                result = EnqueueResult(
                    active.id, False, self._quota.allowed, self._quota.remaining(used)
                )
                # Until this connection changes, asking again gets the same answer.
                self._caches.responses.put(
                    self._active_key(connection_id, now), connection_id, stamp, result
                )
                return result, -1
            if used >= self._quota.allowed:
                raise RateLimited(
                    "The hourly quota of data_sync_all refreshes for this connection is used up",
                    extra={
                        "allowed_refreshes": self._quota.allowed,
                        "remaining_refreshes": 0,
                        "retry_at": iso(self._quota.retry_at(now)),
                    },
                )
            job = new_sync_job(uow, connection_id, now)
            jobs.use_refresh(connection_id, window)
            jobs.notify_enqueued()
            uow.connections.bump_change(connection_id)
            row_version = uow.connections.change_version(connection_id)
            uow.commit()
        result = EnqueueResult(job.id, True, self._quota.allowed, self._quota.remaining(used + 1))
        return result, -1 if row_version is None else row_version

    def sync_assisted(self, principal: Principal) -> EnqueueResult:
        """Assisted connections: no job; the provider side is published before we answer."""
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            publish(uow, principal.connection_id, now)
            used = uow.jobs.refreshes_used(principal.connection_id, self._quota.window_start(now))
            uow.commit()
        self._tracker.touch(principal.connection_id)
        return EnqueueResult(None, False, self._quota.allowed, self._quota.remaining(used))

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
        """End a due job as its connection's configuration says, in one transaction: a complete
        job publishes the provider side; any error publishes nothing, and reauth_error also
        moves the connection to `reauth`. False if this worker no longer holds the job."""
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            connection = uow.connections.get(job.connection_id)
            outcome = connection.job_completion_status if connection is not None else "error"
            if not uow.jobs.finish(
                job.id, worker_id=worker_id, attempt=job.attempts, status=outcome, now=now
            ):
                return False
            if outcome == "complete":
                publish(uow, job.connection_id, now)
            else:
                uow.connections.bump_change(job.connection_id)
                if outcome == "reauth_error":
                    uow.connections.set_status(job.connection_id, "reauth")
            uow.commit()
        self._tracker.touch(job.connection_id)
        return True

    def claimed(self, connection_ids: set[str]) -> None:
        """The worker moved these connections' jobs to in_progress."""
        for connection_id in connection_ids:
            self._tracker.touch(connection_id)

    def cached_enqueue(
        self, principal: Principal, seen: dict[str, int] | None = None
    ) -> EnqueueResult | None:
        """The answer to an enqueue while a known job is still active, without the database."""
        if principal.is_assisted:
            return None
        hit = self._caches.responses.get(self._active_key(principal.connection_id), seen)
        return hit if isinstance(hit, EnqueueResult) else None

    def _active_key(self, connection_id: str, now: datetime | None = None) -> tuple[str, ...]:
        # Per quota window: the remaining-refreshes figure in the answer resets with it.
        window = self._quota.window_start(now or self._clock.now())
        return ("active", connection_id, window.isoformat())


def new_sync_job(
    uow: UnitOfWork, connection_id: str, now: datetime, *, status: str = "pending"
) -> Job:
    """A `data_sync_all` row; a connection's initial sync is recorded already `complete`."""
    job = Job(
        id=new_uuid(),
        connection_id=connection_id,
        kind="automated",
        type="data_sync_all",
        status=status,
        created_at=now,
        attempts=0,
        seq=uow.jobs.next_seq(connection_id),
    )
    if status == "complete":
        job.started_at = job.completed_at = now
    uow.jobs.add(job)
    return job


def job_wire(job: Job, base_url: str) -> dict[str, Any]:
    """An `AutomatedAsyncJob`."""
    return {
        "job_id": job.id,
        "job_url": job_url(base_url, job.id),
        "type": job.type,
        "status": job.status,
        "created_at": iso(job.created_at),
        "scheduled_at": iso(job.scheduled_at),
        "started_at": iso(job.started_at),
        "completed_at": iso(job.completed_at),
        "params": None,
    }


def job_url(base_url: str, job_id: str) -> str:
    return f"{base_url.rstrip('/')}/jobs/automated/{job_id}"


def due_time(now: datetime, duration_seconds: float) -> datetime:
    return now + timedelta(seconds=duration_seconds)
