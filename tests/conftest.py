"""Shared fixtures: a real server on loopback per test, the official SDK pointed at it, and
every response checked against the Finch OpenAPI document.

The database is SQLite (a fresh file per test) unless FINCH_SANDBOX_TEST_DATABASE_URL names a
PostgreSQL server, e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`: then every test
gets its own fresh database there, cloned from a template migrated once per session, and
dropped when the test ends. (Servers and workers commit across connections, so isolation by a
rolled-back transaction is not possible.) Markers: `postgres` (needs PostgreSQL: skipped with
the reason on a SQLite run) and `sqlite_only(reason)` (skipped on a PostgreSQL run).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from finch import Finch
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from finch_sandbox.app import create_app
from finch_sandbox.clock import FrozenClock
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import make_database
from finch_sandbox.storage.migrate import upgrade_to_head
from finch_sandbox.testing import ThreadedServer
from tests.clients import CLIENT_ID, CLIENT_SECRET, close_all, make_client
from tests.spec import SpecRecorder

START = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)

TEST_DATABASE_URL_ENV = "FINCH_SANDBOX_TEST_DATABASE_URL"
# Databases this suite creates are named so; nothing else on the server is touched.
DATABASE_PREFIX = "finch_test_"

NewDatabaseUrl = Callable[..., str]


# --- backend selection --------------------------------------------------------------------


def postgres_admin_url() -> URL | None:
    """The PostgreSQL server the tests run on, or None for SQLite."""
    raw = os.environ.get(TEST_DATABASE_URL_ENV, "").strip()
    if not raw:
        return None
    url = make_url(raw)
    if url.get_backend_name() != "postgresql":
        raise pytest.UsageError(f"{TEST_DATABASE_URL_ENV} must be a postgresql:// URL, got {raw}")
    # psycopg 3 is the driver the project ships; accept the bare spellings too.
    return url.set(drivername="postgresql+psycopg")


def artifacts_dir(*parts: str) -> Path:
    """Where tests leave files for people to look at (screenshots): tests/artifacts/<backend>/
    (git-ignored), created if missing. One folder per backend because scripts/test runs the
    SQLite and PostgreSQL passes at the same time, and they must not overwrite each other's."""
    backend = "sqlite" if postgres_admin_url() is None else "postgresql"
    path = Path(__file__).resolve().parent.joinpath("artifacts", backend, *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): about SQLite itself (its file, in-memory mode); skipped on the "
        "PostgreSQL run",
    )


def pytest_report_header(config: pytest.Config) -> str:
    url = postgres_admin_url()
    if url is None:
        return f"database: SQLite, a file per test (set {TEST_DATABASE_URL_ENV} for PostgreSQL)"
    return f"database: PostgreSQL at {url.render_as_string()}, a database per test"


def pytest_runtest_setup(item: pytest.Item) -> None:
    on_postgres = postgres_admin_url() is not None
    if item.get_closest_marker("postgres") is not None and not on_postgres:
        pytest.skip(
            f"needs PostgreSQL: set {TEST_DATABASE_URL_ENV} "
            "(scripts/test does so on its PostgreSQL pass)"
        )
    sqlite_only = item.get_closest_marker("sqlite_only")
    if sqlite_only is not None and on_postgres:
        why = sqlite_only.args[0] if sqlite_only.args else "tests SQLite itself"
        pytest.skip(f"SQLite only: {why}")


# --- PostgreSQL databases -----------------------------------------------------------------


