"""Deterministic fake HRIS data. `generate_company` makes a whole employer (company, people,
employment, pay history) from one seed; the building blocks it uses are re-exported here.
Everything is a pure function of its arguments: no clock, no global randomness."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from faker import Faker

from finch_sandbox.services.directory import directory_entry
from finch_sandbox.services.generation.calendar import (
    PayCalendar,
    PayPeriod,
    add_business_days,
    federal_holidays,
    is_business_day,
)
from finch_sandbox.services.generation.company import DEPARTMENTS, make_company
from finch_sandbox.services.generation.employment import (
    build_employee,
    fill_employee,
    generate_employees,
    plan_org,
)
from finch_sandbox.services.generation.fields import apply_field_support, field_pruner
from finch_sandbox.services.generation.pay_history import (
    GeneratedPayment,
    PayGroup,
    generate_pay_history,
    plan_pay_groups,
)
from finch_sandbox.services.generation.payroll import (
    employed_between,
    employed_spans,
    generate_pay_statement,
    summarize_payment,
)
from finch_sandbox.services.generation.people import CompanyContext, GeneratedEmployee, new_uuid

__all__ = [
    "DEPARTMENTS",
    "GeneratedCompany",
    "GeneratedEmployee",
    "GeneratedPayment",
    "PayCalendar",
    "PayGroup",
    "PayPeriod",
    "add_business_days",
    "apply_field_support",
    "employed_between",
    "employed_spans",
    "federal_holidays",
    "fill_employee",
    "generate_company",
    "generate_employees",
    "generate_pay_statement",
    "is_business_day",
    "new_uuid",
    "plan_org",
    "summarize_payment",
]


@dataclass(frozen=True, slots=True)
class GeneratedCompany:
    company: dict[str, Any]
    employees: list[GeneratedEmployee]
    payments: list[GeneratedPayment]  # oldest first
    # `PayGroupRetrieveResponse` documents (see pay_history.py); empty without payroll.
    pay_groups: list[dict[str, Any]] = field(default_factory=list)


def _stream(seed: int, name: str) -> random.Random:
    # Separate streams per concern: changing how payroll draws never reshuffles the people.
    return random.Random(f"finch-sandbox:{seed}:{name}")


def generate_company(
    *,
    seed: int,
    employee_size: int,
    today: date,
    full_pay_history: bool = False,
    supported_fields: dict[str, Any] | None = None,
    payroll: bool = True,
    progress: Callable[[int], None] | None = None,
) -> GeneratedCompany:
    """A whole employer from `seed`: the same arguments always give equal output.

    Companies of up to 100 people (or any size with `full_pay_history`) get payroll from 1
    January of last year; larger ones only each pay group's latest payment, as Finch does.
    Without `payroll` (a provider that offers no payroll products) there are no pay groups
    and no payments. `supported_fields` nulls what the provider cannot read, each product
    under its own catalog entry (the directory's entries under `directory.individuals`).
    """
    if employee_size < 0:
        raise ValueError("employee_size must not be negative")
    if isinstance(today, datetime):
        today = today.date()
    company_rng = _stream(seed, "company")
    fake = Faker("en_US")
    fake.seed_instance(company_rng.getrandbits(64))
    company, archetype, founded = make_company(company_rng, fake, employee_size, today)
    ctx = CompanyContext.from_company(company, today, founded=founded, headcount=employee_size)
    roles = plan_org(_stream(seed, "org"), company["departments"], employee_size, archetype)
    people_rng = _stream(seed, "people")
    step = max(1, min(500, employee_size // 100))
    employees: list[GeneratedEmployee] = []
    for done, role in enumerate(roles, 1):
        employees.append(build_employee(people_rng, ctx, role, today))
        if progress is not None and done % step == 0 and done < employee_size:
            progress(done)
    _number_by_hire_date(employees, company_rng)
    company["primary_email"] = _admin_email(employees) or company["primary_email"]
    payments: list[GeneratedPayment] = []
    pay_groups: list[dict[str, Any]] = []
    if payroll:
        groups = plan_pay_groups(_stream(seed, "pay_groups"), employees)
        pay_groups = [group.doc() for group in groups]
        payments = generate_pay_history(
            rng=_stream(seed, "payroll"),
            groups=groups,
            today=today,
            full_history=full_pay_history or employee_size <= 100,
        )
    if supported_fields is not None:
        company = apply_field_support("company", company, supported_fields)
        individual, employment, directory, payment, pay_statement = (
            field_pruner(kind, supported_fields)
            for kind in ("individual", "employment", "directory", "payment", "pay_statement")
        )
        employees = [
            GeneratedEmployee(
                individual(e.individual),
                employment(e.employment),
                directory=directory(directory_entry(e.individual, e.employment)),
                away=e.away,
            )
            for e in employees
        ]
        payments = [
            GeneratedPayment(payment(p.payment), [pay_statement(s) for s in p.pay_statements])
            for p in payments
        ]
    if progress is not None:
        progress(employee_size)
    return GeneratedCompany(company, employees, payments, pay_groups)


def _number_by_hire_date(employees: list[GeneratedEmployee], rng: random.Random) -> None:
    """Provider employee numbers count up in hiring order, as HR systems assign them."""
    first = rng.choice((1, 100, 1000, 10000))
    order = sorted(range(len(employees)), key=lambda i: (employees[i].employment["start_date"], i))
    for number, index in enumerate(order, first):
        employment = employees[index].employment
        employment["source_id"] = employment["work_id"] = str(number)


def _admin_email(employees: list[GeneratedEmployee]) -> str | None:
    """The people team's most senior person administers payroll; else the CEO does."""
    people = [e for e in employees if (e.employment["department"] or {}).get("name") == "People"]
    for employee in [*people[:1], *employees[:1]]:
        for email in employee.individual["emails"] or []:
            if email["type"] == "work":
                return str(email["data"])
    return None
