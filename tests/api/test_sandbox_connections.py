"""Sandbox connections and accounts, authentication, introspection and disconnection."""

from __future__ import annotations

import finch
import httpx
import pytest
from finch import Finch

from finch_sandbox.testing import ThreadedServer
from tests.clients import make_client
from tests.spec import SpecRecorder


def test_create_connection_returns_a_usable_token(
    app_client: Finch, server: ThreadedServer
) -> None:
    created = app_client.sandbox.connections.create(provider_id="gusto", employee_size=5)
    assert created.provider_id == "gusto"
    assert created.token_type == "bearer"
    assert created.authentication_type == "credential"
    assert created.products == [
        "company",
        "directory",
        "individual",
        "employment",
        "payment",
        "pay_statement",
    ]
    assert len(created.access_token) == 36
    client = make_client(server.base_url, None, created.access_token)
    assert client.hris.directory.list().paging.count == 5


def test_tokens_are_unguessable_and_distinct(app_client: Finch) -> None:
    tokens = {
        app_client.sandbox.connections.create(provider_id="gusto", employee_size=1).access_token
        for _ in range(3)
    }
    assert len(tokens) == 3


def test_wrong_client_credentials_are_refused(server: ThreadedServer) -> None:
    bad = make_client(server.base_url, SpecRecorder(), client_id="nope", client_secret="nope")
    with pytest.raises(finch.AuthenticationError) as info:
        bad.sandbox.connections.create(provider_id="gusto")
    assert info.value.body["name"] == "invalid_client_error"  # type: ignore[index]


def test_unknown_provider_is_a_bad_request(app_client: Finch) -> None:
    with pytest.raises(finch.BadRequestError) as info:
        app_client.sandbox.connections.create(provider_id="not-a-provider")
    assert "provider_id" in info.value.body["message"]  # type: ignore[index]


def test_unknown_product_is_a_bad_request(app_client: Finch) -> None:
    with pytest.raises(finch.BadRequestError) as info:
        app_client.sandbox.connections.create(
            provider_id="gusto", products=["directory", "payroll"]
        )
    assert "products" in info.value.body["message"]  # type: ignore[index]


def test_missing_and_unknown_tokens_get_401(server: ThreadedServer, raw: httpx.Client) -> None:
    # The SDK refuses to send a request without credentials, so plain HTTP stands in for it.
    response = raw.get("/employer/company")
    assert response.status_code == 401
    assert response.json()["name"] == "unauthorized_request_error"
    stranger = make_client(server.base_url, SpecRecorder(), "00000000-0000-4000-8000-000000000000")
    with pytest.raises(finch.AuthenticationError) as info:
        stranger.hris.company.retrieve()
    assert info.value.body["name"] == "invalid_token_error"  # type: ignore[index]


def test_product_not_granted_is_refused(app_client: Finch, server: ThreadedServer) -> None:
    created = app_client.sandbox.connections.create(provider_id="gusto", products=["company"])
    client = make_client(server.base_url, SpecRecorder(), created.access_token)
    assert client.hris.company.retrieve().id == created.company_id
    with pytest.raises(finch.PermissionDeniedError) as info:
        client.hris.directory.list()
    assert info.value.body["name"] == "insufficient_scope_error"  # type: ignore[index]
    assert "directory" in info.value.body["message"]  # type: ignore[index]


def test_token_a_never_sees_connection_b(app_client: Finch, server: ThreadedServer) -> None:
    a = app_client.sandbox.connections.create(provider_id="gusto", employee_size=3)
    b = app_client.sandbox.connections.create(provider_id="gusto", employee_size=3)
    client_a = make_client(server.base_url, SpecRecorder(), a.access_token)
    client_b = make_client(server.base_url, SpecRecorder(), b.access_token)
    b_ids = [p.id for p in client_b.hris.directory.list().individuals]
    a_ids = [p.id for p in client_a.hris.directory.list().individuals]
    assert not set(a_ids) & set(b_ids)
    responses = list(
        client_a.hris.individuals.retrieve_many(requests=[{"individual_id": i} for i in b_ids])
    )
    assert all(r.code == 404 for r in responses)
    with pytest.raises(finch.NotFoundError):
        client_a.sandbox.individual.update(b_ids[0], first_name="Mallory")
    assert client_b.hris.company.retrieve().id == b.company_id != a.company_id


