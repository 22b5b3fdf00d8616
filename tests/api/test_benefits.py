"""/employer/benefits… through the official SDK against a live server: what the catalog allows,
the manual jobs that report each write, and enrolled benefits in the next pay statements."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import finch
import pytest
from finch import Finch

from finch_sandbox.services import Services
from finch_sandbox.storage.uow import UnitOfWork
from finch_sandbox.testing import ThreadedServer
from tests.clients import make_client
from tests.observe import burst
from tests.spec import SpecRecorder

PRODUCTS = ["company", "directory", "individual", "employment", "payment", "pay_statement"]


def connect(app_client: Finch, server: ThreadedServer, recorder: SpecRecorder, provider: str,
            *, authentication_type: str = "credential", products: list[str] | None = None,
            ) -> tuple[Finch, Any]:  # fmt: skip
    connection = app_client.sandbox.connections.create(
        provider_id=provider,
        authentication_type=authentication_type,  # type: ignore[arg-type]
        employee_size=5,
        products=products if products is not None else [*PRODUCTS, "benefits"],
    )
    return make_client(server.base_url, recorder, connection.access_token), connection


@pytest.fixture
def gusto(app_client: Finch, server: ThreadedServer, spec_recorder: SpecRecorder) -> Finch:
    """Gusto: automated benefits (the catalog lets Finch read and write them)."""
    return connect(app_client, server, spec_recorder, "gusto")[0]


def finished(client: Finch, job_id: str, timeout: float = 10) -> Any:
    """GET /jobs/manual/{job_id} until the job is complete."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.jobs.manual.retrieve(job_id)
        if job.status in ("complete", "error"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status}"
        time.sleep(0.02)


def synced(client: Finch) -> None:
    """A forced refresh, waited for: the provider's new pay statements reach /employer/*."""
    job = client.sandbox.jobs.create(type="data_sync_all")
    deadline = time.monotonic() + 10
    while client.jobs.automated.retrieve(str(job.job_id)).status != "complete":
        assert time.monotonic() < deadline
        time.sleep(0.02)


def statement_of(client: Finch, payment_id: str) -> Any:
    """The payment's first pay statement (the first individual it pays)."""
    (item,) = client.hris.pay_statements.retrieve_many(requests=[{"payment_id": payment_id}])
    return item.body.pay_statements[0]  # type: ignore[union-attr]


def test_meta_lists_the_types_the_provider_supports(gusto: Finch) -> None:
    supported = {b.type: b for b in gusto.hris.benefits.list_supported_benefits()}  # type: ignore[attr-defined]
    assert "401k" in supported and "hsa_pre" in supported
    # Listed in Gusto's catalog entry, but every operation is not_supported_by_provider.
    assert "457" not in supported and "hsa_post" not in supported
    assert supported["401k"].annual_maximum is True
    assert supported["401k"].employee_deduction == ["fixed", "percent"]
    assert supported["fsa_medical"].catch_up is False


def test_create_read_update_and_list_through_manual_jobs(gusto: Finch) -> None:
    assert list(gusto.hris.benefits.list()) == []
    created = gusto.hris.benefits.create(
        type="401k",
        description="Retirement",
        frequency="every_paycheck",
        company_contribution={"type": "match", "tiers": [{"match": 10_000, "threshold": 300}]},
    )
    job = finished(gusto, created.job_id)
    assert job.status == "complete"
    assert job.body == [
        {
            "benefit_id": created.benefit_id,
            "code": 201,
            "body": {
                "name": "created",
                "finch_code": "benefit_created",
                "message": "Successfully created the benefit",
            },
        }
    ]
    benefit = gusto.hris.benefits.retrieve(created.benefit_id)
    assert (benefit.type, benefit.description, benefit.frequency) == (
        "401k",
        "Retirement",
        "every_paycheck",
    )
    assert benefit.company_contribution.tiers[0].match == 10_000  # type: ignore[union-attr]
    updated = gusto.hris.benefits.update(created.benefit_id, description="401(k) Plan")
    assert updated.benefit_id == created.benefit_id
    assert finished(gusto, updated.job_id).status == "complete"
    assert [b.description for b in gusto.hris.benefits.list()] == ["401(k) Plan"]


