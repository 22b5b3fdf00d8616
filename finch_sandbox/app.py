"""The app factory: one core, several front doors (CLI server, in-process client, tests)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from finch_sandbox import __version__
from finch_sandbox.api import error_handlers
from finch_sandbox.api.cacheability import flat_routes
from finch_sandbox.api.declared_routes import build_routes
from finch_sandbox.api.deps import Edge
from finch_sandbox.api.fastpath import FastPath
from finch_sandbox.api.middleware import FinchHeadersMiddleware
from finch_sandbox.api.routers import (
    account,
    auth,
    benefits,
    connect,
    connect_page,
    control,
    documents,
    forward,
    home,
    hris,
    jobs,
    payroll,
    providers,
    sandbox_connections,
    sandbox_data,
    sandbox_jobs,
)
from finch_sandbox.clock import Clock, SandboxClock, read_scope
from finch_sandbox.services import Services
from finch_sandbox.services.clock_control import ClockControl, database_clock
from finch_sandbox.settings import Settings, load_settings
from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import upgrade_to_head
from finch_sandbox.worker import start_workers, stop_workers

log = logging.getLogger(__name__)

THREADPOOL_SIZE = 16


class FinchApp(FastAPI):
    """FastAPI, behind two pure-ASGI layers that run before Starlette's middleware stack:
    Finch's headers and limits, then the fast path (prepared answers). Both cost
    microseconds, which is what keeps the hot reads close to the server's own ceiling."""

    _outer: ASGIApp | None = None
    # Set by create_app when the clock is shared with other processes (PostgreSQL): then each
    # request is a clock.read_scope().
    shared_clock = False

    def wrap(self, build: Callable[[ASGIApp], ASGIApp]) -> None:
        self._outer = build(super().__call__)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._outer is None or scope["type"] != "http":
            await super().__call__(scope, receive, send)
        elif self.shared_clock:
            # Outermost, so that even the fast path's answers read a clock no older than the
            # request (a quota window moved by another process is seen at once).
            with read_scope():
                await self._outer(scope, receive, send)
        else:
            await self._outer(scope, receive, send)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FinchApp:
    """Build the ASGI app: database (migrated to head), services, routers, error handlers."""
    settings = settings or load_settings()
    db = make_database(settings.resolved_database_url)
    upgrade_to_head(db.engine)
    # A clock handed in (tests) stays this process's own; the server's is kept in the database.
    services = Services.build(settings, db, clock or database_clock(db))
    generated = services.webhooks.setup()
    if generated is not None:
        log.info(
            "webhook signing secret (generated; also FINCH_SANDBOX_WEBHOOK_SECRET): %s", generated
        )
    if clock is None:
        # The clock is kept across restarts: say so when it was left moved, or a test run
        # started days later would puzzle over dates that do not match the wall.
        moved = ClockControl(services.clock).state().describe()
        if moved is not None:
            log.warning(
                "the sandbox clock is %s, as moved before this start; "
                "POST /_finch-sandbox/clock/reset returns it to wall time",
                moved,
            )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking routes run in anyio's threadpool (40 threads by default). SQLite has one
        # writer at a time, so more threads than this only add memory (a stack and a malloc
        # arena each), not throughput.
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADPOOL_SIZE
        workers = start_workers(services) if settings.worker else []
        try:
            yield
        finally:
            stop_workers(workers)
            db.dispose()

    app = FinchApp(
        title="finch-sandbox",
        version=__version__,
        lifespan=lifespan,
        # The docs page is served by routers/home.py, from bundled assets (offline).
        docs_url=None,
        redoc_url=None,
        openapi_url=home.OPENAPI_PATH,
    )
    app.state.services = services
    app.shared_clock = isinstance(services.clock, SandboxClock) and services.clock.shared
    edge = Edge.build(services)
    app.state.edge = edge
    error_handlers.install(app)
    build_routes(
        app,
        (
            module.router
            for module in (
                providers,
                account,
                forward,
                auth,
                connect,
                connect_page,
                sandbox_connections,
                sandbox_data,
                sandbox_jobs,
                jobs,
                hris,
                payroll,
                documents,
                control,
                benefits,
            )
        ),
    )
    # GET /, the docs page and its assets (offline): the emulator's own pages.
    app.router.routes.extend(home.routes())
    routes = flat_routes(app.routes)

    def outer(inner: ASGIApp) -> ASGIApp:
        # With the cache off (response_cache_mb=0) every request goes through the full app.
        served = FastPath(inner, edge=edge, routes=routes) if edge.caches.enabled else inner
        return FinchHeadersMiddleware(served, max_body_bytes=settings.max_body_bytes)

    app.wrap(outer)
    return app


def app_from_env() -> FastAPI:
    """Factory for server processes (granian workers): settings come from FINCH_SANDBOX_*."""
    return create_app(load_settings())
