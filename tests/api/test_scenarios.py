"""Scenarios: a connection with a fixed token and fixed ids, created afresh each time."""

from __future__ import annotations

from datetime import date
from typing import Any

import finch
import httpx
import pytest
from finch import Finch
from finch.types.hris import Payment, PayStatement

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


OTHER_ENTITIES = ["3c90c3cc-0d44-4b50-8888-8dd25736052a", "5e6f7a8b-9c10-4d11-a12b-c13d14e15f16"]


def with_changes(**changes: Any) -> dict[str, Any]:
    return {"connections": [{**SCENARIO["connections"][0], **changes}]}


MAXIMUM = 27_500


def history(client: Finch, start: date, end: date) -> list[tuple[Payment, list[PayStatement]]]:
    """Every payment between the dates with its pay statements, oldest first."""
    payments = list(client.hris.payments.list(start_date=start, end_date=end))
    pages = [
        page
        for first in range(0, len(payments), 10)  # at most 10 payments per request
        for page in client.hris.pay_statements.retrieve_many(
            requests=[{"payment_id": p.id} for p in payments[first : first + 10]]
        )
    ]
    paired = [
        (payment, list(page.body.pay_statements))  # type: ignore[union-attr]
        for payment, page in zip(payments, pages, strict=True)
    ]
    return sorted(paired, key=lambda pair: str(pair[0].pay_date))


def cents(value: Any) -> int:
    """An amount of money, or a line's amount, as cents (None as 0)."""
    return int(getattr(value, "amount", value) or 0)


