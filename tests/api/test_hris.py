"""The employer data API through the official SDK, every response checked against the spec."""

from __future__ import annotations

from datetime import date
from typing import Any

import finch
import pytest
from finch import Finch

from tests.spec import SpecRecorder


def test_company_has_realistic_data(client: Finch, spec_recorder: SpecRecorder) -> None:
    company = client.hris.company.retrieve()
    assert company.legal_name
    assert company.ein and len(company.ein) == 10 and company.ein[2] == "-"
    assert company.departments and len(company.departments) >= 3
    names = {d.name for d in company.departments if d}
    for dept in company.departments:
        assert dept is not None
        if dept.parent is not None:
            assert dept.parent.name in names
    assert company.locations
    assert "GET /employer/company 200" in spec_recorder.checked


def test_directory_pages_through_every_individual(client: Finch) -> None:
    first = client.hris.directory.list(limit=7, offset=0)
    assert first.paging.count == 20
    assert first.paging.offset == 0
    assert len(first.individuals) == 7
    everyone = list(client.hris.directory.list(limit=7))
    assert len(everyone) == 20
    assert len({person.id for person in everyone}) == 20
    tail = client.hris.directory.list(limit=100, offset=18)
    assert [p.id for p in tail.individuals] == [p.id for p in everyone[18:]]


def test_manager_tree_has_one_root_and_no_cycles(client: Finch) -> None:
    people = {p.id: p for p in client.hris.directory.list(limit=100)}
    roots = [p for p in people.values() if p.manager is None]
    assert len(roots) == 1
    for person in people.values():
        seen = set()
        current = person
        while current.manager is not None:
            assert current.id not in seen, "cycle in the manager tree"
            seen.add(current.id)
            current = people[current.manager.id]
        assert current.id == roots[0].id


def test_individual_batch_with_unknown_id_is_a_per_item_error(client: Finch) -> None:
    ids = [p.id for p in client.hris.directory.list(limit=3).individuals]
    unknown = "00000000-0000-4000-8000-000000000000"
    responses = list(
        client.hris.individuals.retrieve_many(
            requests=[{"individual_id": i} for i in [*ids, unknown]]
        )
    )
    assert [r.individual_id for r in responses] == [*ids, unknown]
    assert [r.code for r in responses] == [200, 200, 200, 404]
    missing = responses[3].body
    assert missing.name == "not_found_error"  # type: ignore[union-attr]
    assert missing.finch_code == "individual_not_found"  # type: ignore[union-attr]
    person = responses[0].body
    assert person.first_name and person.dob  # type: ignore[union-attr]
    # SSN only when asked for (and the token has the ssn product)
    assert person.ssn is None  # type: ignore[union-attr]
    with_ssn = list(
        client.hris.individuals.retrieve_many(
            requests=[{"individual_id": ids[0]}], options={"include": ["ssn"]}
        )
    )
    assert with_ssn[0].body.ssn  # type: ignore[union-attr]


def test_employment_batch(client: Finch) -> None:
    ids = [p.id for p in client.hris.directory.list(limit=100).individuals]
    responses = list(
        client.hris.employments.retrieve_many(requests=[{"individual_id": i} for i in ids])
    )
    assert len(responses) == 20 and all(r.code == 200 for r in responses)
    for response in responses:
        body = response.body
        assert body.id == response.individual_id  # type: ignore[union-attr]
        assert body.income is not None and body.income.currency == "usd"  # type: ignore[union-attr]
        employment = body.employment  # type: ignore[union-attr]
        assert employment is not None and employment.type in ("employee", "contractor")


def cents(item: Any) -> int:
    """The amount of a money value or line item the SDK types as optional."""
    assert item is not None and item.amount is not None
    return int(item.amount)


def test_payments_and_pay_statements_add_up(client: Finch) -> None:
    payments = list(
        client.hris.payments.list(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1))
    )
    assert len(payments) > 10, "a 20-employee company has full pay history"
    pay_dates = [p.pay_date or "" for p in payments]
    assert all(pay_dates) and pay_dates == sorted(pay_dates)
    sample = payments[-3:]
    responses = list(
        client.hris.pay_statements.retrieve_many(requests=[{"payment_id": p.id} for p in sample])
    )
    assert [r.payment_id for r in responses] == [p.id for p in sample]
    for payment, response in zip(sample, responses, strict=True):
        assert response.code == 200
        statements = response.body.pay_statements  # type: ignore[union-attr]
        assert statements
        assert payment.gross_pay and payment.gross_pay.amount == sum(
            cents(s.gross_pay) for s in statements
        )
        for s in statements:
            gross = sum(cents(e) for e in s.earnings or [])
            employee_taxes = sum(
                cents(t) for t in s.taxes or [] if t is not None and not t.employer
            )
            deductions = sum(cents(d) for d in s.employee_deductions or [])
            assert cents(s.gross_pay) == gross
            assert cents(s.net_pay) == gross - employee_taxes - deductions


def test_payment_date_filter_is_inclusive(client: Finch) -> None:
    payments = list(
        client.hris.payments.list(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1))
    )
    pay_date = payments[-2].pay_date
    assert pay_date is not None
    target = date.fromisoformat(pay_date)
    only = list(client.hris.payments.list(start_date=target, end_date=target))
    assert [p.id for p in only] == [payments[-2].id]


def test_pay_statement_paging_is_per_request(client: Finch) -> None:
    payment = max(
        client.hris.payments.list(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1)),
        key=lambda p: len(p.individual_ids or ()),
    )
    first, second = client.hris.pay_statements.retrieve_many(
        requests=[
            {"payment_id": payment.id, "limit": 2, "offset": 0},
            {"payment_id": payment.id, "limit": 2, "offset": 2},
        ]
    )
    count = first.body.paging.count  # type: ignore[union-attr]
    assert count is not None and count >= 4
    assert count == second.body.paging.count  # type: ignore[union-attr]
    ids_first = [s.individual_id for s in first.body.pay_statements]  # type: ignore[union-attr]
    ids_second = [s.individual_id for s in second.body.pay_statements]  # type: ignore[union-attr]
    assert len(ids_first) == 2 and len(ids_second) == 2 and not set(ids_first) & set(ids_second)


def test_unknown_payment_is_a_per_item_404(client: Finch) -> None:
    (response,) = client.hris.pay_statements.retrieve_many(
        requests=[{"payment_id": "00000000-0000-4000-8000-000000000000"}]
    )
    assert response.code == 404
    assert response.body.finch_code == "payment_not_found"  # type: ignore[union-attr]


def test_more_than_ten_payment_ids_is_rejected(client: Finch) -> None:
    with pytest.raises(finch.BadRequestError):
        client.hris.pay_statements.retrieve_many(
            requests=[{"payment_id": f"00000000-0000-4000-8000-{i:012d}"} for i in range(11)]
        )