def test_disconnect_kills_every_token_of_the_connection(
    app_client: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    created = app_client.sandbox.connections.create(provider_id="gusto", employee_size=2)
    second = app_client.sandbox.connections.accounts.create(
        company_id=created.company_id or "", provider_id="gusto"
    )
    client = make_client(server.base_url, spec_recorder, created.access_token)
    assert client.account.disconnect().status == "success"
    for token in (created.access_token, second.access_token):
        with pytest.raises(finch.AuthenticationError) as info:
            make_client(server.base_url, spec_recorder, token).hris.directory.list()
        assert info.value.status_code == 401


def test_second_account_reaches_the_same_company(app_client: Finch, server: ThreadedServer) -> None:
    created = app_client.sandbox.connections.create(provider_id="gusto", employee_size=4)
    account = app_client.sandbox.connections.accounts.create(
        company_id=created.company_id or "", provider_id="gusto", authentication_type="api_token"
    )
    assert account.connection_id == created.connection_id
    assert account.company_id == created.company_id
    assert account.access_token != created.access_token
    assert account.products == ["company", "directory", "employment", "individual"]
    first = make_client(server.base_url, SpecRecorder(), created.access_token)
    again = make_client(server.base_url, SpecRecorder(), account.access_token)
    assert [p.id for p in again.hris.directory.list()] == [
        p.id for p in first.hris.directory.list()
    ]
    with pytest.raises(finch.PermissionDeniedError):
        again.hris.payments.list(start_date="2020-01-01", end_date="2030-01-01")


def test_a_new_account_shows_in_the_first_tokens_introspect_at_once(
    app_client: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    """The first token's introspect is cached (twice asked); adding an account must show."""
    created = app_client.sandbox.connections.create(
        provider_id="gusto", authentication_type="credential", employee_size=2
    )
    first = make_client(server.base_url, spec_recorder, created.access_token)
    for _ in range(3):  # authenticate, capture, replay
        methods = first.account.introspect().authentication_methods
        assert [m.type for m in methods or []] == ["credential"]
    app_client.sandbox.connections.accounts.create(
        company_id=created.company_id or "", provider_id="gusto", authentication_type="api_token"
    )
    methods = first.account.introspect().authentication_methods
    assert sorted(m.type for m in methods or []) == ["api_token", "credential"]


def test_account_for_unknown_company_is_404(app_client: Finch) -> None:
    with pytest.raises(finch.NotFoundError):
        app_client.sandbox.connections.accounts.create(
            company_id="00000000-0000-4000-8000-000000000000", provider_id="gusto"
        )


def test_introspect_describes_the_token(client: Finch, connection: object) -> None:
    info = client.account.introspect()
    assert info.connection_id == connection.connection_id  # type: ignore[attr-defined]
    assert info.company_id == connection.company_id  # type: ignore[attr-defined]
    assert info.client_type == "sandbox"
    assert info.connection_type == "finch"
    assert info.connection_status.status == "connected"
    assert info.connection_status.last_successful_sync is not None
    assert info.provider_id == "gusto"
    assert "ssn" in info.products
    assert info.authentication_methods and info.authentication_methods[0].type == "credential"


def test_reauth_status_makes_data_endpoints_answer_401(client: Finch) -> None:
    client.sandbox.connections.accounts.update(connection_status="reauth")
    assert client.account.introspect().connection_status.status == "reauth"
    with pytest.raises(finch.AuthenticationError) as info:
        client.hris.directory.list()
    assert info.value.body["finch_code"] == "reauthenticate_user"  # type: ignore[index]
    client.sandbox.connections.accounts.update(connection_status="connected")
    assert client.hris.directory.list().paging.count == 20


def test_error_permissions_status_is_403(client: Finch) -> None:
    client.sandbox.connections.accounts.update(connection_status="error_permissions")
    with pytest.raises(finch.PermissionDeniedError) as info:
        client.hris.company.retrieve()
    assert info.value.body["finch_code"] == "insufficient_account_permissions"  # type: ignore[index]


def test_assisted_connection_serves_data_only_once_connected(
    app_client: Finch, server: ThreadedServer
) -> None:
    created = app_client.sandbox.connections.create(
        provider_id="adp_totalsource", authentication_type="assisted", employee_size=3
    )
    # The spec documents no 202 body for the data endpoints, so this client skips the oracle.
    client = make_client(server.base_url, None, created.access_token)
    assert client.account.introspect().connection_status.status == "pending"
    response = client.hris.directory.with_raw_response.list()
    assert response.status_code == 202
    assert response.http_response.json()["finch_code"] == "data_sync_in_progress"
    client.sandbox.connections.accounts.update(connection_status="connected")
    assert client.hris.directory.list().paging.count == 3
    assert client.account.introspect().manual is True


def test_api_version_header_is_echoed(raw: object, client: Finch) -> None:
    response = client.hris.company.with_raw_response.retrieve()
    assert response.headers["finch-api-version"] == "2020-09-17"
    assert response.headers["finch-request-id"]
