"""Pay groups agree with payments and the directory; pay-statement items and their rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import finch
import httpx
import pytest
from finch import Finch

from finch_sandbox.services.pay_statement_items import collect_items, rule_matches
from tests.spec import SpecRecorder


def _all_payments(client: Finch) -> list[Any]:
    return list(client.hris.payments.list(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1)))


def test_pay_groups_agree_with_payments_and_members(client: Finch) -> None:
    groups = list(client.payroll.pay_groups.list())
    assert groups, "a company with payroll has at least one pay group"
    full = {g.id: client.payroll.pay_groups.retrieve(g.id) for g in groups}
    for group in groups:
        assert full[group.id].pay_frequencies == group.pay_frequencies
        assert full[group.id].name == group.name
    members = [i for g in full.values() for i in g.individual_ids]
    assert len(members) == len(set(members)), "everyone is in one pay group"
    people = {p.id for p in client.hris.directory.list().individuals}
    assert set(members) == people, "every person of the directory is in a pay group"

    payments = _all_payments(client)
    assert payments
    for payment in payments:
        assert set(payment.pay_group_ids or []) <= set(full), "payments name real pay groups"
        frequencies = {f for gid in payment.pay_group_ids or [] for f in full[gid].pay_frequencies}
        assert set(payment.pay_frequencies or []) <= frequencies | {"other"}
    # Everyone paid by a payment is a member of one of the groups it names.
    payment = payments[-1]
    (page,) = client.hris.pay_statements.retrieve_many(requests=[{"payment_id": payment.id}])
    paid = {s.individual_id for s in page.body.pay_statements}  # type: ignore[union-attr]
    named = {i for gid in payment.pay_group_ids or [] for i in full[gid].individual_ids}
    assert paid and paid <= named


def test_pay_group_filters(client: Finch) -> None:
    groups = {
        g.id: client.payroll.pay_groups.retrieve(g.id) for g in client.payroll.pay_groups.list()
    }
    some_group = next(iter(groups.values()))
    person = some_group.individual_ids[0]
    found = list(client.payroll.pay_groups.list(individual_id=person))
    assert [g.id for g in found] == [some_group.id]
    frequency = some_group.pay_frequencies[0]
    by_frequency = list(client.payroll.pay_groups.list(pay_frequencies=[frequency]))
    assert some_group.id in {g.id for g in by_frequency}
    assert all(frequency in g.pay_frequencies for g in by_frequency)
    assert list(client.payroll.pay_groups.list(pay_frequencies=["no-such-frequency"])) == []


def test_unknown_pay_group_is_404(client: Finch) -> None:
    with pytest.raises(finch.NotFoundError) as info:
        client.payroll.pay_groups.retrieve("7c1b7f5e-0000-4000-8000-000000000000")
    assert info.value.body["code"] == 404  # type: ignore[index]


def test_pay_statement_items_are_the_distinct_lines_of_pay_statements(client: Finch) -> None:
    items = list(client.hris.pay_statement_item.list())
    keys = [(i.category, i.name, i.attributes.type) for i in items]
    assert len(keys) == len(set(keys)), "each item once"
    payment = _all_payments(client)[-1]
    (page,) = client.hris.pay_statements.retrieve_many(requests=[{"payment_id": payment.id}])
    seen = set()
    for statement in page.body.pay_statements:  # type: ignore[union-attr]
        for line in statement.earnings or []:
            assert line is not None
            seen.add(("earnings", line.name, line.type))
        for tax in statement.taxes or []:
            seen.add(("taxes", tax.name, tax.type))
        for deduction in statement.employee_deductions or []:
            seen.add(("employee_deductions", deduction.name, deduction.type))
    assert seen <= set(keys)
    taxes = [i for i in items if i.category == "taxes"]
    assert taxes and all(i.attributes.employer is not None for i in taxes)
    assert all(i.attributes.pre_tax is None for i in taxes)
    only_taxes = list(client.hris.pay_statement_item.list(categories=["taxes"]))
    assert {i.name for i in only_taxes} == {i.name for i in taxes}
    # The same filter in each array form a client may send: the SDKs' brackets, Finch's docs'
    # comma list, the spec's default (the name repeated).
    two = ["taxes", "employee_deductions"]
    both = {(i.category, i.name) for i in items if i.category in two}
    headers = {"Authorization": f"Bearer {client.access_token}"}
    url = str(client.base_url).rstrip("/") + "/employer/pay-statement-item"
    for query in (
        "categories[]=taxes&categories[]=employee_deductions",
        "categories=taxes,employee_deductions",
        "categories=taxes&categories=employee_deductions",
    ):
        answered = httpx.get(f"{url}?{query}", headers=headers).json()
        assert {(i["category"], i["name"]) for i in answered["responses"]} == both, query
    federal = list(client.hris.pay_statement_item.list(name="FEDERAL"))
    assert federal and all("federal" in i.name.lower() for i in federal)
    assert list(client.hris.pay_statement_item.list(start_date=date(2100, 1, 1))) == []


def test_rules_label_matching_items_and_can_be_changed(client: Finch) -> None:
    rules = client.hris.pay_statement_item.rules
    assert list(rules.list()) == []
    created = rules.create(
        attributes={"metadata": {"plan": "pre-tax 401k"}},
        conditions=[{"field": "name", "operator": "equals", "value": "Federal Income Tax"}],
        entity_type="pay_statement_item",
    )
    assert created.priority == 1 and created.entity_type == "pay_statement_item"
    assert created.id is not None
    rule = created
    labelled = {i.name: i.attributes.metadata for i in client.hris.pay_statement_item.list()}
    assert labelled["Federal Income Tax"] == {"plan": "pre-tax 401k"}
    assert all(m is None for name, m in labelled.items() if name != "Federal Income Tax")

    second = rules.create(
        attributes={"metadata": {"plan": "overridden", "extra": 1}},
        conditions=[{"field": "category", "operator": "equals", "value": "taxes"}],
    )
    assert second.priority == 2 and second.id is not None
    items = {i.name: i.attributes.metadata for i in client.hris.pay_statement_item.list()}
    assert items["Federal Income Tax"] == {"plan": "overridden", "extra": 1}

    updated = rules.update(rule.id, **{"extra_body": {"attributes": {"metadata": {"x": "y"}}}})  # type: ignore[arg-type]
    assert updated.attributes.metadata == {"x": "y"}  # type: ignore[union-attr]
    assert [r.id for r in rules.list()] == [rule.id, second.id]
    deleted = rules.delete(second.id)
    assert deleted.id == second.id and deleted.deleted_at is not None
    assert [r.id for r in rules.list()] == [rule.id]
    with pytest.raises(finch.NotFoundError):
        rules.delete(second.id)


def test_rule_matching_rules() -> None:
    item = {"category": "taxes", "name": "FUTA", "type": "federal"}
    rule: dict[str, Any] = {
        "conditions": [{"field": "type", "operator": "equals", "value": "federal"}]
    }
    assert rule_matches(rule, item, "2026-01-15")
    assert not rule_matches({"conditions": [{"field": "field", "value": "x"}]}, item, "2026-01-15")
    dated = {**rule, "effective_start_date": "2026-02-01", "effective_end_date": "not a date"}
    assert not rule_matches(dated, item, "2026-01-15")
    assert rule_matches(dated, item, "2026-03-01")
    items = collect_items(
        [
            ("2026-01-02", {"taxes": [{"name": "FUTA", "type": "federal", "employer": True}]}),
            ("2026-01-16", {"taxes": [{"name": "FUTA", "type": "federal", "employer": True}]}),
        ]
    )
    assert items == [
        ({"category": "taxes", "name": "FUTA", "type": "federal", "employer": True}, "2026-01-16")
    ]


def test_forward_answers_in_finchs_envelope(client: Finch, spec_recorder: SpecRecorder) -> None:
    answer = client.request_forwarding.forward(
        method="POST", route="/people/search", params={"a": 1}
    )
    assert answer.request.route == "/people/search" and answer.request.params == {"a": 1}
    assert answer.status_code == 501
    assert (
        client.request_forwarding.forward(method="POST", route="people search").status_code == 404
    )
    assert client.request_forwarding.forward(method="TRACE", route="/x").status_code == 405
    with pytest.raises(finch.BadRequestError):
        client.request_forwarding.forward(method="", route="/x")
    assert "POST /forward 200" in spec_recorder.checked
