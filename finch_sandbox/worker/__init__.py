"""Background execution of durable jobs. Depends on services and storage, never on the API."""

from __future__ import annotations

from finch_sandbox.services import Services
from finch_sandbox.worker.deliveries import WebhookDeliverer
from finch_sandbox.worker.runner import Worker, WorkerOptions


def start_workers(services: Services) -> list[Worker | WebhookDeliverer]:
    """Start `worker_concurrency` job loops on the services' database, and the webhook
    delivery loop (its own thread and POST pool)."""
    settings = services.settings
    options = WorkerOptions(
        job_duration=settings.job_duration, lease_seconds=settings.job_lease_seconds
    )
    workers = [
        Worker(
            services.db,
            services.clock,
            services.sync_jobs,
            wake=services.wake_worker,
            options=options,
        )
        for _ in range(settings.worker_concurrency)
    ]
    for worker in workers:
        worker.start()
    deliverer = WebhookDeliverer(services.webhooks, services.clock)
    deliverer.start()
    return [*workers, deliverer]


def stop_workers(workers: list[Worker | WebhookDeliverer]) -> None:
    """Graceful stop: every loop leaves, and jobs in hand go back to the queue."""
    for worker in workers:
        worker.stop()


__all__ = ["WebhookDeliverer", "Worker", "WorkerOptions", "start_workers", "stop_workers"]
