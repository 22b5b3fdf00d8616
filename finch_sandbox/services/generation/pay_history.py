"""Pay groups and the pay history they produce.

A company has one pay group, or two (hourly staff paid weekly or bi-weekly, salaried staff
on a slower calendar). Each group is stored as a `pay_group` record whose document has the
`PayGroupRetrieveResponse` shape:

    {"id": uuid, "name": "Bi-Weekly" | "Weekly Hourly" | ..., "pay_frequencies": [frequency],
     "individual_ids": [every member, people who have left included, in directory order]}

(`PayGroupListResponse` is the same without `individual_ids`). People added with
POST /sandbox/directory join the hourly group if paid hourly and it exists, else the first
group; a POST /sandbox/payment payment names the groups of the people it pays (`other` as
its frequency when they are in none). Every generated payment names
the groups it pays in `pay_group_ids` and their frequencies in `pay_frequencies`; each of its
individuals is a member of one of those groups.

History: one regular payment per group per period, paid on the group's calendar; companies
with full history also get, now and then, a `one_time_payment` (a year-end or spring bonus
for salaried staff, one payment for everyone who gets one) and `off_cycle_payroll`
corrections (one person's missed hours or retro pay, a few business days after a regular
pay date). Statements are made in pay-date order, so year-to-date tax wages carry over from
one payment to the next (see taxes.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from finch_sandbox.services.generation.calendar import (
    PERIOD_LABELS,
    PayCalendar,
    PayPeriod,
    add_business_days,
    draw_calendar,
    draw_frequency,
    previous_business_day,
)
from finch_sandbox.services.generation.payroll import (
    days_employed,
    employed_spans,
    generate_extra_statement,
    generate_pay_statement,
    summarize_payment,
)
from finch_sandbox.services.generation.people import GeneratedEmployee, new_uuid
from finch_sandbox.services.generation.taxes import Ledger, seed_year


@dataclass(frozen=True, slots=True)
class GeneratedPayment:
    payment: dict[str, Any]
    pay_statements: list[dict[str, Any]]  # one per individual paid


@dataclass(slots=True)
class PayGroup:
    id: str
    name: str
    calendar: PayCalendar
    members: list[GeneratedEmployee]

    def doc(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "pay_frequencies": [self.calendar.frequency],
            "individual_ids": [e.employment["id"] for e in self.members],
        }


@dataclass(slots=True)
class _Run:
    """One payment to make: who is in it, for which period, paid when."""

    pay_date: date
    order: int
    kind: str  # regular_payroll | one_time_payment | off_cycle_payroll
    groups: list[PayGroup]
    period: PayPeriod
    people: list[GeneratedEmployee] = field(default_factory=list)


def _hourly(employee: GeneratedEmployee) -> bool:
    return (employee.employment.get("income") or {}).get("unit") == "hourly"


def plan_pay_groups(rng: random.Random, employees: list[GeneratedEmployee]) -> list[PayGroup]:
    """One group for everyone, or (some companies with both) hourly and salaried groups."""
    hourly = [e for e in employees if _hourly(e)]
    salaried = [e for e in employees if not _hourly(e)]
    active = sum(1 for e in hourly if e.employment.get("is_active"))
    if len(employees) >= 10 and active >= 3 and salaried and rng.random() < 0.35:
        fast = "weekly" if rng.random() < 0.6 else "bi_weekly"
        slow = rng.choice([f for f in ("bi_weekly", "semi_monthly", "monthly") if f != fast])
        return [
            PayGroup(new_uuid(rng), f"{PERIOD_LABELS[slow]} Salaried", draw_calendar(rng, slow),
                     salaried),
            PayGroup(new_uuid(rng), f"{PERIOD_LABELS[fast]} Hourly", draw_calendar(rng, fast),
                     hourly),
        ]  # fmt: skip
    frequency = draw_frequency(rng)
    return [
        PayGroup(new_uuid(rng), PERIOD_LABELS[frequency], draw_calendar(rng, frequency), employees)
    ]


def generate_pay_history(
    *,
    rng: random.Random,
    groups: list[PayGroup],
    today: date,
    full_history: bool,
) -> list[GeneratedPayment]:
    """Oldest first: every group's payments paid by `today` since 1 January of last year, or
    only each group's latest one."""
    spans = {id(e): employed_spans(e) for g in groups for e in g.members}
    since = date(today.year - 1, 1, 1)
    runs: list[_Run] = []
    for group in groups:
        if full_history:
            periods = group.calendar.paid_between(since, today)
        else:
            periods = group.calendar.paid_between(today - timedelta(days=75), today)[-1:]
        for period in periods:
            lo, hi = period.start.toordinal(), period.end.toordinal()
            people = [e for e in group.members if days_employed(spans[id(e)], lo, hi)]
            if people:
                runs.append(_Run(period.pay_date, len(runs), "regular_payroll", [group], period,
                                 people))  # fmt: skip
    if full_history:
        runs.extend(_extra_runs(rng, groups, runs, spans, since, today))
    runs.sort(key=lambda r: (r.pay_date, r.order))
    first_paid = runs[0].pay_date if runs else today
    ledger = Ledger()
    payments: list[GeneratedPayment] = []
    for run in runs:
        frequency = run.groups[0].calendar.frequency
        statements = []
        for employee in run.people:
            if not full_history:
                _seed_earlier_wages(ledger, employee, spans[id(employee)], first_paid)
            if run.kind == "regular_payroll":
                statement = generate_pay_statement(
                    rng=rng,
                    employee=employee,
                    pay_period=(run.period.start, run.period.end),
                    pay_frequency=frequency,
                    pay_date=run.pay_date,
                    ledger=ledger,
                )
            else:
                statement = generate_extra_statement(
                    rng=rng, employee=employee, kind=run.kind, pay_date=run.pay_date, ledger=ledger
                )
            statements.append(statement)
        debit = run.period.debit_date if run.kind == "regular_payroll" else None
        payment = summarize_payment(
            payment_id=new_uuid(rng),
            pay_period=(run.period.start, run.period.end),
            pay_date=run.pay_date,
            debit_date=debit or add_business_days(run.pay_date, 1),
            pay_statements=statements,
            pay_frequency=list(dict.fromkeys(g.calendar.frequency for g in run.groups)),
            pay_group_ids=[g.id for g in run.groups],
        )
        payments.append(GeneratedPayment(payment, statements))
    return payments