def test_enrollment_reaches_the_next_pay_statements_and_stops_at_the_annual_maximum(
    gusto: Finch,
) -> None:
    people = gusto.hris.directory.list().individuals
    saver, other = people[0].id, people[1].id
    benefit = gusto.hris.benefits.create(type="401k", description="401(k)")
    enrolled = gusto.hris.benefits.individuals.enroll_many(
        benefit.benefit_id,
        individuals=[
            {
                "individual_id": saver,
                "configuration": {
                    "employee_deduction": {"type": "percent", "amount": 1_000},  # 10%
                    "company_contribution": {"type": "percent", "amount": 400},  # 4%
                    "annual_maximum": 50_000,
                    "catch_up": False,
                },
            },
            {"individual_id": "not-a-person"},
        ],
    )
    job = finished(gusto, enrolled.job_id)
    assert [
        (item["individual_id"], item["code"], item["body"]["finch_code"]) for item in job.body
    ] == [
        (saver, 201, "enrolled_new_benefit"),
        ("not-a-person", 404, "individual_not_found"),
    ]
    assert gusto.hris.benefits.individuals.enrolled_ids(benefit.benefit_id).individual_ids == [
        saver
    ]

    def pay(start: str, end: str) -> str:
        earnings: Any = [{"amount": 300_000, "hours": 80, "name": "Salary", "type": "salary"}]
        return gusto.sandbox.payment.create(
            start_date=start,
            end_date=end,
            pay_statements=[
                {"individual_id": saver, "earnings": earnings},
                {"individual_id": other, "earnings": earnings},
            ],
        ).payment_id

    payments = [
        pay("2026-11-02", "2026-11-13"),
        pay("2026-11-16", "2026-11-27"),
        pay("2026-11-30", "2026-12-11"),
    ]
    synced(gusto)
    taken = []
    for payment_id in payments:
        statement = statement_of(gusto, payment_id)
        assert statement.individual_id == saver
        deductions = [(d.name, d.amount, d.type, d.pre_tax) for d in statement.employee_deductions]
        contributions = [(c.name, c.amount) for c in statement.employer_contributions]
        taken.append((deductions, contributions, statement.net_pay.amount))
    # 10% of $3,000 is $300 a paycheck until the $500 maximum: $300, $200, then nothing;
    # the 4% company contribution ($120) is not capped by the employee's maximum.
    assert taken == [
        ([("401(k)", 30_000, "401k", True)], [("401(k)", 12_000)], 270_000),
        ([("401(k)", 20_000, "401k", True)], [("401(k)", 12_000)], 280_000),
        ([], [("401(k)", 12_000)], 300_000),
    ]
    # Someone not enrolled has nothing taken.
    (item,) = gusto.hris.pay_statements.retrieve_many(requests=[{"payment_id": payments[0]}])
    other_statement = item.body.pay_statements[1]  # type: ignore[union-attr]
    assert other_statement.individual_id == other
    assert other_statement.employee_deductions == []

    benefits = gusto.hris.benefits.individuals.retrieve_many_benefits(
        benefit.benefit_id, individual_ids=f"{saver},{other}"
    )
    first, second = list(benefits)
    assert first.code == 200 and first.body.annual_maximum == 50_000  # type: ignore[union-attr]
    assert first.body.employee_deduction.type == "percent"  # type: ignore[union-attr]
    assert (second.code, second.body.finch_code) == (404, "enrollment_not_found")  # type: ignore[union-attr]

    gone = gusto.hris.benefits.individuals.unenroll_many(
        benefit.benefit_id, individual_ids=[saver, saver]
    )
    body = finished(gusto, gone.job_id).body
    assert [(b["code"], b["body"]["finch_code"]) for b in body] == [
        (200, "unenrolled_individual_benefit"),
        (404, "enrollment_not_found"),
    ]
    later = pay("2026-12-14", "2026-12-25")
    synced(gusto)
    assert statement_of(gusto, later).employee_deductions == []


