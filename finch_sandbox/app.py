"""The app factory: one core, several front doors (CLI server, in-process client, tests)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from finch_sandbox import __version__
from finch_sandbox.api import error_handlers
from finch_sandbox.api.middleware import FinchHeadersMiddleware
from finch_sandbox.api.routers import (
    account,
    hris,
    jobs,
    providers,
    sandbox_connections,
    sandbox_data,
    sandbox_jobs,
)
from finch_sandbox.clock import Clock, SystemClock
from finch_sandbox.services import Services
from finch_sandbox.settings import Settings, load_settings
from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import upgrade_to_head
from finch_sandbox.worker.runner import Worker, WorkerOptions

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the ASGI app: database (migrated to head), services, routers, error handlers."""
    settings = settings or load_settings()
    db = make_database(settings.resolved_database_url)
    upgrade_to_head(db.engine)
    services = Services.build(settings, db, clock or SystemClock())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.worker:
            worker = Worker(
                db,
                services.clock,
                services.sync_jobs,
                wake=services.wake_worker,
                options=WorkerOptions(
                    job_duration=settings.job_duration, lease_seconds=settings.job_lease_seconds
                ),
            )
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            db.dispose()

    app = FastAPI(
        title="finch-sandbox",
        version=__version__,
        lifespan=lifespan,
        docs_url="/_docs",
        redoc_url=None,
        openapi_url="/_openapi.json",
    )
    app.state.services = services
    error_handlers.install(app)
    for module in (providers, account, sandbox_connections, sandbox_data, sandbox_jobs, jobs, hris):
        app.include_router(module.router)
    app.add_middleware(FinchHeadersMiddleware, max_body_bytes=settings.max_body_bytes)
    return app
