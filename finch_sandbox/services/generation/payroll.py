"""Payroll: the bi-weekly pay calendar, `PayStatement`s with US withholding, and `Payment`
summaries whose totals are the sums of their statements, all in integer cents."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from finch_sandbox.services.generation.people import GeneratedEmployee, as_date

PERIODS_PER_YEAR = {"annually": 1, "semi_annually": 2, "quarterly": 4, "monthly": 12,
                    "semi_monthly": 24, "bi_weekly": 26, "weekly": 52, "daily": 260,
                    "other": 26}  # fmt: skip
_ANNUAL_FACTOR = {"yearly": 1, "quarterly": 4, "monthly": 12, "semi_monthly": 24,
                  "bi_weekly": 26, "weekly": 52, "daily": 260}  # fmt: skip
# Pay calendar: 14-day periods Sunday..Saturday counted from this Sunday, paid the Friday after
# the period ends (6 days later); the employer is debited one business day before, on Thursday,
# so direct deposits can settle by payday.
PAY_ANCHOR = date(2000, 1, 2)
PERIOD_DAYS = 14
PAY_LAG_DAYS = 6

SOCIAL_SECURITY_RATE = 0.062
MEDICARE_RATE = 0.0145
# 2025 single-filer federal brackets (upper bound in USD, rate) after the standard deduction.
_STANDARD_DEDUCTION = 15_000_00
_BRACKETS = ((11_925_00, 0.10), (48_475_00, 0.12), (103_350_00, 0.22), (197_300_00, 0.24),
             (250_525_00, 0.32), (626_350_00, 0.35), (float("inf"), 0.37))  # fmt: skip
# Effective state withholding on wages; states missing here with a 0 rate levy none.
_STATE_RATES = {"CA": 0.06, "OR": 0.075, "NY": 0.055, "NJ": 0.045, "MA": 0.05, "CT": 0.05,
                "RI": 0.04, "PA": 0.0307, "MD": 0.0475, "DC": 0.06, "VA": 0.0475, "NC": 0.0425,
                "GA": 0.0539, "AZ": 0.025, "UT": 0.0455, "CO": 0.044, "IL": 0.0495, "MN": 0.06,
                "MI": 0.0425, "OH": 0.03, "IN": 0.0305, "MO": 0.045, "KY": 0.04, "WI": 0.05,
                "NE": 0.05, "ID": 0.058, "NM": 0.04, "LA": 0.03, "OK": 0.0425, "AL": 0.04,
                "FL": 0.0, "TX": 0.0, "WA": 0.0, "NV": 0.0, "TN": 0.0, "SD": 0.0, "WY": 0.0,
                "AK": 0.0, "NH": 0.0}  # fmt: skip
_LOCAL_TAXES = {("New York", "NY"): ("NYC Resident Tax", 0.035),
                ("Brooklyn", "NY"): ("NYC Resident Tax", 0.035),
                ("Philadelphia", "PA"): ("Philadelphia Wage Tax", 0.0375),
                ("Columbus", "OH"): ("Columbus City Tax", 0.025),
                ("Detroit", "MI"): ("Detroit City Tax", 0.024)}  # fmt: skip
_COMMISSIONED = {"Sales", "Account Management"}
# Biweekly medical premiums in cents by coverage tier (none, employee, +1, family).
_MEDICAL_EMPLOYEE = (0, 45_00, 110_00, 195_00)
_MEDICAL_EMPLOYER = (0, 260_00, 480_00, 720_00)


@dataclass(frozen=True, slots=True)
class PayPeriod:
    start: date
    end: date
    pay_date: date
    debit_date: date


def _period(index: int) -> PayPeriod:
    start = PAY_ANCHOR + timedelta(days=PERIOD_DAYS * index)
    end = start + timedelta(days=PERIOD_DAYS - 1)
    pay_date = end + timedelta(days=PAY_LAG_DAYS)
    return PayPeriod(start, end, pay_date, pay_date - timedelta(days=1))


def pay_periods(today: date, *, full_history: bool) -> list[PayPeriod]:
    """Oldest first: the latest period paid by `today`, or with `full_history` every one paid
    since 1 January of last year, so a client sees a whole prior year and year-to-date."""
    lag = PERIOD_DAYS - 1 + PAY_LAG_DAYS
    last = (today - PAY_ANCHOR).days - lag
    last = last // PERIOD_DAYS
    first = last
    if full_history:
        since = date(today.year - 1, 1, 1)
        first = -(-((since - PAY_ANCHOR).days - lag) // PERIOD_DAYS)
    return [_period(i) for i in range(first, last + 1)]


def employed_between(employment: dict[str, Any]) -> tuple[int, int]:
    """(first, last) day employed, as ordinals; open-ended for people still there."""
    start = as_date(employment.get("start_date"))
    end = as_date(employment.get("end_date"))
    if employment.get("is_active") is False and end is None:
        return 1, 0  # left at an unknown date: paid in no period we make up
    return (start.toordinal() if start else 1), (end.toordinal() if end else 10**7)


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


def _federal_withholding(taxable: int, periods: int) -> int:
    """The percentage method in brief: annualize the period's wages, tax them, take a share."""
    income = taxable * periods - _STANDARD_DEDUCTION
    tax, floor = 0.0, 0.0
    for ceiling, rate in _BRACKETS:
        if income <= floor:
            break
        tax += (min(income, ceiling) - floor) * rate
        floor = ceiling
    return round(tax / periods)


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
) -> dict[str, Any]:
    """One `PayStatement`; gross = earnings, net = gross - employee taxes - deductions."""
    emp = employee.employment
    start, end = pay_period
    periods = PERIODS_PER_YEAR.get(pay_frequency, 26)
    standard_hours = 2080 / periods
    first, last = employed_between(emp)
    overlap = min(last, end.toordinal()) - max(first, start.toordinal()) + 1
    span = (end - start).days + 1
    # New hires and leavers are paid for the part of the period they were employed.
    share = overlap / span if 0 < overlap < span else 1.0
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
        taxes = _taxes(emp, employee.individual, gross, deductions, periods)
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
        "individual_id": emp["id"],
        "net_pay": {"amount": net, "currency": "usd"},
        "payment_method": method,
        "taxes": taxes,
        "total_hours": sum(e["hours"] for e in earnings if e["hours"] is not None),
        "type": "regular_payroll",
    }


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
    elect: Elections, gross: int, subtype: str, periods: int
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
    premiums = round(
        (_MEDICAL_EMPLOYEE[tier] + (12_00 if dental else 0) + (4_00 if vision else 0)) * scale
    )
    # A short final or first check does not cover a whole premium; skip it rather than go negative.
    if subtype == "full_time" and tier and gross >= 4 * premiums:
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


