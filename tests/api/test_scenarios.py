"""Scenarios: a connection with a fixed token and fixed ids, created afresh each time."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from finch_sandbox.testing import ThreadedServer
from tests.clients import CLIENT_ID, CLIENT_SECRET, make_client
from tests.spec import SpecRecorder

ENTITY = "550e8400-e29b-41d4-a716-446655440000"
# The spec wants UUIDs where people are referred to (managers); any string works as an id.
PERSON_A = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
PERSON_B = "0b8d1f3e-2c4a-4e6f-8a1b-3c5d7e9f1a2b"
SCENARIO: dict[str, Any] = {
    "connections": [
        {
            "access_token": "fixed-token",
            "provider_id": "gusto",
            "employee_size": 4,
            "products": [
                "company",
                "directory",
                "individual",
                "employment",
                "payment",
                "pay_statement",
                "documents",
            ],
            "entity_id": ENTITY,
            "ids": {
                "employee": [PERSON_A, PERSON_B],
                "pay_group": ["group-a"],
                "document": ["doc-a"],
            },
            "rules": [
                {
                    "id": "rule-a",
                    "conditions": [{"field": "category", "value": "taxes"}],
                    "attributes": {"metadata": {"tax": True}},
                }
            ],
            "jobs": [{"id": "job-a", "type": "data_sync_all"}],
        }
    ]
}


def apply(http: httpx.Client, scenario: dict[str, Any] = SCENARIO) -> httpx.Response:
    return http.post("/_finch-sandbox/scenario", json=scenario, auth=(CLIENT_ID, CLIENT_SECRET))


def test_fixed_ids_are_used_everywhere(
    server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    answer = apply(raw)
    assert answer.status_code == 201, answer.text
    (applied,) = answer.json()["connections"]
    assert applied["access_token"] == "fixed-token" and applied["entity_id"] == ENTITY
    client = make_client(server.base_url, spec_recorder, "fixed-token")

    assert client.account.introspect().entities[0].id == ENTITY  # type: ignore[index]
    people = client.hris.directory.list().individuals
    ids = {p.id for p in people}
    assert {PERSON_A, PERSON_B} <= ids and len(ids) == 4
    assert all(p.manager is None or p.manager.id in ids for p in people)
    (person,) = client.hris.individuals.retrieve_many(requests=[{"individual_id": PERSON_B}])
    assert person.body.id == PERSON_B  # type: ignore[union-attr]

    group = client.payroll.pay_groups.retrieve("group-a")
    members = {
        i
        for g in client.payroll.pay_groups.list()
        for i in client.payroll.pay_groups.retrieve(g.id).individual_ids
    }
    assert members == ids and group.individual_ids
    payments = client.hris.payments.list(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1))
    payment = list(payments)[-1]
    assert (
        "group-a" in (payment.pay_group_ids or [])
        or len(list(client.payroll.pay_groups.list())) > 1
    )
    (page,) = client.hris.pay_statements.retrieve_many(requests=[{"payment_id": payment.id}])
    assert {s.individual_id for s in page.body.pay_statements} <= ids  # type: ignore[union-attr]

    document = client.hris.documents.retreive("doc-a")
    assert document.data.individual_id == PERSON_A
    assert [r.id for r in client.hris.pay_statement_item.rules.list()] == ["rule-a"]
    assert client.jobs.automated.retrieve("job-a").status == "complete"


def test_applying_again_gives_a_fresh_connection(
    server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    first = apply(raw).json()["connections"][0]
    client = make_client(server.base_url, spec_recorder, "fixed-token")
    client.hris.pay_statement_item.rules.delete("rule-a")
    client.sandbox.individual.update(PERSON_A, first_name="Changed")
    # Answers for this token now sit in the server's caches; the next application must
    # invalidate them.
    assert client.account.introspect().connection_id == first["connection_id"]
    assert client.account.introspect().connection_id == first["connection_id"]
    second = apply(raw).json()["connections"][0]
    assert second["connection_id"] != first["connection_id"]
    assert [r.id for r in client.hris.pay_statement_item.rules.list()] == ["rule-a"]
    assert client.account.introspect().connection_id == second["connection_id"]
    changed = client.sandbox.individual.update(PERSON_A, middle_name="M")
    assert changed.first_name != "Changed", "the edit belonged to the retired connection"


def test_scenario_needs_the_application_credentials_and_a_valid_document(
    raw: httpx.Client,
) -> None:
    answer = raw.post("/_finch-sandbox/scenario", json=SCENARIO)
    assert answer.status_code == 401 and answer.json()["code"] == 401
    assert apply(raw, {"connections": []}).status_code == 400
    too_many = {"connections": [{**SCENARIO["connections"][0], "ids": {"pay_group": ["a"] * 9}}]}
    bad = apply(raw, too_many)
    assert bad.status_code == 400 and "ids.pay_group" in bad.json()["message"]
    unknown = {"connections": [{**SCENARIO["connections"][0], "ids": {"benefit": ["x"]}}]}
    assert apply(raw, unknown).status_code == 400


@pytest.mark.parametrize("token", ["", 5])
def test_bad_token_is_refused(raw: httpx.Client, token: object) -> None:
    scenario = {"connections": [{**SCENARIO["connections"][0], "access_token": token}]}
    assert apply(raw, scenario).status_code == 400
