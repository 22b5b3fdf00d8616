"""The job types the worker knows, and what finishing a job of each type does.

Automated and manual jobs share one table (`jobs`) and one machinery: enqueue inserts a
`pending` row; the worker claims it by compare-and-set under a renewed lease, keeps it
`in_progress` for the configured job duration, then finishes it in one transaction in which
the type's handler runs and the (worker, attempt) compare-and-set moves the row to the
handler's terminal status. A lost lease rolls the handler's writes back with the finish.

How to add a job type (say `w4_form_employee_sync`):

1. Write its handler, in the service module that owns its rules:

       def run_w4_sync(job: JobContext) -> JobOutcome:
           ...  # read and write through job.uow; mark what callers see as changed
           return JobOutcome("complete")               # or "error", with result=... if any

   It runs inside the finishing transaction; the job row is `job.job` (with `params`), the
   sandbox time is `job.now`. Writes through repository methods that change what callers see
   mark the connection changed themselves; otherwise call `job.uow.mark_changed(...)`.
   Raising rolls the finish back and the job is retried after its lease runs out.
2. Register it in `default_job_types()` below:
   `types.register(JobType("w4_form_employee_sync", "automated", run_w4_sync))`
   (`"manual"` for jobs answered by GET /jobs/manual/{job_id}: their `result` is the `body`).
3. Enqueue it from its service with `SyncJobService.enqueue(connection_id, "<name>", params)`
   (or `new_job(uow, types.get(name), ...)` inside a larger transaction), and accept the name
   where the API takes a job type. Nothing in the worker or the repository changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from finch_sandbox.ids import new_uuid
from finch_sandbox.storage.models import Job
from finch_sandbox.storage.uow import UnitOfWork

JobKind = Literal["automated", "manual"]
TERMINAL_STATUSES = frozenset({"complete", "error", "reauth_error", "permissions_error"})


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler gets: the finishing unit of work, the job row and the sandbox time."""

    uow: UnitOfWork
    job: Job
    now: datetime


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """How the job ends: a terminal status and, for manual jobs, the `body` it answers."""

    status: str
    result: Any = None

    def __post_init__(self) -> None:
        if self.status not in TERMINAL_STATUSES:
            raise ValueError(f"{self.status!r} is not a terminal job status")


JobHandler = Callable[[JobContext], JobOutcome]


@dataclass(frozen=True, slots=True)
class JobType:
    name: str  # the wire `type`
    kind: JobKind  # which of /jobs/automated or /jobs/manual answers it
    handler: JobHandler


class JobTypes:
    """The registry the worker dispatches on: by the `type` stored on each job row."""

    def __init__(self) -> None:
        self._types: dict[str, JobType] = {}

    def register(self, job_type: JobType) -> JobType:
        if job_type.name in self._types:
            raise ValueError(f"job type {job_type.name!r} is already registered")
        self._types[job_type.name] = job_type
        return job_type

    def get(self, name: str) -> JobType | None:
        return self._types.get(name)

    def names(self) -> frozenset[str]:
        return frozenset(self._types)

    def __contains__(self, name: object) -> bool:
        return name in self._types


def new_job(
    uow: UnitOfWork,
    job_type: JobType,
    connection_id: str,
    now: datetime,
    *,
    params: dict[str, Any] | None = None,
    status: str = "pending",
    job_id: str | None = None,
) -> Job:
    """Insert a job row of this type (`pending` for the worker, or already terminal); a
    scenario may fix its id."""
    job = Job(
        id=job_id or new_uuid(),
        connection_id=connection_id,
        kind=job_type.kind,
        type=job_type.name,
        status=status,
        created_at=now,
        attempts=0,
        seq=uow.jobs.next_seq(connection_id),
        params=params,
    )
    if status in TERMINAL_STATUSES:
        job.started_at = job.completed_at = now
    uow.jobs.add(job)
    return job


def default_job_types() -> JobTypes:
    """Every job type this sandbox runs. Add new ones here (see the module docstring)."""
    from finch_sandbox.services.benefits import register_job_types as register_benefit_jobs
    from finch_sandbox.services.documents import W4_SYNC, run_w4_sync
    from finch_sandbox.services.sync_jobs import DATA_SYNC_ALL, run_data_sync

    types = JobTypes()
    types.register(JobType(DATA_SYNC_ALL, "automated", run_data_sync))
    types.register(JobType(W4_SYNC, "automated", run_w4_sync))
    register_benefit_jobs(types)
    return types
