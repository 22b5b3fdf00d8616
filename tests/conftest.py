"""Shared fixtures: a real server on loopback per test, the official SDK pointed at it, and
every response checked against the Finch OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from finch import Finch

from finch_sandbox.app import create_app
from finch_sandbox.clock import FrozenClock
from finch_sandbox.settings import Settings
from finch_sandbox.testing import ThreadedServer
from tests.clients import CLIENT_ID, CLIENT_SECRET, close_all, make_client
from tests.spec import SpecRecorder

START = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "finch.db"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{db_path}",
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
