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