def test_a_benefit_without_a_type_is_kept_but_takes_no_enrollments(
    gusto: Finch, app_client: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    # The spec lets `type` be omitted or null, and Finch's docs call create() with no body.
    created = gusto.hris.benefits.create()
    assert finished(gusto, created.job_id).status == "complete"
    benefit = gusto.hris.benefits.retrieve(created.benefit_id)
    assert (benefit.type, benefit.description) == (None, None)
    assert [b.benefit_id for b in gusto.hris.benefits.list()] == [created.benefit_id]
    person = gusto.hris.directory.list().individuals[0].id
    with pytest.raises(finch.UnprocessableEntityError, match="has no type"):
        gusto.hris.benefits.individuals.enroll_many(
            created.benefit_id, individuals=[{"individual_id": person}]
        )
    with pytest.raises(finch.UnprocessableEntityError, match="has no type"):
        gusto.hris.benefits.individuals.enrolled_ids(created.benefit_id)
    # A provider without benefits refuses an untyped one as it refuses any other.
    bob, _ = connect(app_client, server, spec_recorder, "bob", authentication_type="api_token")
    with pytest.raises(finch.UnprocessableEntityError) as refused:
        bob.hris.benefits.create()
    assert refused.value.body["finch_code"] == "not_supported_by_provider"  # type: ignore[index]


def test_a_provider_without_the_type_refuses_it(
    gusto: Finch, app_client: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    with pytest.raises(finch.UnprocessableEntityError) as refused:
        gusto.hris.benefits.create(type="457", description="457(b)")
    assert refused.value.body == {
        "code": 422,
        "name": "unprocessable_request_error",
        "finch_code": "unsupported_parameters",
        "message": "Provider does not support benefit type '457'",
    }
    # A provider whose catalog entry lists no benefits at all.
    bob, _ = connect(app_client, server, spec_recorder, "bob", authentication_type="api_token")
    with pytest.raises(finch.UnprocessableEntityError) as none:
        bob.hris.benefits.create(type="401k")
    assert none.value.body["finch_code"] == "not_supported_by_provider"  # type: ignore[index]
    assert list(bob.hris.benefits.list_supported_benefits()) == []


def test_assisted_benefits_are_written_and_registered_but_not_read(
    app_client: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    # Justworks: Finch writes benefits for it (through its team) but cannot read them back.
    justworks, _ = connect(app_client, server, spec_recorder, "justworks")
    created = justworks.hris.benefits.create(type="s125_medical", description="Medical")
    assert finished(justworks, created.job_id).status == "complete"
    with pytest.raises(finch.InternalServerError) as refused:
        justworks.hris.benefits.list()
    assert refused.value.status_code == 501
    assert refused.value.body["finch_code"] == "not_supported_by_finch"  # type: ignore[index]
    registered = justworks.hris.benefits.register(type="401k", description="Existing plan")
    assert finished(justworks, registered.job_id).status == "complete"
    with pytest.raises(finch.BadRequestError, match="does not support assisted benefits"):
        connect(app_client, server, spec_recorder, "gusto")[0].hris.benefits.register(type="401k")


def test_errors_are_finch_shaped(
    gusto: Finch, app_client: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    with pytest.raises(finch.NotFoundError) as missing:
        gusto.hris.benefits.retrieve("no-such-benefit")
    assert missing.value.body["finch_code"] == "benefit_not_found"  # type: ignore[index]
    benefit = gusto.hris.benefits.create(type="401k")
    person = gusto.hris.directory.list().individuals[0].id
    with pytest.raises(finch.BadRequestError) as bad:
        gusto.hris.benefits.individuals.enroll_many(
            benefit.benefit_id,
            individuals=[
                {
                    "individual_id": person,
                    "configuration": {"employee_deduction": {"type": "percent", "amount": 20_000}},
                }
            ],
        )
    assert bad.value.body["code"] == 400  # type: ignore[index]
    assert "[body:0.configuration.employee_deduction" in bad.value.body["message"]  # type: ignore[index]
    # What the provider cannot take is a per-individual result, not a failed request.
    fsa = gusto.hris.benefits.create(type="fsa_medical")
    job = gusto.hris.benefits.individuals.enroll_many(
        fsa.benefit_id,
        individuals=[
            {
                "individual_id": person,
                "configuration": {"employee_deduction": {"type": "percent", "amount": 100}},
            }
        ],
    )
    (item,) = finished(gusto, job.job_id).body
    assert (item["code"], item["body"]["finch_code"]) == (422, "invalid_employee_enrollment")
    no_product, _ = connect(app_client, server, spec_recorder, "gusto", products=PRODUCTS)
    with pytest.raises(finch.PermissionDeniedError):
        no_product.hris.benefits.list()
    with pytest.raises(finch.NotFoundError):
        gusto.jobs.manual.retrieve("00000000-0000-4000-8000-000000000000")


def test_every_benefit_write_marks_the_connection_changed(
    app_client: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    client, connection = connect(app_client, server, spec_recorder, "gusto")
    services: Services = server.app.state.services

    def version() -> int:
        with UnitOfWork(services.db) as uow:
            found = uow.connections.change_version(connection.connection_id)
        assert found is not None
        return found

    person = client.hris.directory.list().individuals[0].id
    before = version()
    benefit = client.hris.benefits.create(type="401k")
    after_create = version()
    assert after_create > before
    client.hris.benefits.update(benefit.benefit_id, description="x")
    after_update = version()
    assert after_update > after_create
    client.hris.benefits.individuals.enroll_many(
        benefit.benefit_id, individuals=[{"individual_id": person}]
    )
    after_enroll = version()
    assert after_enroll > after_update
    client.hris.benefits.individuals.unenroll_many(benefit.benefit_id, individual_ids=[person])
    assert version() > after_enroll
    assert date.today()  # the wall clock is not what any of this reads


def test_concurrent_enrollments_of_one_person_enroll_once(
    gusto: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    person = gusto.hris.directory.list().individuals[0].id
    benefit = gusto.hris.benefits.create(type="s125_medical", description="Medical")
    body = [
        {
            "individual_id": person,
            "configuration": {"employee_deduction": {"type": "fixed", "amount": 4_500}},
        }
    ]
    responses = burst(
        server.base_url,
        8,
        "POST",
        f"/employer/benefits/{benefit.benefit_id}/individuals",
        headers={"Authorization": f"Bearer {gusto.access_token}"},
        json=body,
    )
    assert [r.status_code for r in responses] == [200] * 8
    for response in responses:
        spec_recorder(response)
    codes = sorted(
        finished(gusto, r.json()["job_id"]).body[0]["body"]["finch_code"] for r in responses
    )
    assert codes == ["enrolled_new_benefit"] + ["updated_existing_enrollment"] * 7
    assert gusto.hris.benefits.individuals.enrolled_ids(benefit.benefit_id).individual_ids == [
        person
    ]


def test_a_create_repeating_an_existing_benefit_answers_its_id(
    gusto: Finch, server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    first = gusto.hris.benefits.create(
        type="401k", description="401(k)", frequency="every_paycheck"
    )
    again = gusto.hris.benefits.create(
        type="401k", description="401(k)", frequency="every_paycheck"
    )
    assert again.benefit_id == first.benefit_id and again.job_id != first.job_id
    assert finished(gusto, again.job_id).body[0]["benefit_id"] == first.benefit_id
    other = gusto.hris.benefits.create(type="401k", description="Roth-less 401(k)")
    assert other.benefit_id != first.benefit_id
    # Identical creates at the same instant agree too: one new benefit between them.
    responses = burst(
        server.base_url,
        8,
        "POST",
        "/employer/benefits",
        headers={"Authorization": f"Bearer {gusto.access_token}"},
        json={"type": "hsa_pre", "description": "HSA"},
    )
    assert [r.status_code for r in responses] == [201] * 8
    for response in responses:
        spec_recorder(response)
    assert len({r.json()["benefit_id"] for r in responses}) == 1
    listed = [(b.type, b.description) for b in gusto.hris.benefits.list()]
    assert listed == [("401k", "401(k)"), ("401k", "Roth-less 401(k)"), ("hsa_pre", "HSA")]
