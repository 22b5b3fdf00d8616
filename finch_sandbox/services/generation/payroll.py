"""Payroll: `PayStatement`s (regular, off-cycle and one-time) with US withholding, and
`Payment` summaries whose totals are the sums of their statements, all in integer cents.
Taxes are computed in `taxes.py`; calendars are in `calendar.py`."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from finch_sandbox.services.generation.people import GeneratedEmployee, as_date
from finch_sandbox.services.generation.taxes import Ledger, withhold

PERIODS_PER_YEAR = {"annually": 1, "semi_annually": 2, "quarterly": 4, "monthly": 12,
                    "semi_monthly": 24, "bi_weekly": 26, "weekly": 52, "daily": 260,
                    "other": 26}  # fmt: skip
_ANNUAL_FACTOR = {"yearly": 1, "quarterly": 4, "monthly": 12, "semi_monthly": 24,
                  "bi_weekly": 26, "weekly": 52, "daily": 260}  # fmt: skip
_COMMISSIONED = {"Sales", "Account Management"}
# Biweekly medical premiums in cents by coverage tier (none, employee, +1, family).
_MEDICAL_EMPLOYEE = (0, 45_00, 110_00, 195_00)
_MEDICAL_EMPLOYER = (0, 260_00, 480_00, 720_00)


def employed_between(employment: dict[str, Any]) -> tuple[int, int]:
    """(first, last) day employed, as ordinals; open-ended for people still there."""
    start = as_date(employment.get("start_date"))
    end = as_date(employment.get("end_date"))
    if employment.get("is_active") is False and end is None:
        return 1, 0  # left at an unknown date: paid in no period we make up
    return (start.toordinal() if start else 1), (end.toordinal() if end else 10**7)


def employed_spans(employee: GeneratedEmployee) -> list[tuple[int, int]]:
    """The (first, last) ordinal days of each stretch of employment: one, or two around the
    time a rehired person was away."""
    first, last = employed_between(employee.employment)
    if employee.away is None or first > last:
        return [(first, last)]
    left, back = employee.away
    return [(first, left.toordinal() - 1), (back.toordinal(), last)]


def days_employed(spans: list[tuple[int, int]], lo: int, hi: int) -> int:
    return sum(max(0, min(last, hi) - max(first, lo) + 1) for first, last in spans)


def _income_at(employment: dict[str, Any], day: str) -> dict[str, Any] | None:
    """The income in effect on `day` (ISO strings compare in date order)."""
    current = employment.get("income")
    chosen = None
    for entry in employment.get("income_history") or ():
        if entry and (entry.get("effective_date") or "") <= day:
            chosen = entry
    return chosen or current or next(iter(employment.get("income_history") or ()), None)


def _quarter_hours(hours: float) -> float:
    return round(hours * 4) / 4


def _line(name: str, amount: int, kind: str, **extra: Any) -> dict[str, Any]:
    """A pay-statement line item: earning, tax, deduction or contribution (by `extra` keys)."""
    return {"amount": amount, "currency": "usd", "name": name, "type": kind, **extra,
            "attributes": None}  # fmt: skip


def generate_pay_statement(
    *,
    rng: random.Random,
    employee: GeneratedEmployee,
    pay_period: tuple[date, date],
    pay_frequency: str,
    pay_date: date | None = None,
    ledger: Ledger | None = None,
) -> dict[str, Any]:
    """One regular `PayStatement`; gross = earnings, net = gross - employee taxes - deductions.

    Taxes that depend on the year's wages so far read and move `ledger` (a fresh one when not
    given: the first pay of the year).
    """
    emp = employee.employment
    start, end = pay_period
    periods = PERIODS_PER_YEAR.get(pay_frequency, 26)
    standard_hours = 2080 / periods
    span = (end - start).days + 1
    worked = days_employed(employed_spans(employee), start.toordinal(), end.toordinal())
    # New hires, leavers and returners are paid for the part of the period they were employed.
    share = worked / span if 0 < worked < span else 1.0
    income = _income_at(emp, end.isoformat()) or {"amount": 60_000_00, "unit": "yearly"}
    rate, unit = int(income.get("amount") or 0), income.get("unit") or "yearly"
    kind = emp.get("employment") or {}
    contractor = kind.get("type") == "contractor"
    subtype = kind.get("subtype") or "full_time"
    earnings: list[dict[str, Any]] = []
    if unit == "hourly":
        if contractor or subtype in ("part_time", "intern"):
            low, high = (0.4, 0.72) if subtype == "part_time" else (0.45, 1.0)
            hours = max(_quarter_hours(standard_hours * share * rng.uniform(low, high)), 0.25)
        else:
            missed = _quarter_hours(rng.uniform(1, 8)) if rng.random() < 0.12 else 0.0
            hours = max(_quarter_hours(standard_hours * share - missed), 0.25)
        pto = (
            8.0
            if not contractor and subtype == "full_time" and hours > 40 and rng.random() < 0.1
            else 0.0
        )
        if contractor:
            earnings.append(_line("Contractor Payment", round(rate * hours), "1099", hours=hours))
        else:
            earnings.append(
                _line("Regular Hours", round(rate * (hours - pto)), "wage", hours=hours - pto)
            )
        if pto:
            earnings.append(_line("PTO", round(rate * pto), "pto", hours=pto))
        if (
            emp.get("flsa_status") == "non_exempt"
            and subtype == "full_time"
            and rng.random() < 0.25
        ):
            overtime = _quarter_hours(rng.uniform(0.5, 12))
            earnings.append(
                _line("Overtime", round(rate * 1.5 * overtime), "overtime", hours=overtime)
            )
        annual = rate * 2080
    else:
        annual = rate * _ANNUAL_FACTOR.get(unit, periods)
        amount = rate if unit == "fixed" else round(annual / periods * share)
        hours = _quarter_hours(standard_hours * share)
        if contractor:
            earnings.append(_line("Contractor Payment", amount, "1099", hours=hours))
        else:
            earnings.append(_line("Salary", amount, "salary", hours=hours))
    if not contractor:
        department = (emp.get("department") or {}).get("name")
        if department in _COMMISSIONED and rng.random() < 0.4:
            earnings.append(
                _line("Commission", rng.randint(150, 2500) * 100, "commission", hours=None)
            )
        if rng.random() < 0.02:
            bonus = max(int(round(annual * rng.uniform(0.01, 0.05), -4)), 100_00)
            earnings.append(_line("Bonus", bonus, "bonus", hours=None))
    gross = sum(e["amount"] for e in earnings)
    elect = _elections(str(emp.get("id")))
    method = "check" if elect.paper_check else "direct_deposit"
    deductions: list[dict[str, Any]] = []
    contributions: list[dict[str, Any]] = []
    taxes: list[dict[str, Any]] = []
    if not contractor:
        deductions, contributions = _benefits(elect, gross, subtype, periods)
        taxes = _taxes(employee, gross, deductions, periods, pay_date or end, ledger)
    return _statement(emp["id"], "regular_payroll", method, earnings, taxes, deductions,
                      contributions)  # fmt: skip


def generate_extra_statement(
    *,
    rng: random.Random,
    employee: GeneratedEmployee,
    kind: str,
    pay_date: date,
    ledger: Ledger,
) -> dict[str, Any]:
    """A statement paid apart from the regular run: a `one_time_payment` (a bonus) or an
    `off_cycle_payroll` (a correction of a regular check), withheld at the flat supplemental
    federal rate; only 401(k) deferrals come out of it."""
    emp = employee.employment
    income = _income_at(emp, pay_date.isoformat()) or {"amount": 60_000_00, "unit": "yearly"}
    rate, unit = int(income.get("amount") or 0), income.get("unit") or "yearly"
    annual = rate * (2080 if unit == "hourly" else _ANNUAL_FACTOR.get(unit, 1))
    if kind == "one_time_payment":
        amount = max(int(round(annual * rng.uniform(0.03, 0.12), -4)), 250_00)
        earnings = [_line("Annual Bonus", amount, "bonus", hours=None)]
    elif unit == "hourly":
        hours = _quarter_hours(rng.uniform(2, 16))
        earnings = [_line("Missed Hours", round(rate * hours), "wage", hours=hours)]
    else:
        amount = round(annual / 260 * rng.randint(1, 5))  # a few days' pay left off a check
        earnings = [_line("Retro Pay", amount, "salary", hours=None)]
    gross = sum(e["amount"] for e in earnings)
    elect = _elections(str(emp.get("id")))
    subtype = (emp.get("employment") or {}).get("subtype") or "full_time"
    deductions, contributions = _benefits(elect, gross, subtype, 26, premiums=False)
    taxes = _taxes(employee, gross, deductions, 26, pay_date, ledger, supplemental=True)
    method = "check" if elect.paper_check else "direct_deposit"
    return _statement(emp["id"], kind, method, earnings, taxes, deductions, contributions)


def _statement(
    individual_id: str,
    kind: str,
    method: str,
    earnings: list[dict[str, Any]],
    taxes: list[dict[str, Any]],
    deductions: list[dict[str, Any]],
    contributions: list[dict[str, Any]],
) -> dict[str, Any]:
    gross = sum(e["amount"] for e in earnings)
    net = (
        gross
        - sum(t["amount"] for t in taxes if not t["employer"])
        - sum(d["amount"] for d in deductions)
    )
    return {
        "earnings": earnings,
        "employee_deductions": deductions,
        "employer_contributions": contributions,
        "gross_pay": {"amount": gross, "currency": "usd"},
        "individual_id": individual_id,
        "net_pay": {"amount": net, "currency": "usd"},
        "payment_method": method,
        "taxes": taxes,
        "total_hours": sum(e["hours"] for e in earnings if e["hours"] is not None),
        "type": kind,
    }


def _taxes(
    employee: GeneratedEmployee,
    gross: int,
    deductions: list[dict[str, Any]],
    periods: int,
    pay_date: date,
    ledger: Ledger | None,
    *,
    supplemental: bool = False,
) -> list[dict[str, Any]]:
    cafeteria = sum(d["amount"] for d in deductions if str(d["type"]).startswith("s125"))
    retirement = sum(d["amount"] for d in deductions if d["type"] == "401k")
    # Section 125 premiums escape FICA and income tax; traditional 401(k) only income tax.
    fica_wages = gross - cafeteria
    residence = employee.individual.get("residence")
    return withhold(
        individual_id=str(employee.employment["id"]),
        residence=residence,
        work=employee.employment.get("location") or residence,
        fica_wages=fica_wages,
        taxable=fica_wages - retirement,
        periods=periods,
        year=pay_date.year,
        ledger=ledger if ledger is not None else Ledger(),
        supplemental=supplemental,
    )


@dataclass(frozen=True, slots=True)
class Elections:
    """What a person signed up for: it stays put from one pay period to the next."""

    saving: float  # share of pay put into the 401(k)
    roth: bool
    tier: int  # medical coverage: none, employee, employee + 1, family
    dental: bool
    vision: bool
    paper_check: bool


_SAVING_RATES = (0, 0, 0, 0.03, 0.04, 0.05, 0.06, 0.06, 0.08, 0.10)
_TIERS = (0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3)  # 20% / 45% / 15% / 20%


def _elections(individual_id: str) -> Elections:
    # Drawn from a hash of the person's id rather than the period's rng, so the same person
    # keeps the same elections in every statement (and seeding a Random per statement is slow).
    bits = int.from_bytes(hashlib.blake2b(individual_id.encode(), digest_size=8).digest(), "big")
    return Elections(
        saving=_SAVING_RATES[bits % 10],
        roth=(bits >> 8) % 100 < 15,
        tier=_TIERS[(bits >> 16) % 20],
        dental=(bits >> 24) % 100 < 60,
        vision=(bits >> 32) % 100 < 40,
        paper_check=(bits >> 40) % 100 < 4,
    )


def _benefits(
    elect: Elections, gross: int, subtype: str, periods: int, *, premiums: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(employee deductions, employer contributions) from the person's standing elections."""
    pct, roth, tier, dental, vision = (
        elect.saving,
        elect.roth,
        elect.tier,
        elect.dental,
        elect.vision,
    )
    scale = 26 / periods
    deductions: list[dict[str, Any]] = []
    contributions: list[dict[str, Any]] = []
    if subtype in ("full_time", "part_time") and pct:
        saved = round(gross * pct)
        if roth:
            deductions.append(_line("Roth 401(k)", saved, "401k_roth", pre_tax=False))
        else:
            deductions.append(_line("401(k)", saved, "401k", pre_tax=True))
        # Match: half of what the person saves, on up to 6% of pay.
        match = round(min(saved, gross * 0.06) * 0.5)
        contributions.append(_line("401(k) Match", match, "401k"))
    if not premiums:
        return deductions, contributions
    premium = round(
        (_MEDICAL_EMPLOYEE[tier] + (12_00 if dental else 0) + (4_00 if vision else 0)) * scale
    )
    # A short final or first check does not cover a whole premium; skip it rather than go negative.
    if subtype == "full_time" and tier and gross >= 4 * premium:
        medical = round(_MEDICAL_EMPLOYEE[tier] * scale)
        employer_medical = round(_MEDICAL_EMPLOYER[tier] * scale)
        deductions.append(_line("Medical Insurance", medical, "s125_medical", pre_tax=True))
        contributions.append(
            _line("Medical Insurance (Employer)", employer_medical, "s125_medical")
        )
        if dental:
            deductions.append(
                _line("Dental Insurance", round(12_00 * scale), "s125_dental", pre_tax=True)
            )
        if vision:
            deductions.append(
                _line("Vision Insurance", round(4_00 * scale), "s125_vision", pre_tax=True)
            )
    return deductions, contributions


