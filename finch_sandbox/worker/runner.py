"""The job worker: claim due jobs by compare-and-set, hold them under a renewed lease, and
finish them when their configured duration has passed.

One loop serves many jobs at once: an in-progress job is a row with a due time, not a thread,
so a worker with a hundred running syncs costs one loop. Jobs left by a worker that died (its
lease ran out) are taken over; the finish is a compare-and-set on (worker, attempt), so a job
is published at most once.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from finch_sandbox.clock import Clock, read_scope
from finch_sandbox.services.sync_jobs import SyncJobService, due_time
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.uow import UnitOfWork
from finch_sandbox.worker.wake import Waker, make_waker

log = logging.getLogger(__name__)

CLAIM_BATCH = 32


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    job_duration: float = 1.0
    lease_seconds: float = 5.0
    poll_interval: float = 0.25


class Worker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        jobs: SyncJobService,
        *,
        wake: threading.Event,
        options: WorkerOptions,
    ) -> None:
        self._db = db
        self._clock = clock
        self._jobs = jobs
        self._wake = wake
        self._waker: Waker | None = None
        self._options = options
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # A moved sandbox clock may make a held job due now: look again at once.
        self._stop_listening = clock.on_move(self._clock_moved)
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="finch-sandbox-worker", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: leave the loop, then hand unfinished jobs back to the queue."""
        self._stop.set()
        self._stop_listening()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with UnitOfWork(self._db, write=True) as uow:
            released = uow.jobs.release(self.worker_id)
            uow.commit()
        if released:
            log.info(
                "released the jobs of %d connection(s)",
                len(released),
                extra={"worker_id": self.worker_id},
            )

    def _clock_moved(self) -> None:
        waker = self._waker
        if waker is not None:
            waker.nudge()
        else:
            self._wake.set()

    def run(self) -> None:
        self._waker = make_waker(self._db, self._wake)
        try:
            while not self._stop.is_set():
                # One pass reads the clock as it stands at its start, whichever process moved
                # it (clock.read_scope: one query on PostgreSQL, nothing on SQLite).
                with read_scope():
                    try:
                        busy = self.run_once()
                    except Exception:
                        log.exception(
                            "worker iteration failed", extra={"worker_id": self.worker_id}
                        )
                        busy = False
                    sleep = 0.0 if busy or self._stop.is_set() else self._sleep_time()
                if not busy and not self._stop.is_set():
                    self._waker.wait(sleep)
        finally:
            self._waker.close()

    # --- one pass ---------------------------------------------------------------------------

    def run_once(self) -> bool:
        """Claim what is claimable, finish what is due, renew leases. True if anything moved."""
        now = self._clock.now()
        lease_until = now + timedelta(seconds=self._options.lease_seconds)
        claimed: set[str] = set()
        types = self._jobs.job_types.names()
        with UnitOfWork(self._db) as uow:
            idle = (
                not uow.jobs.claimable(now, 1, types=types, lock=False)
                and uow.jobs.next_due_at(self.worker_id) is None
            )
        if idle:
            # Nothing to claim and nothing held: skip the write transaction (and its lock).
            return False
        with UnitOfWork(self._db, write=True) as uow:
            uow.jobs.renew_leases(self.worker_id, lease_until)
            for job_id, connection_id in uow.jobs.claimable(now, CLAIM_BATCH, types=types):
                if uow.jobs.claim(
                    job_id,
                    connection_id,
                    worker_id=self.worker_id,
                    now=now,
                    due_at=due_time(now, self._options.job_duration),
                    lease_until=lease_until,
                ):
                    claimed.add(connection_id)
            uow.commit()
        with UnitOfWork(self._db) as uow:
            due = list(uow.jobs.due_jobs(self.worker_id, self._clock.now()))
        # Finishing is a transaction per job, and many can fall due at once: past half the
        # lease, the rest wait for the next pass (at once), which renews their leases first.
        # Finishing on past the lease let another worker take over jobs still queued here.
        renew_by = now + timedelta(seconds=self._options.lease_seconds / 2)
        finished = 0
        for index, job in enumerate(due):
            if index and self._clock.now() > renew_by:
                return True
            if self._jobs.finish(job, worker_id=self.worker_id):
                finished += 1
                log.info(
                    "job finished",
                    extra={
                        "job_id": job.id,
                        "connection_id": job.connection_id,
                        "attempt": job.attempts,
                    },
                )
        return bool(claimed or finished)

    def _sleep_time(self) -> float:
        with UnitOfWork(self._db) as uow:
            next_due = uow.jobs.next_due_at(self.worker_id)
        wait = self._options.poll_interval
        if next_due is not None:
            until = (next_due - self._clock.now()).total_seconds()
            wait = max(0.0, min(wait, until))
        return wait