def _extra_runs(
    rng: random.Random,
    groups: list[PayGroup],
    regular: list[_Run],
    spans: dict[int, list[tuple[int, int]]],
    since: date,
    today: date,
) -> list[_Run]:
    """Bonuses and corrections, a few a year."""
    out: list[_Run] = []
    order = len(regular)
    for year in range(since.year, today.year + 1):
        if rng.random() < 0.45:
            month, days = (12, (12, 19)) if rng.random() < 0.7 else (3, (10, 17))
            pay_date = previous_business_day(date(year, month, rng.randint(*days)))
            day = pay_date.toordinal()
            by_group = {
                g.id: [
                    e
                    for e in g.members
                    if not _hourly(e)
                    and (e.employment.get("employment") or {}).get("type") == "employee"
                    and days_employed(spans[id(e)], day, day)
                    and rng.random() < 0.8
                ]
                for g in groups
            }
            paid_groups = [g for g in groups if by_group[g.id]]
            if pay_date <= today and paid_groups:
                calendar = paid_groups[0].calendar
                period = calendar.period(calendar.index_near(pay_date))
                people = [e for g in paid_groups for e in by_group[g.id]]
                out.append(_Run(pay_date, order, "one_time_payment", paid_groups, period, people))
                order += 1
        in_year = [r for r in regular if r.pay_date.year == year]
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            if not in_year:
                break
            run = in_year[rng.randrange(len(in_year))]
            staff = [
                e
                for e in run.people
                if (e.employment.get("employment") or {}).get("type") == "employee"
            ]
            pay_date = add_business_days(run.pay_date, rng.randint(2, 6))
            if staff and pay_date <= today:
                person = staff[rng.randrange(len(staff))]
                out.append(_Run(pay_date, order, "off_cycle_payroll", run.groups, run.period,
                                [person]))  # fmt: skip
                order += 1
    return out


def _seed_earlier_wages(
    ledger: Ledger, employee: GeneratedEmployee, spans: list[tuple[int, int]], first_paid: date
) -> None:
    """A history that starts mid-year still taxes the year's wages paid before it: estimate
    them from the person's pay and the days they were employed this year before it began."""
    income = employee.employment.get("income") or {}
    amount = int(income.get("amount") or 0)
    annual = amount * (2080 if income.get("unit") == "hourly" else 1)
    jan_first = date(first_paid.year, 1, 1).toordinal()
    days = days_employed(spans, jan_first, first_paid.toordinal() - 15)
    if days > 0:
        seed_year(ledger, str(employee.employment["id"]), first_paid.year, annual * days // 365)
