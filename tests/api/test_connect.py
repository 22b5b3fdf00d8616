"""Connect sessions, the page's rules over plain HTTP, and POST /auth/token with the SDK."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import finch
import httpx
import pytest
from finch import Finch

from finch_sandbox.clock import FrozenClock
from finch_sandbox.testing import ThreadedServer
from tests.api.test_errors import BASIC, assert_finch_error
from tests.clients import CLIENT_ID, CLIENT_SECRET, make_client
from tests.connect import REDIRECT_URI, code_of, connect, heading, new_session, sign_in
from tests.spec import SpecRecorder

VALID = {
    "customer_id": "c-1",
    "customer_name": "Acme",
    "products": ["directory"],
    "redirect_uri": REDIRECT_URI,
}


def exchange(app_client: Finch, code: str, redirect_uri: str | None = REDIRECT_URI) -> Any:
    if redirect_uri is None:
        return app_client.access_tokens.create(code=code)
    return app_client.access_tokens.create(code=code, redirect_uri=redirect_uri)


def test_session_answers_a_connect_url_on_this_server(
    app_client: Finch, server: ThreadedServer, raw: httpx.Client
) -> None:
    session_id, url = new_session(app_client)
    assert url == f"{server.base_url}/authorize?session={session_id}"
    page = raw.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert heading(page) == "Select your payroll provider"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"customer_id": None}, "customer_id"),
        ({"customer_id": ""}, "customer_id"),
        ({"customer_name": "x" * 256}, "customer_name"),
        ({"products": None}, "products"),
        ({"products": []}, "products"),
        ({"products": ["payroll"]}, "products"),
        ({"products": ["benefits", "deduction"]}, "products"),
        ({"minutes_to_expire": 0}, "minutes_to_expire"),
        ({"minutes_to_expire": 129_601}, "minutes_to_expire"),
        ({"minutes_to_expire": "10"}, "minutes_to_expire"),
        ({"redirect_uri": "not a uri"}, "redirect_uri"),
        ({"redirect_uri": "javascript:alert(1)"}, "redirect_uri"),
        ({"integration": {"provider": "nope"}}, "integration"),
        ({"integration": {"provider": "gusto", "auth_method": "fax"}}, "integration"),
        ({"recordkeeping": {"recordkeeper": "voya"}}, "recordkeeping"),
        ({"sandbox": "provider"}, "sandbox"),
        ({"manual": "yes"}, "manual"),
    ],
)
def test_session_validation(raw: httpx.Client, change: dict[str, Any], needle: str) -> None:
    body = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    response = raw.post("/connect/sessions", json=body, headers={"Authorization": BASIC})
    assert_finch_error(response, 400, needle)


def test_session_needs_the_application_credentials(server: ThreadedServer) -> None:
    stranger = make_client(server.base_url, SpecRecorder(), client_secret="wrong")
    with pytest.raises(finch.AuthenticationError) as info:
        stranger.connect.sessions.new(**VALID)  # type: ignore[arg-type]
    assert info.value.body["name"] == "invalid_client_error"  # type: ignore[index]


def test_plain_sign_in_and_exchange(
    app_client: Finch, server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    session_id, _ = new_session(app_client, customer_email="hr@acme.test")
    redirected = sign_in(raw, session_id, state="opaque-1")
    assert redirected.headers["location"].startswith(REDIRECT_URI + "?code=")
    assert redirected.headers["location"].endswith("&state=opaque-1")
    token = exchange(app_client, code_of(redirected))
    assert token.token_type == "bearer" and token.client_type == "sandbox"
    assert token.provider_id == "bamboo_hr" and token.customer_id == "customer-1"
    client = make_client(server.base_url, spec_recorder, token.access_token)
    assert client.hris.directory.list().paging.count == 20
    info = client.account.introspect()
    assert info.connection_id == token.connection_id
    assert info.username == "good_user" and info.customer_email == "hr@acme.test"
    assert [e.id for e in info.entities or []] == token.entity_ids


def test_exchange_errors(app_client: Finch, server: ThreadedServer, raw: httpx.Client) -> None:
    code = connect(raw, app_client)
    wrong_client = make_client(server.base_url, SpecRecorder(), client_secret="wrong")
    with pytest.raises(finch.AuthenticationError) as denied:
        exchange(wrong_client, code)
    assert denied.value.body["name"] == "invalid_client_error"  # type: ignore[index]
    with pytest.raises(finch.BadRequestError) as bad:
        exchange(app_client, "00000000-0000-4000-8000-000000000000")
    assert bad.value.body["name"] == "invalid_grant_error"  # type: ignore[index]
    with pytest.raises(finch.BadRequestError) as mismatch:
        exchange(app_client, code, "https://evil.example.com/cb")
    assert "redirect_uri" in mismatch.value.body["message"]  # type: ignore[index]
    # Neither failure spent the code; the first exchange does, the second fails.
    assert exchange(app_client, code).access_token
    with pytest.raises(finch.BadRequestError) as used:
        exchange(app_client, code)
    assert used.value.body["name"] == "invalid_grant_error"  # type: ignore[index]
    missing = raw.post("/auth/token", json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert_finch_error(missing, 400, "code")


def test_a_code_is_spent_once_under_concurrency(app_client: Finch, raw: httpx.Client) -> None:
    code = connect(raw, app_client)
    body = {
        "code": code,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
    }
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def spend() -> None:
        with httpx.Client(base_url=str(raw.base_url)) as http:
            barrier.wait()
            statuses.append(http.post("/auth/token", json=body).status_code)

    threads = [threading.Thread(target=spend) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200, 400, 400, 400, 400, 400]


def test_codes_expire_after_ten_minutes(
    app_client: Finch, raw: httpx.Client, clock: FrozenClock
) -> None:
    fresh, stale = connect(raw, app_client), connect(raw, app_client, username="good_user_9")
    clock.advance(timedelta(minutes=9, seconds=59))
    assert exchange(app_client, fresh).access_token
    clock.advance(timedelta(seconds=1))
    with pytest.raises(finch.BadRequestError) as info:
        exchange(app_client, stale)
    assert "expired" in info.value.body["message"]  # type: ignore[index]


def test_sessions_expire_by_the_sandbox_clock(
    app_client: Finch, raw: httpx.Client, clock: FrozenClock
) -> None:
    session_id, url = new_session(app_client, minutes_to_expire=5)
    _, default_url = new_session(app_client)
    clock.advance(timedelta(minutes=5))
    page = raw.get(url)
    assert page.status_code == 410 and heading(page) == "This link has expired"
    assert sign_in(raw, session_id).status_code == 410
    # The default lifetime is 90 days.
    assert raw.get(default_url).status_code == 200
    clock.advance(timedelta(days=90))
    assert raw.get(default_url).status_code == 410
    assert raw.get("/authorize?session=nope").status_code == 404


def test_a_finished_session_cannot_be_used_again(app_client: Finch, raw: httpx.Client) -> None:
    session_id, url = new_session(app_client)
    code_of(sign_in(raw, session_id))
    assert heading(raw.get(url)) == "This link has already been used"
    assert sign_in(raw, session_id).status_code == 410


def test_same_username_same_company(
    app_client: Finch, server: ThreadedServer, raw: httpx.Client
) -> None:
    first = exchange(app_client, connect(raw, app_client, username="good_user_1"))
    again = exchange(app_client, connect(raw, app_client, username="good_user_1"))
    other = exchange(app_client, connect(raw, app_client, username="good_user_2"))
    assert again.connection_id == first.connection_id
    assert again.company_id == first.company_id
    assert again.access_token != first.access_token
    assert other.company_id != first.company_id
    a = make_client(server.base_url, None, first.access_token).hris.company.retrieve()
    b = make_client(server.base_url, None, other.access_token).hris.company.retrieve()
    assert a.legal_name != b.legal_name
    # After a disconnect, the same login gets the same company on a new connection.
    make_client(server.base_url, None, first.access_token).account.disconnect()
    back = exchange(app_client, connect(raw, app_client, username="good_user_1"))
    assert back.company_id == first.company_id and back.connection_id != first.connection_id
    c = make_client(server.base_url, None, back.access_token).hris.company.retrieve()
    assert c.legal_name == a.legal_name


def test_reauthentication_keeps_the_connection_and_its_ids(
    app_client: Finch, server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    first = exchange(app_client, connect(raw, app_client))
    old = make_client(server.base_url, spec_recorder, first.access_token)
    ids = [p.id for p in old.hris.directory.list()]
    old.sandbox.connections.accounts.update(connection_status="reauth")
    with pytest.raises(finch.AuthenticationError):
        old.hris.directory.list()

    session = app_client.connect.sessions.reauthenticate(
        connection_id=first.connection_id, redirect_uri=REDIRECT_URI
    )
    page = raw.get(session.connect_url)
    # The provider and method are the connection's: straight to signing in.
    assert heading(page) == "Sign in again to BambooHR"
    again = exchange(app_client, code_of(sign_in(raw, session.session_id)))
    assert again.connection_id == first.connection_id
    assert again.company_id == first.company_id
    assert again.entity_ids == first.entity_ids
    assert again.access_token != first.access_token
    new = make_client(server.base_url, spec_recorder, again.access_token)
    assert [p.id for p in new.hris.directory.list()] == ids
    assert new.account.introspect().connection_status.status == "connected"
    # The old token sees the connection working again too (its cached answers were dropped).
    assert [p.id for p in old.hris.directory.list()] == ids


def test_reauthentication_of_an_unknown_connection(app_client: Finch) -> None:
    with pytest.raises(finch.NotFoundError):
        app_client.connect.sessions.reauthenticate(connection_id="nope")
    with pytest.raises(finch.BadRequestError):
        app_client.connect.sessions.reauthenticate(connection_id="nope", minutes_to_expire=0)


def test_embedded_flow_shows_the_code(app_client: Finch, raw: httpx.Client) -> None:
    session_id, _ = new_session(app_client, redirect_uri=None)
    done = sign_in(raw, session_id)
    assert done.status_code == 200 and heading(done) == "You're connected"
    code = done.text.split('id="code">')[1].split("<")[0]
    assert exchange(app_client, code, None).provider_id == "bamboo_hr"


def test_wrong_credentials_can_be_retried(app_client: Finch, raw: httpx.Client) -> None:
    session_id, _ = new_session(app_client)
    for fields in (
        {"username": "bad_user"},
        {"password": "nope"},
        {"password": ""},
    ):
        refused = sign_in(raw, session_id, **fields)
        assert refused.status_code == 400 and 'role="alert"' in refused.text
        assert 'aria-invalid="true"' in refused.text
    refused = sign_in(raw, session_id, method="api_token", api_token="bad_token")
    assert refused.status_code == 400 and "good_token" in refused.text
    assert code_of(sign_in(raw, session_id, method="api_token", api_token="good_token"))


def test_one_login_signing_in_twice_at_once_gets_one_connection(
    app_client: Finch, raw: httpx.Client
) -> None:
    sessions = [new_session(app_client)[0] for _ in range(3)]
    barrier = threading.Barrier(len(sessions))
    codes: list[str] = []

    def sign(session_id: str) -> None:
        with httpx.Client(base_url=str(raw.base_url), timeout=60) as http:
            barrier.wait()
            codes.append(code_of(sign_in(http, session_id, username="good_user_twice")))

    threads = [threading.Thread(target=sign, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(codes) == len(sessions)
    tokens = [exchange(app_client, code) for code in codes]
    assert len({t.connection_id for t in tokens}) == 1
    assert len({t.access_token for t in tokens}) == len(sessions)


def test_assisted_flow_when_the_session_is_manual(
    app_client: Finch, server: ThreadedServer, raw: httpx.Client
) -> None:
    plain, _ = new_session(app_client)
    refused = sign_in(raw, plain, provider="adp_totalsource", method="assisted")
    assert refused.status_code == 400  # assisted is offered only to manual sessions
    session_id, url = new_session(app_client, manual=True)
    methods = raw.get(url + "&provider=adp_totalsource")
    assert "Assisted" in methods.text
    token = exchange(
        app_client, code_of(sign_in(raw, session_id, provider="adp_totalsource", method="assisted"))
    )
    # Finch sets assisted connections up by hand: pending (data answers 202) until then.
    client = make_client(server.base_url, None, token.access_token)
    info = client.account.introspect()
    assert info.manual is True and info.connection_status.status == "pending"
    assert client.hris.directory.with_raw_response.list().status_code == 202
