"""How the provider's payroll takes enrolled benefits out of a pay statement.

`apply_enrollments` is the one hook the pay-statement builders call: given a statement (gross
pay already known) and the individual's enrollments, it appends the employee deductions and
employer contributions, lowers net pay by the deductions, and returns each enrollment's new
year-to-date figures for the caller to store. Pure: no database, no clock.

Rules (amounts in cents, percentages in basis points of the statement's gross pay):
- `fixed` takes `amount` per paycheck; `percent` takes `amount` / 10,000 of gross pay;
- the company contribution is fixed, percent, or tiered matching of the employee's deduction
  (each tier matches `match` of the deduction on the next `threshold` of pay); an enrollment
  without one falls back to the benefit's own company match;
- frequency `every_paycheck` (default), `monthly` (the first paycheck of each month) or
  `one_time` (the first paycheck only);
- the employee deduction stops at the annual maximum for the calendar year of the pay date
  (for retirement plans without one, at the IRS elective deferral limit); `catch_up` raises
  that cap by the IRS catch-up amount for people 50 or older by the end of that year; HSA
  deductions plus contributions stop at the IRS limit of the enrolled coverage
  (`individual` / `family`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

# IRS figures by year (cents); the latest year stands in for later ones.
_DEFERRAL_LIMIT = {2025: 23_500_00, 2026: 24_500_00}
_SIMPLE_LIMIT = {2025: 16_500_00, 2026: 17_000_00}
_CATCH_UP = {2025: 7_500_00, 2026: 8_000_00}
_SIMPLE_CATCH_UP = {2025: 3_500_00, 2026: 4_000_00}
_HSA_LIMIT = {2025: {"individual": 4_300_00, "family": 8_550_00},
              2026: {"individual": 4_400_00, "family": 8_750_00}}  # fmt: skip
_HSA_CATCH_UP = 1_000_00  # from 55

DEFERRAL_TYPES = frozenset({"401k", "401k_roth", "403b", "403b_roth", "457", "457_roth"})
SIMPLE_TYPES = frozenset({"simple", "simple_ira"})
HSA_TYPES = frozenset({"hsa_pre", "hsa_post"})
POST_TAX_TYPES = frozenset(
    {"401k_roth", "403b_roth", "457_roth", "401k_loan", "hsa_post", "custom_post_tax"}
)


def _by_year(table: dict[int, Any], year: int) -> Any:
    known = [y for y in table if y <= year]
    return table[max(known)] if known else table[min(table)]


@dataclass(frozen=True, slots=True)
class Enrolled:
    """One enrollment as payroll sees it: the benefit, the configuration, the totals so far."""

    benefit_id: str
    benefit_type: str | None
    description: str | None
    frequency: str | None
    benefit_match: dict[str, Any] | None  # the company benefit's own `company_contribution`
    configuration: dict[str, Any]
    totals: dict[str, Any] = field(default_factory=dict)


def annual_cap(enrolled: Enrolled, year: int, age: int | None) -> int | None:
    """The most the employee may have deducted in `year`, or None for no cap."""
    config = enrolled.configuration
    kind = enrolled.benefit_type
    cap = config.get("annual_maximum")
    if cap is None and kind in DEFERRAL_TYPES:
        cap = _by_year(_DEFERRAL_LIMIT, year)
    elif cap is None and kind in SIMPLE_TYPES:
        cap = _by_year(_SIMPLE_LIMIT, year)
    if cap is not None and config.get("catch_up") and age is not None and age >= 50:
        if kind in DEFERRAL_TYPES:
            cap += _by_year(_CATCH_UP, year)
        elif kind in SIMPLE_TYPES:
            cap += _by_year(_SIMPLE_CATCH_UP, year)
    return None if cap is None else int(cap)


def hsa_cap(enrolled: Enrolled, year: int, age: int | None) -> int | None:
    """HSA: employee and employer money together, by the enrolled coverage."""
    coverage = enrolled.configuration.get("hsa_contribution_limit")
    if enrolled.benefit_type not in HSA_TYPES or coverage not in ("individual", "family"):
        return None
    limit = int(_by_year(_HSA_LIMIT, year)[coverage])
    return limit + (_HSA_CATCH_UP if age is not None and age >= 55 else 0)


def _share(gross: int, basis_points: int) -> int:
    return round(gross * basis_points / 10_000)


def _due(enrolled: Enrolled, pay_date: date) -> bool:
    """Whether this paycheck carries the benefit at all (by its frequency)."""
    frequency = enrolled.frequency or "every_paycheck"
    if frequency == "one_time":
        return not enrolled.totals.get("years")
    if frequency == "monthly":
        return enrolled.totals.get("last_month") != pay_date.strftime("%Y-%m")
    return True


def _matched(tiers: Sequence[dict[str, Any]], deduction: int, gross: int) -> int:
    remaining, total = deduction, 0.0
    for tier in tiers:
        portion = min(remaining, _share(gross, int(tier.get("threshold") or 0)))
        total += portion * int(tier.get("match") or 0) / 10_000
        remaining -= portion
        if remaining <= 0:
            break
    return round(total)


def _amounts(enrolled: Enrolled, gross: int) -> tuple[int, int]:
    """(employee deduction, company contribution) before any cap."""
    config = enrolled.configuration
    deduction_config = config.get("employee_deduction") or {}
    employee = 0
    if deduction_config.get("type") == "percent":
        employee = _share(gross, int(deduction_config.get("amount") or 0))
    elif deduction_config.get("type") == "fixed":
        employee = int(deduction_config.get("amount") or 0)
    contribution = config.get("company_contribution") or enrolled.benefit_match or {}
    company = 0
    kind = contribution.get("type")
    if kind == "percent":
        company = _share(gross, int(contribution.get("amount") or 0))
    elif kind == "fixed":
        company = int(contribution.get("amount") or 0)
    elif kind in ("tiered", "match"):
        company = _matched(contribution.get("tiers") or (), employee, gross)
    return employee, company


def apply_enrollments(
    statement: dict[str, Any],
    enrollments: Sequence[Enrolled],
    *,
    pay_date: date,
    age: int | None,
) -> list[tuple[Enrolled, dict[str, Any]]]:
    """Add the enrolled deductions and contributions to `statement` (in place).

    Returns (enrollment, its new totals) for each enrollment this paycheck took money for.
    `age` is the individual's age at the end of the pay date's year (None if unknown).
    """
    gross = int((statement.get("gross_pay") or {}).get("amount") or 0)
    year = pay_date.year
    key = str(year)
    changed: list[tuple[Enrolled, dict[str, Any]]] = []
    deductions = list(statement.get("employee_deductions") or [])
    contributions = list(statement.get("employer_contributions") or [])
    taken = 0
    for enrolled in enrollments:
        effective = enrolled.configuration.get("effective_date")
        if effective and pay_date.isoformat() < str(effective):
            continue
        if not _due(enrolled, pay_date):
            continue
        so_far = dict((enrolled.totals.get("years") or {}).get(key) or {})
        employee_ytd = int(so_far.get("employee") or 0)
        company_ytd = int(so_far.get("company") or 0)
        employee, company = _amounts(enrolled, gross)
        # Never take more than is left of this paycheck after the deductions before it.
        employee = max(0, min(employee, gross - taken))
        cap = annual_cap(enrolled, year, age)
        if cap is not None:
            employee = max(0, min(employee, cap - employee_ytd))
        hsa = hsa_cap(enrolled, year, age)
        if hsa is not None:
            employee = max(0, min(employee, hsa - employee_ytd - company_ytd))
            company = max(0, min(company, hsa - employee_ytd - company_ytd - employee))
        if employee == 0 and company == 0:
            continue
        name = enrolled.description or enrolled.benefit_type or "Benefit"
        if employee:
            deductions.append(
                {
                    "amount": employee,
                    "currency": "usd",
                    "name": name,
                    "pre_tax": enrolled.benefit_type not in POST_TAX_TYPES,
                    "type": enrolled.benefit_type,
                    "attributes": None,
                }
            )
            taken += employee
        if company:
            contributions.append(
                {
                    "amount": company,
                    "currency": "usd",
                    "name": name,
                    "type": enrolled.benefit_type,
                    "attributes": None,
                }
            )
        years = dict(enrolled.totals.get("years") or {})
        years[key] = {"employee": employee_ytd + employee, "company": company_ytd + company}
        changed.append((enrolled, {"years": years, "last_month": pay_date.strftime("%Y-%m")}))
    statement["employee_deductions"] = deductions
    statement["employer_contributions"] = contributions
    net = statement.get("net_pay") or {"amount": gross, "currency": "usd"}
    statement["net_pay"] = {**net, "amount": int(net.get("amount") or 0) - taken}
    return changed


def age_at_year_end(dob: str | None, year: int) -> int | None:
    if not dob:
        return None
    try:
        born = date.fromisoformat(dob[:10])
    except ValueError:
        return None
    return year - born.year


def deduct_from_history(
    payments: Sequence[dict[str, Any]],
    statements: dict[tuple[str, str], dict[str, Any]],
    enrolled: dict[str, list[Enrolled]],
    ages: dict[str, str | None],
) -> tuple[set[str], dict[tuple[str, str], dict[str, Any]]]:
    """Enrollments that predate a pay history, applied to it as the payroll would have.

    `payments` are `Payment` documents; `statements` the pay statements of enrolled people by
    (payment id, individual id); `enrolled` each person's enrollments (totals empty); `ages`
    each person's date of birth. Payments are taken in pay-date order so that annual maximums
    and `monthly` / `one_time` frequencies hold across the history. Statements and payments
    change in place (a payment's net pay, contributions and company debit follow its
    statements). Returns the ids of the payments that changed, and the year-to-date totals of
    each (benefit id, individual id) that took money.
    """
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    changed: set[str] = set()
    for payment in sorted(payments, key=lambda p: str(p.get("pay_date") or "")):
        if not payment.get("pay_date"):
            continue
        pay_date = date.fromisoformat(str(payment["pay_date"])[:10])
        taken = added = 0
        for individual_id in payment.get("individual_ids") or ():
            statement = statements.get((str(payment["id"]), individual_id))
            mine = enrolled.get(individual_id)
            if statement is None or not mine:
                continue
            net_before = int((statement.get("net_pay") or {}).get("amount") or 0)
            given = sum(_cents(c) for c in statement.get("employer_contributions") or ())
            now = [replace(e, totals=totals.get((e.benefit_id, individual_id), {})) for e in mine]
            age = age_at_year_end(ages.get(individual_id), pay_date.year)
            for item, new_totals in apply_enrollments(statement, now, pay_date=pay_date, age=age):
                totals[(item.benefit_id, individual_id)] = new_totals
            taken += net_before - int((statement.get("net_pay") or {}).get("amount") or 0)
            added += sum(_cents(c) for c in statement.get("employer_contributions") or ()) - given
        if taken or added:
            changed.add(str(payment["id"]))
            _adjust(payment, "net_pay", -taken)
            # company debit = net + taxes + employer contributions (generation/payroll.py)
            _adjust(payment, "company_debit", added - taken)
    return changed, totals


def _cents(line: dict[str, Any]) -> int:
    return int(line.get("amount") or 0)


def _adjust(payment: dict[str, Any], key: str, delta: int) -> None:
    money = payment.get(key)
    if isinstance(money, dict) and delta:
        payment[key] = {**money, "amount": int(money.get("amount") or 0) + delta}
