"""Sandbox writes: PUT /sandbox/company|individual|employment, POST /sandbox/directory|payment.

They change only the provider side; /employer/* shows them after the next sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from finch_sandbox.clock import Clock
from finch_sandbox.errors import BadRequest, NotFound
from finch_sandbox.ids import seeded_rng
from finch_sandbox.services.connections import employee_record, payment_records
from finch_sandbox.services.directory import EMPLOYMENT_KEYS, edited_entry
from finch_sandbox.services.entities import sandbox_scope
from finch_sandbox.services.principal import Principal
from finch_sandbox.services.providers import ProviderCatalog
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.repositories.records import RecordRepository
from finch_sandbox.storage.uow import UnitOfWork

NAME_KEYS = ("first_name", "middle_name", "last_name")


@dataclass(frozen=True, slots=True)
class CreatedPayment:
    payment_id: str
    pay_date: date


def _individual_not_found(individual_id: str) -> NotFound:
    return NotFound(
        f"could not find individual with id '{individual_id}'", finch_code="individual_not_found"
    )


class DataEditService:
    def __init__(self, db: Database, clock: Clock, catalog: ProviderCatalog) -> None:
        self._db = db
        self._clock = clock
        self._catalog = catalog

    def _employee_doc(
        self,
        principal: Principal,
        doc: dict[str, Any],
        individual: dict[str, Any],
        employment: dict[str, Any],
        changed: set[str],
    ) -> dict[str, Any]:
        """The employee record after an edit; its directory entry follows the changed keys."""
        out = {**doc, "individual": individual, "employment": employment}
        rules = self._catalog.supported_fields(principal.provider_id, principal.authentication_type)
        entry = edited_entry(doc, individual, employment, changed, rules)
        if entry is not None:
            out["directory"] = entry
        return out

    def update_company(self, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
        """Replace the company (all eight keys); returns it without `id`, as Finch does."""
        doc = {"id": principal.company_id, **fields}
        with UnitOfWork(self._db, write=True) as uow:
            if not uow.records(
                principal.connection_id, sandbox_scope(principal)
            ).update_provider_doc("company", principal.company_id, doc):
                raise NotFound("Company not found")
            uow.commit()
        return fields

    def update_individual(
        self, principal: Principal, individual_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Merge the given keys into the individual; names stay in step with the employment."""
        with UnitOfWork(self._db, write=True) as uow:
            records = uow.records(principal.connection_id, sandbox_scope(principal))
            doc = records.provider_doc("employee", individual_id)
            if doc is None:
                raise _individual_not_found(individual_id)
            individual = {**doc["individual"], **fields}
            employment = {
                **doc["employment"],
                **{k: fields[k] for k in NAME_KEYS if k in fields},
            }
            changed = {k for k in NAME_KEYS if k in fields}
            records.update_provider_doc(
                "employee",
                individual_id,
                self._employee_doc(principal, doc, individual, employment, changed),
            )
            uow.commit()
        return individual

    def update_employment(
        self, principal: Principal, individual_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Merge the given keys into the employment; a new manager must keep the tree a tree."""
        with UnitOfWork(self._db, write=True) as uow:
            records = uow.records(principal.connection_id, sandbox_scope(principal))
            doc = records.provider_doc("employee", individual_id)
            if doc is None:
                raise _individual_not_found(individual_id)
            manager = fields.get("manager")
            if manager is not None:
                _check_manager(records, individual_id, manager["id"])
            employment = {**doc["employment"], **fields}
            individual = {
                **doc["individual"],
                **{k: fields[k] for k in NAME_KEYS if k in fields},
            }
            changed = {k for k in (*NAME_KEYS, *EMPLOYMENT_KEYS) if k in fields}
            records.update_provider_doc(
                "employee",
                individual_id,
                self._employee_doc(principal, doc, individual, employment, changed),
            )
            uow.commit()
        return employment

    def create_directory(
        self, principal: Principal, items: Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """POST /sandbox/directory: new individuals, every omitted field filled with mock data."""
        from finch_sandbox.services.generation import fill_employee  # Faker: loaded when used

        today = self._clock.now().date()
        with UnitOfWork(self._db, write=True) as uow:
            records = uow.records(principal.connection_id, sandbox_scope(principal))
            company = records.provider_doc("company", principal.company_id) or {}
            existing_ids = list(records.provider_ids("employee"))
            known = set(existing_ids)
            position = records.max_position("employee") + 1
            # Seeded by connection and position: the same calls give the same people.
            rng = seeded_rng(principal.connection_id, "directory", position)
            created: list[dict[str, Any]] = []
            new_records = []
            groups = list(records.provider_docs("pay_group"))
            for index, partial in enumerate(items):
                manager = partial.get("manager")
                if manager is not None and manager["id"] not in known:
                    raise BadRequest(
                        f"[body:{index}.manager.id]: no individual with id '{manager['id']}'"
                    )
                employee = fill_employee(
                    rng=rng,
                    company=company,
                    partial=partial,
                    manager_ids=existing_ids,
                    today=today,
                    supported_fields=None,
                )
                known.add(employee.individual["id"])
                new_records.append(
                    employee_record(employee.individual, employee.employment, position + index)
                )
                _join_pay_group(groups, employee.employment)
                created.append({**employee.employment, **employee.individual})
            records.insert(new_records, synced=False)
            for group in groups:
                records.update_provider_doc("pay_group", group["id"], group)
            uow.commit()
        return created

    def create_payment(
        self,
        principal: Principal,
        *,
        start_date: str | None,
        end_date: str | None,
        pay_statements: Sequence[dict[str, Any]],
    ) -> CreatedPayment:
        """POST /sandbox/payment with Finch's documented date defaults (behavior.md §1.7)."""
        from finch_sandbox.services.generation import new_uuid, summarize_payment

        with UnitOfWork(self._db, write=True) as uow:
            records = uow.records(principal.connection_id, sandbox_scope(principal))
            for index, statement in enumerate(pay_statements):
                if records.provider_doc("employee", statement["individual_id"]) is None:
                    raise BadRequest(
                        f"[body:pay_statements.{index}.individual_id]: no individual with id "
                        f"'{statement['individual_id']}'"
                    )
            start, end = _pay_period(records, start_date, end_date)
            if end < start:
                raise BadRequest("[body:end_date]: must not be before start_date")
            pay_date = end
            debit_date = _add_business_days(pay_date, 1)
            position = records.max_position("payment") + 1
            rng = seeded_rng(principal.connection_id, "payment", position)
            payment_id = new_uuid(rng)
            statements = [build_pay_statement(s) for s in pay_statements]
            # The payment belongs to the pay groups of the people it pays, as generated ones do.
            paid = {s["individual_id"] for s in statements}
            groups = [
                g for g in records.provider_docs("pay_group") if paid & set(g["individual_ids"])
            ]
            frequencies = [f for g in groups for f in g["pay_frequencies"]]
            payment = summarize_payment(
                payment_id=payment_id,
                pay_period=(start, end),
                pay_date=pay_date,
                debit_date=debit_date,
                pay_statements=statements,
                pay_frequency=list(dict.fromkeys(frequencies)) or "other",
                pay_group_ids=[g["id"] for g in groups],
            )
            records.insert(payment_records(payment, statements, position), synced=False)
            uow.commit()
        return CreatedPayment(payment_id, pay_date)


def _check_manager(records: RecordRepository, individual_id: str, manager_id: str) -> None:
    if manager_id == individual_id:
        raise BadRequest("[body:manager.id]: an individual cannot be their own manager")
    seen = {individual_id}
    current: str | None = manager_id
    while current is not None:
        doc = records.provider_doc("employee", current)
        if doc is None:
            raise BadRequest(f"[body:manager.id]: no individual with id '{current}'")
        if current in seen:
            raise BadRequest("[body:manager.id]: that manager would make a reporting cycle")
        seen.add(current)
        manager = doc["employment"].get("manager")
        current = manager.get("id") if manager else None


def _pay_period(
    records: RecordRepository, start_date: str | None, end_date: str | None
) -> tuple[date, date]:
    if start_date is not None:
        start = date.fromisoformat(start_date)
    else:
        latest = records.latest_provider_doc("payment")
        period = (latest or {}).get("pay_period") or {}
        if period.get("end_date"):
            start = _add_business_days(date.fromisoformat(period["end_date"]), 1)
        elif end_date is not None:
            start = _add_business_days(date.fromisoformat(end_date), -14)
        else:
            raise BadRequest("[body:start_date]: required when the company has no payments yet")
    end = date.fromisoformat(end_date) if end_date is not None else _add_business_days(start, 14)
    return start, end


def _add_business_days(day: date, count: int) -> date:
    """Banks close on federal holidays as on weekends (generation/calendar.py)."""
    from finch_sandbox.services.generation.calendar import add_business_days

    return add_business_days(day, count)


def _join_pay_group(groups: list[dict[str, Any]], employment: dict[str, Any]) -> None:
    """A new hire joins the company's hourly pay group if paid by the hour and it has one,
    else its first group (the salaried one, or the only one)."""
    if not groups:
        return
    hourly = (employment.get("income") or {}).get("unit") == "hourly"
    chosen = next((g for g in groups if hourly and g["name"].endswith("Hourly")), groups[0])
    chosen["individual_ids"] = [*chosen["individual_ids"], employment["id"]]


def build_pay_statement(given: dict[str, Any]) -> dict[str, Any]:
    """A `PayStatement` from POST /sandbox/payment input; missing totals are computed so that
    gross = earnings and net = gross - employee taxes - deductions, in cents."""

    def money(item: dict[str, Any]) -> int:
        return int(item.get("amount") or 0)

    def lines(key: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
        # Every line item in its wire shape: the given fields, and the currency Finch reports.
        return [
            {"amount": item.get("amount"), "currency": "usd", **{f: item.get(f) for f in fields}}
            for item in given.get(key, [])
        ]

    earnings = lines("earnings", ("hours", "name", "type"))
    taxes = lines("taxes", ("employer", "name", "type"))
    deductions = lines("employee_deductions", ("name", "pre_tax", "type"))
    contributions = lines("employer_contributions", ("name", "type"))
    gross = given.get("gross_pay")
    if gross is None:
        gross = sum(money(e) for e in earnings)
    net = given.get("net_pay")
    if net is None:
        net = (
            gross
            - sum(money(t) for t in taxes if not t["employer"])
            - sum(money(d) for d in deductions)
        )
    hours = given.get("total_hours")
    if hours is None:
        hours = sum(float(e["hours"] or 0) for e in earnings)
    return {
        "individual_id": given["individual_id"],
        "type": given.get("type") or "regular_payroll",
        "payment_method": given.get("payment_method") or "direct_deposit",
        "total_hours": hours,
        "gross_pay": {"amount": gross, "currency": "usd"},
        "net_pay": {"amount": net, "currency": "usd"},
        "earnings": earnings,
        "taxes": taxes,
        "employee_deductions": deductions,
        "employer_contributions": contributions,
    }
