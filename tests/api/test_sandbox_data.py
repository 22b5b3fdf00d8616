"""Sandbox edits change the provider side only; /employer/* shows them after a sync."""

from __future__ import annotations

from datetime import date
from typing import Any

import finch
import pytest
from finch import Finch
from finch.types.hris.employment_data import BatchError

from finch_sandbox.services import Services
from finch_sandbox.storage.uow import UnitOfWork
from finch_sandbox.testing import ThreadedServer


def publish(server: ThreadedServer, connection: Any) -> None:
    """Run a sync through the service layer (the job loop that drives it comes later)."""
    services: Services = server.app.state.services
    services.sync.publish(connection.connection_id)


def test_individual_edit_is_invisible_until_sync(
    client: Finch, server: ThreadedServer, connection: Any
) -> None:
    person = client.hris.directory.list(limit=1).individuals[0]
    updated = client.sandbox.individual.update(
        person.id, first_name="Grace", preferred_name="Amazing Grace"
    )
    assert updated.id == person.id
    assert updated.first_name == "Grace" and updated.preferred_name == "Amazing Grace"
    assert updated.last_name == person.last_name, "keys not sent are kept"

    (before,) = client.hris.individuals.retrieve_many(requests=[{"individual_id": person.id}])
    assert before.body.first_name == person.first_name  # type: ignore[union-attr]
    assert client.hris.directory.list(limit=1).individuals[0].first_name == person.first_name

    publish(server, connection)
    (after,) = client.hris.individuals.retrieve_many(requests=[{"individual_id": person.id}])
    assert after.body.first_name == "Grace"  # type: ignore[union-attr]
    assert after.body.preferred_name == "Amazing Grace"  # type: ignore[union-attr]
    assert client.hris.directory.list(limit=1).individuals[0].first_name == "Grace"
    (employment,) = client.hris.employments.retrieve_many(requests=[{"individual_id": person.id}])
    names = employment.body
    assert not isinstance(names, BatchError) and names is not None
    assert names.first_name == "Grace", "names stay in step across individual and employment"


def test_employment_edit(client: Finch, server: ThreadedServer, connection: Any) -> None:
    people = client.hris.directory.list().individuals
    root = next(p for p in people if p.manager is None)
    worker = next(p for p in people if p.manager is not None and p.manager.id != root.id)
    updated = client.sandbox.employment.update(
        worker.id,
        title="Principal Engineer",
        income={
            "amount": 25_000_000,
            "currency": "usd",
            "unit": "yearly",
            "effective_date": "2026-01-01",
        },
        manager={"id": root.id},
    )
    assert updated.title == "Principal Engineer" and updated.income.amount == 25_000_000  # type: ignore[union-attr]
    (before,) = client.hris.employments.retrieve_many(requests=[{"individual_id": worker.id}])
    assert before.body.title != "Principal Engineer"  # type: ignore[union-attr]
    publish(server, connection)
    (after,) = client.hris.employments.retrieve_many(requests=[{"individual_id": worker.id}])
    assert after.body.title == "Principal Engineer"  # type: ignore[union-attr]
    assert after.body.manager.id == root.id  # type: ignore[union-attr]
    assert after.body.income.amount == 25_000_000  # type: ignore[union-attr]


def test_manager_cycle_is_rejected(client: Finch) -> None:
    people = client.hris.directory.list().individuals
    root = next(p for p in people if p.manager is None)
    report = next(p for p in people if p.manager is not None and p.manager.id == root.id)
    with pytest.raises(finch.BadRequestError) as info:
        client.sandbox.employment.update(root.id, manager={"id": report.id})
    assert "cycle" in info.value.body["message"]  # type: ignore[index]


def test_company_edit(client: Finch, server: ThreadedServer, connection: Any) -> None:
    original = client.hris.company.retrieve()
    updated = client.sandbox.company.update(
        legal_name="Renamed Holdings, Inc.",
        ein=original.ein,
        entity={"type": "corporation", "subtype": "c_corporation"},
        primary_email="ops@renamed.example",
        primary_phone_number="+15555550100",
        departments=[
            {"name": "Engineering", "parent": None},
            {"name": "Platform", "parent": {"name": "Engineering"}},
        ],
        locations=[
            {
                "line1": "1 Main St",
                "line2": None,
                "city": "Albany",
                "state": "NY",
                "postal_code": "12207",
                "country": "US",
            }
        ],
        accounts=[],
    )
    assert updated.legal_name == "Renamed Holdings, Inc."
    assert client.hris.company.retrieve().legal_name == original.legal_name
    publish(server, connection)
    company = client.hris.company.retrieve()
    assert company.id == original.id
    assert company.legal_name == "Renamed Holdings, Inc."
    assert [d.name for d in company.departments or [] if d] == ["Engineering", "Platform"]


