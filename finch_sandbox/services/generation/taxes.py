"""Payroll taxes by rule, from the rates in `tax_tables`.

- Social Security (employee and employer) on wages up to each year's wage base; Medicare on all
  wages, plus Additional Medicare on the employee's wages above the year's threshold.
- FUTA and the work state's unemployment insurance (SUI) as employer taxes, each on its wage
  base for the year.
- Federal income tax by the percentage method on annualized wages (the flat supplemental
  rate for bonuses and corrections paid apart from regular wages).
- State income tax where the employee lives; where they work in another state that taxes
  nonresidents (and has no reciprocity agreement with the home state), that state's tax, plus
  the home state's tax on the difference when it is higher (the credit for taxes paid to other
  states). City taxes by residence, and by workplace where the city taxes commuters.

Taxes that stop at a wage base, or start above a threshold, are computed on the person's
year-to-date wages (`Ledger`), by pay date: each statement withholds the tax on the running
total less what was already withheld, so a year's sum is exactly the tax on the year's wages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finch_sandbox.services.generation import tax_tables
from finch_sandbox.services.generation.tax_tables import RECIPROCAL


@dataclass(slots=True)
class YearToDate:
    """One person's wages so far in one calendar year, in cents."""

    fica_wages: int = 0
    futa_wages: int = 0
    sui_wages: int = 0


class Ledger:
    """Year-to-date wages per (individual, year), in pay-date order."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[tuple[str, int], YearToDate] = {}

    def get(self, individual_id: str, year: int) -> YearToDate:
        key = (individual_id, year)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = YearToDate()
        return entry

    def has(self, individual_id: str, year: int) -> bool:
        return (individual_id, year) in self._entries


def _line(name: str, amount: int, kind: str, employer: bool) -> dict[str, Any]:
    return {"amount": amount, "currency": "usd", "name": name, "type": kind,
            "employer": employer, "attributes": None}  # fmt: skip


def _capped(before: int, wages: int, base: int, rate: float) -> int:
    """Tax at `rate` on the part of `wages` that fits under `base` after `before`."""
    return round(min(before + wages, base) * rate) - round(min(before, base) * rate)


def _above(before: int, wages: int, threshold: int, rate: float) -> int:
    """Tax at `rate` on the part of the year's wages above `threshold`."""
    return round(max(before + wages - threshold, 0) * rate) - round(
        max(before - threshold, 0) * rate
    )


def federal_withholding(taxable: int, periods: int, year: int) -> int:
    """The percentage method in brief: annualize the period's wages, tax them, take a share."""
    table = tax_tables.federal(year)
    income = taxable * periods - table.standard_deduction
    tax, floor = 0.0, 0.0
    for ceiling, rate in table.brackets:
        if income <= floor:
            break
        tax += (min(income, ceiling) - floor) * rate
        floor = ceiling
    return max(round(tax / periods), 0)


def state_income_taxes(home: str | None, work: str | None, taxable: int) -> list[tuple[str, int]]:
    """(state, amount) of state income tax withheld, by residence and work state."""
    home_rate = tax_tables.state(home).income_tax if home else 0.0
    work_rate = tax_tables.state(work).income_tax if work else 0.0
    nonresident = (
        work is not None
        and work != home
        and work_rate > 0
        and work != "DC"  # DC does not tax nonresidents' wages
        and frozenset((home, work)) not in RECIPROCAL
    )
    out: list[tuple[str, int]] = []
    if nonresident and work is not None:
        out.append((work, round(taxable * work_rate)))
        if home and home_rate > work_rate:
            out.append((home, round(taxable * (home_rate - work_rate))))
    elif home and home_rate:
        out.append((home, round(taxable * home_rate)))
    return out


def withhold(
    *,
    individual_id: str,
    residence: dict[str, Any] | None,
    work: dict[str, Any] | None,
    fica_wages: int,
    taxable: int,
    periods: int,
    year: int,
    ledger: Ledger,
    supplemental: bool = False,
) -> list[dict[str, Any]]:
    """The tax lines of one statement, and the year-to-date wages moved on by it.

    `fica_wages` are gross less section 125 deductions; `taxable` also less pre-tax 401(k).
    """
    table = tax_tables.federal(year)
    ytd = ledger.get(individual_id, year)
    home_state = (residence or {}).get("state")
    work_state = (work or {}).get("state") or home_state
    social = _capped(ytd.fica_wages, fica_wages, table.social_security_wage_base,
                     table.social_security_rate)  # fmt: skip
    medicare = round((ytd.fica_wages + fica_wages) * table.medicare_rate) - round(
        ytd.fica_wages * table.medicare_rate
    )
    additional = _above(ytd.fica_wages, fica_wages, table.additional_medicare_threshold,
                        table.additional_medicare_rate)  # fmt: skip
    federal = (
        round(taxable * table.supplemental_rate)
        if supplemental
        else federal_withholding(taxable, periods, year)
    )
    work_rates = tax_tables.state(work_state)
    futa = _capped(ytd.futa_wages, fica_wages, table.futa_wage_base, table.futa_rate)
    sui = _capped(ytd.sui_wages, fica_wages, work_rates.sui_wage_base, work_rates.sui_rate)
    ytd.fica_wages += fica_wages
    ytd.futa_wages += fica_wages
    ytd.sui_wages += fica_wages
    taxes = [
        _line("Federal Income Tax", federal, "federal", False),
        _line("Social Security", social, "fica", False),
        _line("Medicare", medicare, "fica", False),
    ]
    if additional:
        taxes.append(_line("Additional Medicare", additional, "fica", False))
    for code, amount in state_income_taxes(home_state, work_state, taxable):
        taxes.append(_line(f"{code} State Income Tax", amount, "state", False))
    disability = tax_tables.disability_rate(work_state, year)
    if disability is not None:
        taxes.append(_line(disability[0], round(fica_wages * disability[1]), "state", False))
    local = _local_tax(residence, work, taxable)
    if local is not None:
        taxes.append(local)
    taxes.append(_line("Social Security Employer", social, "fica", True))
    taxes.append(_line("Medicare Employer", medicare, "fica", True))
    taxes.append(_line("FUTA", futa, "federal", True))
    if work_state:
        taxes.append(_line(f"{work_state} SUI", sui, "state", True))
    return taxes


def _local_tax(
    residence: dict[str, Any] | None, work: dict[str, Any] | None, taxable: int
) -> dict[str, Any] | None:
    def key(place: dict[str, Any] | None) -> tuple[str, str]:
        return str((place or {}).get("city")), str((place or {}).get("state"))

    home = tax_tables.LOCAL.get(key(residence))
    if home is not None:
        return _line(home.name, round(taxable * home.resident_rate), "local", False)
    there = tax_tables.LOCAL.get(key(work))
    if there is not None and there.nonresident_rate:
        return _line(there.name, round(taxable * there.nonresident_rate), "local", False)
    return None


def seed_year(ledger: Ledger, individual_id: str, year: int, wages: int) -> None:
    """Wages paid earlier in `year` than the generated history reaches (an estimate)."""
    if wages > 0 and not ledger.has(individual_id, year):
        ytd = ledger.get(individual_id, year)
        ytd.fica_wages = ytd.futa_wages = ytd.sui_wages = wages
