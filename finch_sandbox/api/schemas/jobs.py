"""Jobs on the wire: `AutomatedAsyncJob`, `ManualAsyncJob`, the enqueue answer and the list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from finch_sandbox.api.schemas.wire import wire_datetime
from finch_sandbox.services.sync_jobs import EnqueueResult
from finch_sandbox.storage.models import Job


def job_url(base_url: str, job_id: str) -> str:
    return f"{base_url.rstrip('/')}/jobs/automated/{job_id}"


def automated_job(job: Job, base_url: str) -> dict[str, Any]:
    """An `AutomatedAsyncJob`."""
    return {
        "job_id": job.id,
        "job_url": job_url(base_url, job.id),
        "type": job.type,
        "status": job.status,
        "created_at": wire_datetime(job.created_at),
        "scheduled_at": wire_datetime(job.scheduled_at),
        "started_at": wire_datetime(job.started_at),
        "completed_at": wire_datetime(job.completed_at),
        "params": job.params,
    }


def manual_job(job: Job) -> dict[str, Any]:
    """A `ManualAsyncJob`: its body is what the job produced (per-item results), if anything."""
    return {"job_id": job.id, "status": job.status, "body": job.result}


def job_list(jobs: Sequence[Job], base_url: str, allowed: int, remaining: int) -> dict[str, Any]:
    return {
        "data": [automated_job(job, base_url) for job in jobs],
        "meta": {
            "quotas": {
                "data_sync_all": {"allowed_refreshes": allowed, "remaining_refreshes": remaining}
            }
        },
    }


def enqueue_answer(result: EnqueueResult, base_url: str) -> dict[str, Any]:
    return {
        "job_id": result.job_id,
        "job_url": job_url(base_url, result.job_id) if result.job_id else None,
        "allowed_refreshes": result.allowed_refreshes,
        "remaining_refreshes": result.remaining_refreshes,
    }
