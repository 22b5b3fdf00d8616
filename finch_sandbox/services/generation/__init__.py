"""Deterministic fake HRIS data. `generate_company` makes a whole employer (company, people,
employment, pay history) from one seed; the building blocks it uses are re-exported here.
Everything is a pure function of its arguments: no clock, no global randomness."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from faker import Faker

from finch_sandbox.services.generation.company import DEPARTMENTS, make_company
from finch_sandbox.services.generation.employment import (
    build_employee,
    fill_employee,
    generate_employees,
    plan_org,
)
from finch_sandbox.services.generation.fields import apply_field_support
from finch_sandbox.services.generation.payroll import (
    employed_between,
    generate_pay_statement,
    pay_periods,
    summarize_payment,
)
from finch_sandbox.services.generation.people import CompanyContext, GeneratedEmployee, new_uuid

__all__ = [
    "DEPARTMENTS",
    "GeneratedCompany",
    "GeneratedEmployee",
    "GeneratedPayment",
    "apply_field_support",
    "fill_employee",
    "generate_company",
    "generate_employees",
    "generate_pay_statement",
    "new_uuid",
    "pay_periods",
    "plan_org",
    "summarize_payment",
]


@dataclass(frozen=True, slots=True)
class GeneratedPayment:
    payment: dict[str, Any]
    pay_statements: list[dict[str, Any]]  # one per individual paid


@dataclass(frozen=True, slots=True)
class GeneratedCompany:
    company: dict[str, Any]
    employees: list[GeneratedEmployee]
    payments: list[GeneratedPayment]  # oldest first


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
    progress: Callable[[int], None] | None = None,
) -> GeneratedCompany:
    """A whole employer from `seed`: the same arguments always give equal output.

    Companies of up to 100 people (or any size with `full_pay_history`) get bi-weekly payroll
    from 1 January of last year; larger ones get only the latest pay period, as Finch does.
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
    payments = generate_pay_history(
        rng=_stream(seed, "payroll"),
        employees=employees,
        today=today,
        full_history=full_pay_history or employee_size <= 100,
        pay_group_id=new_uuid(company_rng),
    )
    if supported_fields is not None:
        company = apply_field_support("company", company, supported_fields)
        employees = [
            GeneratedEmployee(
                apply_field_support("individual", e.individual, supported_fields),
                apply_field_support("employment", e.employment, supported_fields),
            )
            for e in employees
        ]
        payments = [
            GeneratedPayment(
                apply_field_support("payment", p.payment, supported_fields),
                [
                    apply_field_support("pay_statement", s, supported_fields)
                    for s in p.pay_statements
                ],
            )
            for p in payments
        ]
    if progress is not None:
        progress(employee_size)
    return GeneratedCompany(company, employees, payments)


def generate_pay_history(
    *,
    rng: random.Random,
    employees: list[GeneratedEmployee],
    today: date,
    full_history: bool,
    pay_group_id: str,
) -> list[GeneratedPayment]:
    """A regular payroll per period, paying everyone employed during some of it."""
    spans = [(e, *employed_between(e.employment)) for e in employees]
    payments: list[GeneratedPayment] = []
    for period in pay_periods(today, full_history=full_history):
        lo, hi = period.start.toordinal(), period.end.toordinal()
        statements = [
            generate_pay_statement(
                rng=rng,
                employee=e,
                pay_period=(period.start, period.end),
                pay_frequency="bi_weekly",
            )
            for e, first, last in spans
            if first <= hi and last >= lo
        ]
        if not statements:
            continue
        payment = summarize_payment(
            payment_id=new_uuid(rng),
            pay_period=(period.start, period.end),
            pay_date=period.pay_date,
            debit_date=period.debit_date,
            pay_statements=statements,
            pay_frequency="bi_weekly",
            pay_group_ids=[pay_group_id],
        )
        payments.append(GeneratedPayment(payment, statements))
    return payments


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
