"""Code that already uses the SDK is pointed here by the environment alone (README)."""

from __future__ import annotations

import pytest
from finch import Finch

from finch_sandbox.testing import ThreadedServer
from tests.clients import CLIENT_ID, CLIENT_SECRET


def test_an_unchanged_sdk_client_reaches_the_sandbox_through_its_environment(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINCH_BASE_URL", server.base_url)
    monkeypatch.setenv("FINCH_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("FINCH_CLIENT_SECRET", CLIENT_SECRET)
    with Finch(max_retries=0) as app:  # as existing code builds it: no base URL given
        created = app.sandbox.connections.create(provider_id="gusto", employee_size=4)
    with Finch(access_token=created.access_token, max_retries=0) as client:
        assert str(client.base_url).rstrip("/") == server.base_url
        assert client.hris.directory.list().paging.count == 4
