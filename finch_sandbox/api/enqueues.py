"""Answers to `data_sync_all` enqueues (POST /jobs/automated and /sandbox/jobs), and the
replay of that answer while the connection's job is still the one it names.

While a connection has a job pending or running, asking again gets that job and uses no
quota; until the connection changes (the job moves, anything else is written) that answer can
be given without the database. It is kept per quota window: its remaining-refreshes figure
resets with the window.
"""

from __future__ import annotations

from dataclasses import replace

from finch_sandbox.api.caches import Caches
from finch_sandbox.services.principal import Principal
from finch_sandbox.services.sync_jobs import EnqueueResult, SyncJobService, job_url


def enqueue_body(result: EnqueueResult, base: str) -> dict[str, object]:
    return {
        "job_id": result.job_id,
        "job_url": job_url(base, result.job_id) if result.job_id else None,
        "allowed_refreshes": result.allowed_refreshes,
        "remaining_refreshes": result.remaining_refreshes,
    }


class Enqueues:
    def __init__(self, sync_jobs: SyncJobService, caches: Caches) -> None:
        self._sync_jobs = sync_jobs
        self._caches = caches

    def cached(
        self, principal: Principal, seen: dict[str, int] | None = None
    ) -> EnqueueResult | None:
        """The answer to an enqueue while a known job is still active, without the database."""
        if principal.is_assisted:
            return None
        hit = self._caches.responses.get(self._key(principal.connection_id), seen)
        return hit if isinstance(hit, EnqueueResult) else None

    def enqueue(self, principal: Principal) -> EnqueueResult:
        """Enqueue through the service, and keep the answer a repeat would get."""
        connection_id = principal.connection_id
        tracker = self._caches.tracker
        # Taken before the service reads anything: a write landing meanwhile leaves what we
        # keep stale, never wrong.
        before = tracker.stamp(connection_id)
        key = self._key(connection_id)
        result = self._sync_jobs.enqueue_data_sync(principal)
        if result.created:
            # Only our own change since `before` (else None): then a repeat gets this job.
            stamp = tracker.written_stamp(connection_id, before, result.change_version)
            if stamp is not None:
                self._caches.responses.put(
                    key, connection_id, stamp, replace(result, created=False)
                )
        else:
            self._caches.responses.put(key, connection_id, before, result)
        return result

    def _key(self, connection_id: str) -> tuple[str, ...]:
        return ("active", connection_id, self._sync_jobs.quota_window().isoformat())