def _taxes(
    emp: dict[str, Any],
    individual: dict[str, Any],
    gross: int,
    deductions: list[dict[str, Any]],
    periods: int,
) -> list[dict[str, Any]]:
    cafeteria = sum(d["amount"] for d in deductions if str(d["type"]).startswith("s125"))
    retirement = sum(d["amount"] for d in deductions if d["type"] == "401k")
    # Section 125 premiums escape FICA and income tax; traditional 401(k) only income tax.
    fica_wages = gross - cafeteria
    taxable = fica_wages - retirement
    social_security = round(fica_wages * SOCIAL_SECURITY_RATE)
    medicare = round(fica_wages * MEDICARE_RATE)
    federal = _federal_withholding(taxable, periods)
    taxes = [
        _line("Federal Income Tax", federal, "federal", employer=False),
        _line("Social Security", social_security, "fica", employer=False),
        _line("Medicare", medicare, "fica", employer=False),
        _line("Social Security Employer", social_security, "fica", employer=True),
        _line("Medicare Employer", medicare, "fica", employer=True),
    ]
    place = emp.get("location") or individual.get("residence") or {}
    state = place.get("state")
    rate = _STATE_RATES.get(state, 0.04) if state else 0.0
    if rate:
        taxes.append(
            _line(f"{state} State Income Tax", round(taxable * rate), "state", employer=False)
        )
    if state == "CA":
        taxes.append(_line("CA SDI", round(fica_wages * 0.012), "state", employer=False))
    local = _LOCAL_TAXES.get((str(place.get("city")), str(state)))
    if local:
        taxes.append(_line(local[0], round(taxable * local[1]), "local", employer=False))
    return taxes


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
    pay_frequency: str,
    pay_group_ids: list[str],
) -> dict[str, Any]:
    """The `Payment` for a set of statements; every total is the sum over the statements."""
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
        "pay_frequencies": [pay_frequency],
        "pay_group_ids": list(pay_group_ids),
        "pay_period": {"end_date": _iso(pay_period[1]), "start_date": _iso(pay_period[0])},
    }


def _iso(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()
