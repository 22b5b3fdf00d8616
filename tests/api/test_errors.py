"""Bad input: a Finch error with the right status, never a 500, and stored data untouched."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from finch import Finch

from tests.clients import CLIENT_ID, CLIENT_SECRET
from tests.spec import validate_response

BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def bearer(connection: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {connection.access_token}"}


def assert_finch_error(response: httpx.Response, status: int, *needles: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    validate_response(response.request.method, response.request.url.path, status, body)
    for needle in needles:
        assert needle in body["message"], body
    assert response.headers["finch-request-id"]
    return dict(body)


def snapshot(client: Finch) -> tuple[Any, ...]:
    """Everything a bad request might have damaged, on both sides of the data."""
    ids = [p.id for p in client.hris.directory.list(limit=100)]
    individuals = [
        r.body.model_dump()
        for r in client.hris.individuals.retrieve_many(requests=[{"individual_id": i} for i in ids])
    ]
    return (client.hris.company.retrieve().model_dump(), individuals)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"provider_id": "gusto",', "Malformed JSON"),
        (b'{"provider_id": "gusto", "employee_size": "20"}', "[body:employee_size]"),
        (b'{"provider_id": "gusto", "authentication_type": "magic"}', "[body:authentication_type]"),
        (b'{"employee_size": 3}', "[body:provider_id]"),
        (b'{"provider_id": "gusto", "employee_size": 0}', "[body:employee_size]"),
        (b'{"provider_id": "gusto", "products": "directory"}', "[body:products]"),
        (b"[]", "[body]"),
    ],
)
def test_bad_connection_bodies(raw: httpx.Client, body: bytes, needle: str) -> None:
    response = raw.post(
        "/sandbox/connections",
        content=body,
        headers={"Authorization": BASIC, "Content-Type": "application/json"},
    )
    error = assert_finch_error(response, 400, needle)
    assert error["name"] == "bad_request"


def test_bad_edits_leave_data_untouched(raw: httpx.Client, client: Finch, connection: Any) -> None:
    person = client.hris.directory.list(limit=1).individuals[0]
    before = snapshot(client)
    provider_before = client.sandbox.individual.update(person.id)  # an empty update changes nothing
    cases = [
        ("PUT", f"/sandbox/individual/{person.id}", b'{"gender": "robot"}', 400, "[body:gender]"),
        ("PUT", f"/sandbox/individual/{person.id}", b'{"dob": "1990-13-45"}', 400, "[body:dob]"),
        ("PUT", f"/sandbox/individual/{person.id}", b'{"first_name": 7}', 400, "[body:first_name]"),
        (
            "PUT",
            f"/sandbox/employment/{person.id}",
            b'{"income": {"amount": "lots"}}',
            400,
            "[body:income.amount]",
        ),
        (
            "PUT",
            f"/sandbox/employment/{person.id}",
            b'{"employment": {"type": "pirate"}}',
            400,
            "[body:employment.type]",
        ),
        ("PUT", "/sandbox/company", b'{"legal_name": "only one key"}', 400, "[body:"),
        ("POST", "/sandbox/directory", b'{"first_name": "not a list"}', 400, "[body]"),
        (
            "POST",
            "/sandbox/directory",
            b'[{"manager": {"id": "00000000-0000-4000-8000-000000000000"}}]',
            400,
            "manager",
        ),
        ("POST", "/sandbox/payment", b'{"start_date": "yesterday"}', 400, "[body:start_date]"),
        (
            "POST",
            "/employer/individual",
            b'{"requests": [{"individual_id": 12}]}',
            400,
            "individual_id",
        ),
        ("GET", "/employer/directory?limit=-1", None, 400, "[query:limit]"),
        ("GET", "/employer/directory?limit=abc", None, 400, "[query:limit]"),
        ("GET", "/employer/payment?start_date=2020-01-01", None, 400, "[query:end_date]"),
        (
            "GET",
            "/employer/company?entity_ids[]=00000000-0000-4000-8000-000000000000",
            None,
            400,
            "entity_ids",
        ),
    ]
    for method, path, body, status, needle in cases:
        headers = {**bearer(connection), "Content-Type": "application/json"}
        response = raw.request(method, path, content=body, headers=headers)
        assert_finch_error(response, status, needle)
    assert snapshot(client) == before
    assert client.sandbox.individual.update(person.id) == provider_before


def test_oversized_body_is_413(raw: httpx.Client, connection: Any, client: Finch) -> None:
    before = snapshot(client)
    huge = json.dumps(
        [{"first_name": "x" * 1000}] * 40_000
    ).encode()  # ~41 MB, over the 32 MiB default
    response = raw.post(
        "/sandbox/directory",
        content=huge,
        headers={**bearer(connection), "Content-Type": "application/json"},
    )
    body = assert_finch_error(response, 413, "larger than the limit")
    assert body["name"] == "payload_too_large_error"
    assert snapshot(client) == before


def test_unknown_route_is_a_finch_404(raw: httpx.Client) -> None:
    response = raw.get("/employer/nothing-here")
    body = response.json()
    assert response.status_code == 404
    assert body["name"] == "not_found_error" and "/employer/nothing-here" in body["message"]


def test_malformed_api_version_is_rejected(raw: httpx.Client) -> None:
    response = raw.get("/providers", headers={"Finch-API-Version": "yesterday"})
    assert_finch_error(response, 400, "Finch-API-Version")


def test_basic_credentials_on_a_bearer_endpoint_are_refused(raw: httpx.Client) -> None:
    response = raw.get("/employer/company", headers={"Authorization": BASIC})
    assert_finch_error(response, 401)


def test_a_form_encoded_body_is_told_to_send_json(raw: httpx.Client) -> None:
    response = raw.post(
        "/sandbox/connections",
        data={"provider_id": "gusto"},
        headers={"Authorization": BASIC},
    )
    assert_finch_error(
        response,
        400,
        "[body]:",
        "the body was sent as application/x-www-form-urlencoded",
        "send JSON with Content-Type: application/json",
    )


def test_directory_items_may_have_null_residence_and_location(
    raw: httpx.Client, client: Finch, connection: Any
) -> None:
    """A null residence used to crash the generator (it read residence.city)."""
    response = raw.post(
        "/sandbox/directory",
        json=[{"residence": None}, {"location": None, "residence": None, "income": None}],
        headers=bearer(connection),
    )
    assert response.status_code == 200, response.text
    validate_response("POST", "/sandbox/directory", 200, response.json())
    assert [p["residence"] for p in response.json()] == [None, None]


@pytest.mark.parametrize(
    ("phone", "accepted"),
    [
        ("", False),
        ("555-555-0100", False),
        ("+1 555", False),
        ("5555550100", True),
        ("+15555550100 x12", True),
        (None, True),
    ],
)
def test_company_phone_number_must_be_ten_digits(
    raw: httpx.Client, client: Finch, connection: Any, phone: str | None, accepted: bool
) -> None:
    """Finch's schema says [0-9]{10}; anything else stored would later be answered by
    GET /employer/company in violation of it."""
    before = snapshot(client)
    body = {
        "accounts": None,
        "departments": None,
        "ein": None,
        "entity": None,
        "legal_name": "Phone Co",
        "locations": None,
        "primary_email": None,
        "primary_phone_number": phone,
    }
    response = raw.put("/sandbox/company", json=body, headers=bearer(connection))
    if accepted:
        assert response.status_code == 200, response.text
        validate_response("PUT", "/sandbox/company", 200, response.json())
    else:
        assert_finch_error(response, 400, "[body:primary_phone_number]", "10 digits in a row")
        assert snapshot(client) == before


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            [{"first_name": "a\u0000b"}],
            "[body:0.first_name]: Value error, must not contain the NUL",
        ),
        ([{"income": {"amount": 10**30}}], "[body:0.income.amount]"),
        ([{"dob": "2024-W01-1"}], "[body:0.dob]"),
        ([{"manager": {"id": "not-a-uuid"}}], "[body:0.manager.id]"),
        (
            [{"custom_fields": [{"name": "x", "value": {"k": 2**64}}]}],
            "[body:0.custom_fields.0.value]",
        ),
    ],
)
def test_values_that_cannot_be_stored_or_answered_are_refused(
    raw: httpx.Client, client: Finch, connection: Any, body: Any, needle: str
) -> None:
    before = snapshot(client)
    response = raw.post("/sandbox/directory", json=body, headers=bearer(connection))
    assert_finch_error(response, 400, needle)
    assert snapshot(client) == before


def test_payment_totals_must_stay_within_what_the_sdks_read(
    raw: httpx.Client, client: Finch, connection: Any
) -> None:
    person = client.hris.directory.list().individuals[0].id
    earning = {"amount": 2**52, "type": "salary"}
    response = raw.post(
        "/sandbox/payment",
        json={
            "start_date": "2026-10-01",
            "end_date": "2026-10-14",
            "pay_statements": [{"individual_id": person, "earnings": [earning, earning, earning]}],
        },
        headers=bearer(connection),
    )
    assert_finch_error(
        response, 400, "the amounts of gross pay add up to more than 9007199254740991"
    )
    # Each total is its own sum: a net pay at the limit beside a small gross pay fits.
    statement = {"individual_id": person, "gross_pay": 1, "net_pay": 2**53 - 1}
    fits = raw.post(
        "/sandbox/payment",
        json={"start_date": "2026-10-01", "end_date": "2026-10-14", "pay_statements": [statement]},
        headers=bearer(connection),
    )
    assert fits.status_code == 200 and fits.json()["payment_id"], fits.text


def test_companies_past_the_size_limit_are_refused_before_any_work(
    app_client: Finch, raw: httpx.Client
) -> None:
    """Generated inside the request, a larger company would outlast the SDK's 60 s timeout (and
    the SDK would retry, creating a second one): Finch's 400, naming the field and the limit."""
    from finch_sandbox.settings import Settings

    limit = Settings().max_employee_size
    response = raw.post(
        "/sandbox/connections",
        json={"provider_id": "gusto", "employee_size": limit + 1},
        headers={"Authorization": BASIC},
    )
    assert_finch_error(
        response,
        400,
        f"[body:employee_size]: must be between 1 and {limit}",
        "FINCH_SANDBOX_MAX_EMPLOYEE_SIZE",
    )
    # Nothing was created: the only connection is the one made now.
    created = app_client.sandbox.connections.create(provider_id="gusto", employee_size=1)
    assert created.connection_id