def test_declared_benefits_and_enrollments_are_there_from_the_start(
    server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    products = [*SCENARIO["connections"][0]["products"], "benefits"]
    enrollment = {
        "employee_deduction": {"type": "fixed", "amount": 2500},
        "annual_maximum": MAXIMUM,
    }
    scenario = with_changes(
        products=products,
        benefits=[
            {
                "id": "benefit-a",
                "type": "401k",
                "description": "Declared",
                "enrollments": [{"individual_id": PERSON_B, "configuration": enrollment}],
            },
            {"id": "benefit-b", "type": "hsa_pre"},
        ],
    )
    answer = apply(raw, scenario)
    assert answer.status_code == 201, answer.text
    client = make_client(server.base_url, spec_recorder, "fixed-token")
    assert [b.benefit_id for b in client.hris.benefits.list()] == ["benefit-a", "benefit-b"]
    assert client.hris.benefits.retrieve("benefit-a").description == "Declared"
    enrolled = client.hris.benefits.individuals.enrolled_ids("benefit-a")
    assert enrolled.individual_ids == [PERSON_B]
    (found,) = client.hris.benefits.individuals.retrieve_many_benefits(
        "benefit-a", individual_ids=PERSON_B
    )
    assert found.body.employee_deduction.amount == 2500  # type: ignore[union-attr]

    # The enrollment predates the generated pay history, which shows it: every paycheck of
    # the person carries it, statements and payments still add up, and the year's total
    # stops at the annual maximum.
    by_year: dict[str, int] = {}
    paychecks: dict[str, int] = {}
    for payment, statements in history(client, date(2000, 1, 1), date(2100, 1, 1)):
        assert sum(cents(s.net_pay) for s in statements) == cents(payment.net_pay)
        for statement in statements:
            employee_taxes = [t for t in statement.taxes or [] if t is not None and not t.employer]
            taxes = sum(cents(t) for t in employee_taxes)
            taken = sum(cents(d) for d in statement.employee_deductions or [])
            assert cents(statement.gross_pay) - taxes - taken == cents(statement.net_pay)
            if statement.individual_id != PERSON_B or not statement.gross_pay.amount:  # type: ignore[union-attr]
                continue
            year = str(payment.pay_date)[:4]
            declared = sum(
                d.amount or 0 for d in statement.employee_deductions or [] if d.name == "Declared"
            )
            # $25 a paycheck until the year's $275 maximum, then nothing.
            assert declared == (2500 if by_year.get(year, 0) < MAXIMUM else 0), payment.pay_date
            by_year[year] = by_year.get(year, 0) + declared
            paychecks[year] = paychecks.get(year, 0) + 1
    assert by_year == {y: min(n * 2500, MAXIMUM) for y, n in paychecks.items()}
    assert MAXIMUM in by_year.values(), "the history never reached the maximum"

    # Declared enrollments are deducted like any other from the next pay statement, with
    # the history's year-to-date total counted against the maximum.
    paid = client.sandbox.payment.create(
        start_date=date(2026, 11, 2),
        end_date=date(2026, 11, 13),
        pay_statements=[{"individual_id": PERSON_B, "gross_pay": 400_000}],
    )
    job = client.sandbox.jobs.create(type="data_sync_all")
    while client.jobs.automated.retrieve(str(job.job_id)).status != "complete":
        pass
    (page,) = client.hris.pay_statements.retrieve_many(requests=[{"payment_id": paid.payment_id}])
    (statement,) = page.body.pay_statements  # type: ignore[union-attr]
    deductions = {d.name: d.amount for d in statement.employee_deductions or []}
    expected = min(2500, MAXIMUM - by_year.get("2026", 0))
    assert deductions.get("Declared", 0) == expected, (deductions, by_year)


def test_declared_benefits_the_provider_could_not_have_are_refused(
    server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    products = [*SCENARIO["connections"][0]["products"], "benefits"]
    bad = [
        ({"id": "b", "type": "457"}, "Provider does not support benefit type '457'"),
        (
            {"id": "b", "type": "401k", "enrollments": [{"individual_id": "someone-else"}]},
            "'someone-else' is not one of them",
        ),
        (
            {
                "id": "b",
                "type": "fsa_medical",
                "enrollments": [
                    {"individual_id": PERSON_A, "configuration": {"catch_up": True}},
                ],
            },
            "catch up",
        ),
    ]
    for benefit, needle in bad:
        answer = apply(raw, with_changes(products=products, benefits=[benefit]))
        assert answer.status_code == 400, answer.text
        assert "benefits" in answer.json()["message"] and needle in answer.json()["message"]
    # Refused before anything was made: the token names no connection.
    introspect = raw.get("/introspect", headers={"Authorization": "Bearer fixed-token"})
    assert introspect.status_code == 401


def test_entities_make_a_multi_entity_connection(
    server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    entities = [
        {"id": ENTITY},
        {"id": OTHER_ENTITIES[0], "employee_size": 2},
        {"id": OTHER_ENTITIES[1]},
    ]
    answer = apply(raw, with_changes(entities=entities))
    assert answer.status_code == 201, answer.text
    assert answer.json()["connections"][0]["entity_ids"] == [ENTITY, *OTHER_ENTITIES]
    client = make_client(server.base_url, spec_recorder, "fixed-token")
    assert [e.id for e in client.account.introspect().entities or []] == [ENTITY, *OTHER_ENTITIES]
    # Reads name their entity now; the first entity has the fixed ids.
    with pytest.raises(finch.BadRequestError, match="several entities"):
        client.hris.directory.list()
    first = client.hris.directory.list(entity_ids=[ENTITY]).individuals
    assert {PERSON_A, PERSON_B} <= {p.id for p in first} and len(first) == 4
    second = client.hris.directory.list(entity_ids=[OTHER_ENTITIES[0]]).individuals
    assert len(second) == 2 and not {p.id for p in second} & {p.id for p in first}
    third = client.hris.company.retrieve(entity_ids=[OTHER_ENTITIES[1]])
    assert third.id != client.hris.company.retrieve(entity_ids=[ENTITY]).id

    client.account.disconnect_entity(entity_ids=OTHER_ENTITIES)
    assert [
        e.id for e in client.account.introspect().entities or [] if e.status != "disconnected"
    ] == [ENTITY]
    assert len(client.hris.directory.list().individuals) == 4


def test_entity_ids_must_be_distinct_and_agree_with_entity_id(raw: httpx.Client) -> None:
    twice = with_changes(entities=[{"id": ENTITY}, {"id": ENTITY}])
    assert apply(raw, twice).status_code == 400
    other = with_changes(entities=[{"id": OTHER_ENTITIES[0]}])  # entity_id says ENTITY
    answer = apply(raw, other)
    assert answer.status_code == 400 and "entity_id" in answer.json()["message"]


def test_status_sets_where_the_connection_starts(
    server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    assisted = with_changes(authentication_type="assisted", provider_id="onpay")
    assert apply(raw, assisted).status_code == 201
    client = make_client(server.base_url, spec_recorder, "fixed-token")
    # Finch sets assisted connections up by hand: pending (data answers 202, a status the spec
    # does not document, hence no spec recorder) until then.
    unchecked = make_client(server.base_url, None, "fixed-token")
    assert unchecked.hris.directory.with_raw_response.list().status_code == 202
    assert (
        apply(
            raw, {"connections": [{**assisted["connections"][0], "status": "connected"}]}
        ).status_code
        == 201
    )
    assert client.hris.directory.list().individuals
    assert apply(raw, with_changes(status="sleeping")).status_code == 400


def test_a_declared_enrollment_starts_at_its_effective_date(
    server: ThreadedServer, raw: httpx.Client, spec_recorder: SpecRecorder
) -> None:
    products = [*SCENARIO["connections"][0]["products"], "benefits"]
    configuration = {
        "employee_deduction": {"type": "percent", "amount": 100},
        "effective_date": "2026-01-01",
    }
    scenario = with_changes(
        products=products,
        benefits=[
            {
                "id": "benefit-a",
                "type": "401k",
                "description": "Declared",
                "enrollments": [{"individual_id": PERSON_A, "configuration": configuration}],
            }
        ],
    )
    assert apply(raw, scenario).status_code == 201
    client = make_client(server.base_url, spec_recorder, "fixed-token")
    seen = {}
    for payment, statements in history(client, date(2025, 6, 1), date(2026, 6, 30)):
        for statement in statements:
            if statement.individual_id == PERSON_A and statement.gross_pay.amount:  # type: ignore[union-attr]
                names = {d.name for d in statement.employee_deductions or []}
                seen[str(payment.pay_date)] = "Declared" in names
    assert seen and all(taken == (day >= "2026-01-01") for day, taken in seen.items()), seen