def test_directory_create_fills_omitted_fields(
    client: Finch, server: ThreadedServer, connection: Any
) -> None:
    created = client.sandbox.directory.create(
        body=[{"first_name": "Ada", "last_name": "Lovelace", "title": "Analyst"}, {}]
    )
    assert len(created) == 2
    ada = created[0]
    assert isinstance(ada, dict)
    assert ada["first_name"] == "Ada" and ada["title"] == "Analyst"
    assert ada["dob"] and ada["emails"] and ada["income"] and ada["manager"]
    assert client.hris.directory.list().paging.count == 20
    publish(server, connection)
    directory = client.hris.directory.list(limit=100)
    assert directory.paging.count == 22
    assert any(p.id == ada["id"] and p.first_name == "Ada" for p in directory.individuals)
    # Each new person joins one of the company's pay groups (read by /employer/pay-groups).
    services: Services = server.app.state.services
    with UnitOfWork(services.db) as uow:
        groups = uow.records(connection.connection_id).page_synced("pay_group", limit=9, offset=0)
    for person in created:
        assert isinstance(person, dict)
        assert sum(person["id"] in g["individual_ids"] for g in groups) == 1


def test_payment_create(client: Finch, server: ThreadedServer, connection: Any) -> None:
    person = client.hris.directory.list(limit=1).individuals[0]
    created = client.sandbox.payment.create(
        start_date="2026-11-02",
        end_date="2026-11-15",
        pay_statements=[
            {
                "individual_id": person.id,
                "earnings": [{"amount": 500_000, "hours": 80, "name": "Salary", "type": "salary"}],
                "taxes": [
                    {
                        "amount": 60_000,
                        "employer": False,
                        "name": "Federal Income Tax",
                        "type": "federal",
                    },
                    {"amount": 31_000, "employer": True, "name": "Social Security", "type": "fica"},
                ],
                "employee_deductions": [
                    {"amount": 25_000, "name": "401k", "pre_tax": True, "type": "401k"}
                ],
            }
        ],
    )
    assert created.pay_date == "2026-11-15"
    day = date(2026, 11, 15)
    assert [p.id for p in client.hris.payments.list(start_date=day, end_date=day)] == []
    publish(server, connection)
    (payment,) = client.hris.payments.list(start_date=day, end_date=day)
    assert payment.id == created.payment_id
    assert payment.gross_pay.amount == 500_000  # type: ignore[union-attr]
    assert payment.net_pay.amount == 500_000 - 60_000 - 25_000  # type: ignore[union-attr]
    assert payment.debit_date == "2026-11-16"  # one business day after the pay date
    # The person's pay group, as in generated payments.
    assert payment.pay_group_ids and payment.pay_frequencies != ["other"]
    (statements,) = client.hris.pay_statements.retrieve_many(
        requests=[{"payment_id": created.payment_id}]
    )
    (statement,) = statements.body.pay_statements  # type: ignore[union-attr]
    assert statement.individual_id == person.id
    assert statement.net_pay.amount == 415_000  # type: ignore[union-attr]


def test_payment_debit_skips_federal_holidays(
    client: Finch, server: ThreadedServer, connection: Any
) -> None:
    person = client.hris.directory.list(limit=1).individuals[0]
    created = client.sandbox.payment.create(
        start_date="2026-12-10",
        end_date="2026-12-24",
        pay_statements=[{"individual_id": person.id}],
    )
    publish(server, connection)
    (payment,) = client.hris.payments.list(
        start_date=date(2026, 12, 24), end_date=date(2026, 12, 24)
    )
    assert payment.id == created.payment_id
    assert payment.debit_date == "2026-12-28"  # not Christmas Day, nor the weekend after


def test_payment_for_unknown_individual_is_rejected(client: Finch) -> None:
    with pytest.raises(finch.BadRequestError):
        client.sandbox.payment.create(
            pay_statements=[{"individual_id": "00000000-0000-4000-8000-000000000000"}]
        )


def test_unknown_individual_edit_is_404(client: Finch) -> None:
    with pytest.raises(finch.NotFoundError) as info:
        client.sandbox.individual.update("00000000-0000-4000-8000-000000000000", first_name="X")
    assert info.value.body["finch_code"] == "individual_not_found"  # type: ignore[index]