class PostgresDatabases:
    """Creates and drops this session's databases on one PostgreSQL server."""

    def __init__(self, admin_url: URL) -> None:
        self.admin_url = admin_url
        # AUTOCOMMIT: CREATE/DROP DATABASE cannot run inside a transaction.
        self._admin: Engine = create_engine(
            admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        self._template: str | None = None
        # Cloning the template takes ~0.4 s, so the next test's database is cloned in the
        # background while the current test runs.
        self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="finch-test-db")
        self._spare: Future[str] | None = None

    def check_reachable(self) -> None:
        try:
            with self._admin.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            pytest.exit(
                f"{TEST_DATABASE_URL_ENV}={self.admin_url.render_as_string()} is unreachable: "
                f"{exc.orig}",
                returncode=3,
            )

    def url_of(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create(self, *, empty: bool = False) -> str:
        """A new database; migrated to head (cloned from the template) unless `empty`."""
        if empty:
            return self._clone("template0")
        template = self._migrated_template()
        ready = self._spare or self._ahead.submit(self._clone, template)
        self._spare = self._ahead.submit(self._clone, template)
        return ready.result()

    def drop(self, name: str) -> None:
        # Most of a PostgreSQL test's extra teardown time: DROP DATABASE waits for a checkpoint
        # (0.2-1 s here). Dropping in the background measured no faster and made the tests'
        # own commits wait behind those checkpoints.
        # A server thread or subprocess that outlived its test may still hold connections; a
        # database cannot be dropped while anyone is connected to it.
        for attempt in range(5):
            self._execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )
            try:
                self._execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.2)

    def close(self) -> None:
        self._ahead.shutdown()
        if self._spare is not None and self._spare.exception() is None:
            self.drop(self._spare.result())
        if self._template is not None:
            self.drop(self._template)
        self._admin.dispose()

    def _clone(self, template: str) -> str:
        name = f"{DATABASE_PREFIX}{secrets.token_hex(6)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def _migrated_template(self) -> str:
        if self._template is None:
            name = f"{DATABASE_PREFIX}template_{secrets.token_hex(6)}"
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
            self._template = name
            db = make_database(self.url_of(name))
            try:
                upgrade_to_head(db.engine)
            finally:
                # CREATE DATABASE ... TEMPLATE needs the template to have no connections.
                db.dispose()
        return self._template

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(sql))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    """The PostgreSQL server of this run (None on a SQLite run)."""
    url = postgres_admin_url()
    if url is None:
        yield None
        return
    databases = PostgresDatabases(url)
    databases.check_reachable()
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture
def backend(postgres_databases: PostgresDatabases | None) -> str:
    """The database this run's tests use: "sqlite" or "postgresql"."""
    return "sqlite" if postgres_databases is None else "postgresql"


@pytest.fixture
def new_database_url(
    tmp_path: Path, postgres_databases: PostgresDatabases | None
) -> Iterator[NewDatabaseUrl]:
    """`new_database_url(name="finch", *, empty=False)`: the URL of a new database of this run's
    backend, dropped after the test. Empty ones have no schema at all; the others may already
    be migrated (the server migrates on start either way)."""
    created: list[str] = []

    def new(name: str = "finch", *, empty: bool = False) -> str:
        if postgres_databases is None:
            path = tmp_path / f"{name}.db"
            assert not path.exists(), f"database {name!r} asked for twice"
            return f"sqlite:///{path}"
        created.append(postgres_databases.create(empty=empty))
        return postgres_databases.url_of(created[-1])

    yield new
    if postgres_databases is not None:
        for name in created:
            postgres_databases.drop(name)


@pytest.fixture
def database_url(new_database_url: NewDatabaseUrl) -> str:
    """This test's database (on SQLite the file at `db_path`)."""
    return new_database_url()


# --- the app ------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the SQLite database of `database_url` lives (on a SQLite run)."""
    return tmp_path / "finch.db"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        seed=1234,
        # Jobs finish as soon as the worker sees them; tests that watch `in_progress` raise it
        # and move the frozen clock.
        job_duration=0.0,
    )


@pytest.fixture
def server(settings: Settings, clock: FrozenClock) -> Iterator[ThreadedServer]:
    with ThreadedServer(create_app(settings, clock=clock)) as running:
        yield running


@pytest.fixture
def spec_recorder() -> SpecRecorder:
    return SpecRecorder()


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    close_all()


@pytest.fixture
def app_client(server: ThreadedServer, spec_recorder: SpecRecorder) -> Finch:
    """The application's client: Basic credentials, no access token."""
    return make_client(server.base_url, spec_recorder)


@pytest.fixture
def connection(app_client: Finch) -> object:
    """A 20-employee automated gusto connection with every read product plus ssn."""
    return app_client.sandbox.connections.create(
        provider_id="gusto",
        authentication_type="credential",
        products=[
            "company",
            "directory",
            "individual",
            "employment",
            "payment",
            "pay_statement",
            "documents",
            "ssn",
        ],
    )


@pytest.fixture
def client(server: ThreadedServer, spec_recorder: SpecRecorder, connection: object) -> Finch:
    """The SDK with the connection's access token."""
    return make_client(server.base_url, spec_recorder, connection.access_token)  # type: ignore[attr-defined]


@pytest.fixture
def raw(server: ThreadedServer) -> Iterator[httpx.Client]:
    """Plain HTTP, for what the SDK would never send (malformed JSON, wrong types)."""
    with httpx.Client(base_url=server.base_url) as http:
        yield http