def _amount(value: Any) -> int:
    if isinstance(value, dict):
        return int(value.get("amount") or 0)
    return int(value or 0)


def summarize_payment(
    *,
    payment_id: str,
    pay_period: tuple[date, date],
    pay_date: date,
    debit_date: date,
    pay_statements: list[dict[str, Any]],
    pay_frequency: str | Sequence[str],
    pay_group_ids: list[str],
) -> dict[str, Any]:
    """The `Payment` for a set of statements; every total is the sum over the statements."""
    frequencies = [pay_frequency] if isinstance(pay_frequency, str) else list(pay_frequency)
    gross = net = employee_taxes = employer_taxes = contributions = 0
    individual_ids: list[str] = []
    seen: set[str] = set()
    for statement in pay_statements:
        gross += _amount(statement.get("gross_pay"))
        net += _amount(statement.get("net_pay"))
        for tax in statement.get("taxes") or ():
            if tax.get("employer"):
                employer_taxes += _amount(tax.get("amount"))
            else:
                employee_taxes += _amount(tax.get("amount"))
        contributions += sum(
            _amount(c.get("amount")) for c in statement.get("employer_contributions") or ()
        )
        if statement["individual_id"] not in seen:
            seen.add(statement["individual_id"])
            individual_ids.append(statement["individual_id"])
    # company_debit = net + employee taxes + employer taxes + employer contributions: what the
    # payroll provider pulls from the employer's account (pay for the people, withheld and
    # employer taxes for the agencies, the employer's plan money). Employee deductions are left
    # out: they are part of gross - net, and premiums stay with the employer.
    company_debit = net + employee_taxes + employer_taxes + contributions

    def money(amount: int) -> dict[str, Any]:
        return {"amount": amount, "currency": "usd"}

    return {
        "id": payment_id,
        "company_debit": money(company_debit),
        "debit_date": _iso(debit_date),
        "employee_taxes": money(employee_taxes),
        "employer_taxes": money(employer_taxes),
        "gross_pay": money(gross),
        "individual_ids": individual_ids,
        "net_pay": money(net),
        "pay_date": _iso(pay_date),
        "pay_frequencies": frequencies,
        "pay_group_ids": list(pay_group_ids),
        "pay_period": {"end_date": _iso(pay_period[1]), "start_date": _iso(pay_period[0])},
    }


def _iso(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()
