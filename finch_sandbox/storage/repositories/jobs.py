"""SQL for jobs and refresh windows: enqueue, claim by compare-and-set, leases, finishing.

No business rules here; services/sync_jobs.py and worker/ decide what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from finch_sandbox.storage.models import Connection, Job, RefreshWindow
from finch_sandbox.storage.models.jobs import ACTIVE_STATUSES

# PostgreSQL channel on which enqueues wake the workers of every process.
JOBS_CHANNEL = "finch_sandbox_jobs"


def _ignore(*_connection_ids: str) -> None:
    pass


class JobRepository:
    """A job's rows are what GET /jobs/* answer, so every method that adds or moves a job
    marks its connection changed (through the unit of work's `mark_changed`)."""

    def __init__(self, session: Session, mark_changed: Callable[..., None] = _ignore) -> None:
        self._session = session
        self._mark_changed = mark_changed

    # --- per connection (tenant-scoped reads) -----------------------------------------------

    def lock_connection(self, connection_id: str) -> None:
        """Serialize enqueues of one connection: the per-tenant write lock on PostgreSQL (the
        same row lock a write unit takes before touching the tenant's records, see uow.py);
        SQLite's write transaction already holds the database lock. Under READ COMMITTED the
        statements after it see every job committed before it was granted."""
        self._session.execute(
            select(Connection.id)
            .where(Connection.id == connection_id)
            .with_for_update(key_share=True)
        )

    def active(self, connection_id: str, job_type: str) -> Job | None:
        """The connection's pending or running job of this type, if any."""
        return self._session.scalar(
            select(Job).where(
                Job.connection_id == connection_id,
                Job.type == job_type,
                Job.status.in_(ACTIVE_STATUSES),
            )
        )

    def get(self, connection_id: str, job_id: str, kind: str) -> Job | None:
        return self._session.scalar(
            select(Job).where(
                Job.id == job_id, Job.connection_id == connection_id, Job.kind == kind
            )
        )

    def list(self, connection_id: str, kind: str, *, limit: int, offset: int) -> Sequence[Job]:
        return self._session.scalars(
            select(Job)
            .where(Job.connection_id == connection_id, Job.kind == kind)
            .order_by(Job.created_at.desc(), Job.seq.desc())
            .limit(limit)
            .offset(offset)
        ).all()

    def exists(self, job_id: str) -> bool:
        return self._session.get(Job, job_id) is not None

    def delete_all(self, connection_id: str) -> None:
        """Drop a retired connection's jobs (a scenario reuses their fixed ids)."""
        self._mark_changed(connection_id)
        self._session.execute(
            delete(Job)
            .where(Job.connection_id == connection_id)
            .execution_options(synchronize_session=False)
        )

    def add(self, job: Job) -> None:
        self._session.add(job)
        self._session.flush()
        self._mark_changed(job.connection_id)

    def notify_enqueued(self) -> None:
        """Wake workers in other processes once this transaction commits (PostgreSQL only)."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(select(func.pg_notify(JOBS_CHANNEL, "")))

    def next_seq(self, connection_id: str) -> int:
        current = self._session.scalar(
            select(func.max(Job.seq)).where(Job.connection_id == connection_id)
        )
        return 0 if current is None else int(current) + 1

    # --- quota windows ----------------------------------------------------------------------

    def refreshes_used(self, connection_id: str, window_start: datetime) -> int:
        used = self._session.scalar(
            select(RefreshWindow.used).where(
                RefreshWindow.connection_id == connection_id,
                RefreshWindow.window_start == window_start,
            )
        )
        return int(used or 0)

    def use_refresh(self, connection_id: str, window_start: datetime) -> None:
        changed = self._session.execute(
            update(RefreshWindow)
            .where(
                RefreshWindow.connection_id == connection_id,
                RefreshWindow.window_start == window_start,
            )
            .values(used=RefreshWindow.used + 1)
        ).rowcount  # type: ignore[attr-defined]
        if not changed:
            self._session.add(
                RefreshWindow(connection_id=connection_id, window_start=window_start, used=1)
            )
            self._session.flush()

    # --- worker side ------------------------------------------------------------------------

    def claimable(
        self, now: datetime, limit: int, *, types: Collection[str], lock: bool = True
    ) -> Sequence[tuple[str, str]]:
        """(job id, connection id) of pending jobs of these types (automated and manual
        alike), and of in-progress ones whose worker stopped renewing its lease."""
        stmt = (
            select(Job.id, Job.connection_id)
            .where(
                or_(
                    Job.status == "pending",
                    (Job.status == "in_progress") & (Job.lease_expires_at < now),
                ),
                Job.type.in_(sorted(types)),
            )
            .order_by(Job.created_at, Job.seq)
            .limit(limit)
        )
        if lock:
            # PostgreSQL: claimers skip each other's rows instead of queueing on them.
            stmt = stmt.with_for_update(skip_locked=True)
        return [(row[0], row[1]) for row in self._session.execute(stmt).all()]

    def claim(
        self,
        job_id: str,
        connection_id: str,
        *,
        worker_id: str,
        now: datetime,
        due_at: datetime,
        lease_until: datetime,
    ) -> bool:
        """Compare-and-set: only one claimer can move a given job to this worker."""
        result = self._session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                or_(
                    Job.status == "pending",
                    (Job.status == "in_progress") & (Job.lease_expires_at < now),
                ),
            )
            .values(
                status="in_progress",
                worker_id=worker_id,
                # A job taken over from a dead worker keeps its original start time.
                started_at=func.coalesce(Job.started_at, now),
                due_at=due_at,
                lease_expires_at=lease_until,
                attempts=Job.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        won = bool(result.rowcount)  # type: ignore[attr-defined]
        if won:
            self._mark_changed(connection_id)
        return won

    def renew_leases(self, worker_id: str, lease_until: datetime) -> None:
        self._session.execute(
            update(Job)
            .where(Job.worker_id == worker_id, Job.status == "in_progress")
            .values(lease_expires_at=lease_until)
            .execution_options(synchronize_session=False)
        )

    def due_jobs(self, worker_id: str, now: datetime) -> Sequence[Job]:
        return self._session.scalars(
            select(Job)
            .where(Job.worker_id == worker_id, Job.status == "in_progress", Job.due_at <= now)
            .order_by(Job.due_at)
        ).all()

    def next_due_at(self, worker_id: str) -> datetime | None:
        return self._session.scalar(
            select(func.min(Job.due_at)).where(
                Job.worker_id == worker_id, Job.status == "in_progress"
            )
        )

    def finish(
        self,
        job: Job,
        *,
        worker_id: str,
        status: str,
        now: datetime,
        result: Any = None,
    ) -> bool:
        """Compare-and-set on (worker, attempt): a worker that lost its lease cannot finish.
        `result` is the job's outcome body (a manual job's `body`), None for none."""
        changed = self._session.execute(
            update(Job)
            .where(
                Job.id == job.id,
                Job.status == "in_progress",
                Job.worker_id == worker_id,
                Job.attempts == job.attempts,
            )
            .values(status=status, completed_at=now, lease_expires_at=None, result=result)
            .execution_options(synchronize_session=False)
        )
        won = bool(changed.rowcount)  # type: ignore[attr-defined]
        if won:
            self._mark_changed(job.connection_id)
        return won

    def release(self, worker_id: str) -> set[str]:
        """Graceful stop: hand this worker's unfinished jobs back to the queue.

        Returns the connections whose jobs were released."""
        held = set(
            self._session.scalars(
                select(Job.connection_id).where(
                    Job.worker_id == worker_id, Job.status == "in_progress"
                )
            )
        )
        self._session.execute(
            update(Job)
            .where(Job.worker_id == worker_id, Job.status == "in_progress")
            .values(status="pending", worker_id=None, lease_expires_at=None, due_at=None)
            .execution_options(synchronize_session=False)
        )
        self._mark_changed(*held)
        return held
