"""The generated payroll behaves like a real one and follows the provider catalog, over many
seeds and several providers: directory fields by the directory's own catalog rules, pay
calendars (frequencies, business days), payroll taxes by rule, rehire gaps, industries."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from functools import cache
from typing import Any

import pytest

from finch_sandbox.services.directory import directory_entry
from finch_sandbox.services.generation import (
    GeneratedCompany,
    federal_holidays,
    generate_company,
    is_business_day,
    tax_tables,
)
from finch_sandbox.services.generation.calendar import PayCalendar, add_business_days
from finch_sandbox.services.providers import ProviderCatalog
from tests.unit.test_generation import assert_valid, check_payment, check_statement

TODAY = date(2026, 11, 2)
PROVIDERS = ("gusto", "adp_workforce_now", "adp_run", "bamboo_hr", "personio", "aap_isolved",
             "square_payroll", "paylocity")  # fmt: skip
SEEDS = range(16)


@cache
def catalog() -> ProviderCatalog:
    return ProviderCatalog.load()


@cache
def company(seed: int, size: int = 30) -> GeneratedCompany:
    return generate_company(seed=seed, employee_size=size, today=TODAY)


def methods() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for provider_id in PROVIDERS:
        provider = catalog().get(provider_id)
        assert provider is not None
        out.extend((provider_id, m["type"]) for m in provider["authentication_methods"])
    return out


def companies() -> list[GeneratedCompany]:
    return [company(seed, size) for seed in SEEDS for size in (5, 30, 60)]


# --- catalog: the directory has its own rules ----------------------------------------------


@pytest.mark.parametrize(("provider_id", "auth"), methods())
def test_directory_entries_follow_the_directory_catalog(provider_id: str, auth: str) -> None:
    fields = catalog().supported_fields(provider_id, auth)
    rules = ((fields or {}).get("directory") or {}).get("individuals") or {}
    for seed in range(4):
        plain = company(seed)
        made = generate_company(seed=seed, employee_size=30, today=TODAY, supported_fields=fields)
        for original, employee in zip(plain.employees, made.employees, strict=True):
            full = directory_entry(original.individual, original.employment)
            entry = employee.directory if fields is not None else full
            assert entry is not None
            for key, value in full.items():
                rule = rules.get(key, True)
                supported = rule is True or (isinstance(rule, dict) and any(rule.values()))
                # Nulled exactly where the directory's own map says so, whatever the
                # individual and employment maps say about the same field.
                assert entry[key] == (value if supported else None), (key, rule)
    if provider_id == "personio":
        # The reverse of its individual map: first name in the directory, middle name not.
        assert rules["first_name"] is True and rules["middle_name"] is False
    if (provider_id, auth) == ("adp_run", "credential"):
        assert rules["department"] is False and rules["manager"] == {"id": True}


# --- products a provider lacks -------------------------------------------------------------


def test_providers_without_payroll_get_no_pay_history() -> None:
    lacking = [(p, a) for p, a in methods() if not catalog().offers_payroll(p, a)]
    assert ("bamboo_hr", "credential") in lacking and ("aap_isolved", "assisted") in lacking
    assert ("personio", "credential") in lacking and ("square_payroll", "api_token") in lacking
    assert ("gusto", "api") not in lacking and ("paylocity", "credential") not in lacking
    made = generate_company(seed=1, employee_size=30, today=TODAY, payroll=False)
    assert made.payments == [] and made.pay_groups == []
    assert made.employees == company(1).employees


# --- pay calendars -------------------------------------------------------------------------


def test_calendars_differ_across_companies() -> None:
    frequencies: Counter[str] = Counter()
    schedules: Counter[tuple[str, ...]] = Counter()
    two_groups = 0
    # One company per seed: a seed's calendar is the same whatever the company's size.
    for made in (company(seed, 60) for seed in SEEDS):
        two_groups += len(made.pay_groups) == 2
        for group in made.pay_groups:
            (frequency,) = group["pay_frequencies"]
            frequencies[frequency] += 1
            dates = tuple(
                p.payment["pay_date"]
                for p in made.payments
                if p.payment["pay_group_ids"] == [group["id"]]
                and p.pay_statements[0]["type"] == "regular_payroll"
            )
            schedules[dates[-6:]] += 1
    assert set(frequencies) == {"weekly", "bi_weekly", "semi_monthly", "monthly"}
    assert two_groups >= 3
    # Not one calendar for everyone (though many pay on the 15th and the last day, as real
    # companies do).
    groups = sum(frequencies.values())
    assert len(schedules) >= groups // 3
    assert max(schedules.values()) <= groups // 4


def test_pay_and_debit_dates_are_business_days() -> None:
    for made in companies():
        for item in made.payments:
            for key in ("pay_date", "debit_date"):
                day = date.fromisoformat(item.payment[key])
                assert day.weekday() < 5 and day not in federal_holidays(day.year), (key, day)
            assert item.payment["debit_date"] > item.payment["pay_date"]


def test_holidays_and_calendar_rules() -> None:
    assert {date(2025, 7, 4), date(2026, 6, 19), date(2026, 1, 1)} <= (
        federal_holidays(2025) | federal_holidays(2026)
    )
    assert date(2026, 7, 3) in federal_holidays(2026)  # 4 July 2026 is a Saturday
    assert date(2027, 12, 31) in federal_holidays(2027)  # New Year 2028 is a Saturday
    assert not is_business_day(date(2025, 11, 27))  # Thanksgiving
    assert add_business_days(date(2026, 7, 2), 1) == date(2026, 7, 6)
    semi = PayCalendar("semi_monthly", date(2000, 1, 1), 0)
    period = semi.period(semi.index_near(date(2026, 2, 20)))
    assert (period.start, period.end) == (date(2026, 2, 16), date(2026, 2, 28))
    assert period.pay_date == date(2026, 2, 27)  # the 28th is a Saturday: paid the day before


def test_payments_name_their_pay_groups_and_kinds() -> None:
    kinds: Counter[str] = Counter()
    for made in companies():
        groups = {g["id"]: g for g in made.pay_groups}
        for item in made.payments:
            payment = item.payment
            assert payment["pay_group_ids"] and set(payment["pay_group_ids"]) <= groups.keys()
            named = [groups[g] for g in payment["pay_group_ids"]]
            assert payment["pay_frequencies"] == [g["pay_frequencies"][0] for g in named]
            members = {i for g in named for i in g["individual_ids"]}
            assert set(payment["individual_ids"]) <= members
            (kind,) = {s["type"] for s in item.pay_statements}
            kinds[kind] += 1
            if kind == "one_time_payment":
                assert all(e["type"] == "bonus" for s in item.pay_statements for e in s["earnings"])
            if kind == "off_cycle_payroll":
                assert len(item.pay_statements) == 1
        for group in made.pay_groups:
            assert_valid_group(group)
    assert kinds["regular_payroll"] > kinds["off_cycle_payroll"] > 0
    assert kinds["one_time_payment"] > 0


def assert_valid_group(group: dict[str, Any]) -> None:
    from tests.spec import schema_validator

    errors = list(schema_validator("PayGroupRetrieveResponse").iter_errors(group))
    assert not errors, errors[0].message
    assert not list(
        schema_validator("PayGroupListResponse").iter_errors(
            {k: group[k] for k in ("id", "name", "pay_frequencies")}
        )
    )


# --- taxes ---------------------------------------------------------------------------------


def yearly_taxes(made: GeneratedCompany) -> dict[tuple[str, int, str], int]:
    """(individual, year, tax name) -> amount over the year's pay dates."""
    out: dict[tuple[str, int, str], int] = defaultdict(int)
    for item in made.payments:
        year = int(item.payment["pay_date"][:4])
        for statement in item.pay_statements:
            for tax in statement["taxes"]:
                out[(statement["individual_id"], year, tax["name"])] += tax["amount"]
            fica_wages = statement["gross_pay"]["amount"] - sum(
                d["amount"]
                for d in statement["employee_deductions"]
                if d["type"].startswith("s125")
            )
            out[(statement["individual_id"], year, "wages")] += fica_wages
    return out


def test_social_security_stops_at_the_wage_base_and_additional_medicare_starts() -> None:
    capped = over_threshold = 0
    for seed in SEEDS:
        # Full history from 1 January of last year: the year's wages are all in view.
        totals = yearly_taxes(company(seed, 60))
        for (person, year, name), amount in totals.items():
            table = tax_tables.federal(year)
            wages = totals[(person, year, "wages")]
            if name in ("Social Security", "Social Security Employer"):
                limit = round(table.social_security_wage_base * table.social_security_rate)
                assert amount <= limit
                capped += amount == limit
            if name == "Medicare":
                excess = wages - table.additional_medicare_threshold
                additional = totals.get((person, year, "Additional Medicare"), 0)
                assert additional == max(round(excess * table.additional_medicare_rate), 0)
                over_threshold += additional > 0
            if name == "FUTA":
                assert amount <= round(table.futa_wage_base * table.futa_rate)
    assert capped > 0 and over_threshold > 0


def test_a_single_late_period_still_knows_the_year_to_date() -> None:
    """Large companies get one period: in November the best paid are past the wage base."""
    late = 0
    for seed in range(8):
        made = company(seed, 300)
        for item in made.payments:
            for statement in item.pay_statements:
                names = {t["name"]: t["amount"] for t in statement["taxes"]}
                if "Additional Medicare" in names:
                    late += 1
                    # Social Security stopped (or stops) at the wage base meanwhile.
                    full_rate = round(names["Medicare"] / 0.0145 * 0.062)
                    assert names["Social Security"] < full_rate - 100
    assert late > 0


def test_employer_taxes_include_futa_and_state_unemployment() -> None:
    for made in companies()[:30]:
        people = {e.individual["id"]: e for e in made.employees}
        for item in made.payments:
            for statement in item.pay_statements:
                employee = people[statement["individual_id"]]
                if employee.employment["employment"]["type"] == "contractor":
                    assert statement["taxes"] == []
                    continue
                employer = {t["name"] for t in statement["taxes"] if t["employer"]}
                work_state = employee.employment["location"]["state"]
                assert {"Social Security Employer", "Medicare Employer", "FUTA"} <= employer
                assert f"{work_state} SUI" in employer


def test_residence_drives_state_income_tax() -> None:
    remote_in_untaxed_state = commuters = 0
    for made in companies():
        people = {e.individual["id"]: e for e in made.employees}
        seen: set[str] = set()
        for item in made.payments:
            for statement in item.pay_statements:
                person = statement["individual_id"]
                if person in seen or not statement["taxes"]:
                    continue
                seen.add(person)
                employee = people[person]
                home = employee.individual["residence"]
                work = employee.employment["location"]
                states = {
                    t["name"].removesuffix(" State Income Tax")
                    for t in statement["taxes"]
                    if t["name"].endswith("State Income Tax")
                }
                assert states <= {home["state"], work["state"]}
                home_rate = tax_tables.state(home["state"]).income_tax
                if work["state"] == home["state"] or not tax_tables.state(work["state"]).income_tax:
                    assert states == ({home["state"]} if home_rate else set())
                else:
                    commuters += 1
                if work.get("name") == "Remote" and not home_rate:
                    remote_in_untaxed_state += 1
                    assert not states
                locals_ = {t["name"] for t in statement["taxes"] if t["type"] == "local"}
                if "NYC Resident Tax" in locals_:
                    assert home["city"] in ("New York", "Brooklyn")
    assert remote_in_untaxed_state > 0 and commuters > 0


# --- people --------------------------------------------------------------------------------


def test_rehires_are_not_paid_while_away() -> None:
    rehires = 0
    for seed in SEEDS:
        made = company(seed, 60)
        for employee in made.employees:
            if employee.away is None:
                assert employee.employment["latest_rehire_date"] is None
                continue
            rehires += 1
            left, back = employee.away
            assert employee.employment["latest_rehire_date"] == back.isoformat()
            assert date.fromisoformat(employee.employment["start_date"]) < left < back
            assert is_business_day(back)
            for item in made.payments:
                if employee.individual["id"] not in item.payment["individual_ids"]:
                    continue
                period = item.payment["pay_period"]
                # Paid only for a period that overlaps a time they were employed ...
                assert period["start_date"] < left.isoformat() or (
                    period["end_date"] >= back.isoformat()
                )
                # ... and a bonus only while employed.
                if item.pay_statements[0]["type"] == "one_time_payment":
                    assert not left <= date.fromisoformat(item.payment["pay_date"]) < back
    assert rehires > 0


def test_start_dates_fall_on_business_days() -> None:
    for made in companies()[:40]:
        for employee in made.employees:
            assert is_business_day(date.fromisoformat(employee.employment["start_date"]))


def test_jobs_departments_and_unions_fit_the_industry() -> None:
    nonprofits = 0
    unions: Counter[tuple[str, str]] = Counter()
    for seed in range(48):
        made = company(seed, 12)
        departments = {d["name"] for d in made.company["departments"]}
        if made.company["entity"]["type"] == "non_profit":
            nonprofits += 1
            assert "Programs" in departments
            assert not departments & {"Warehouse", "Logistics", "Sales", "Engineering"}
        for employee in made.employees:
            job = employee.employment
            if job["department"]["name"] in ("Warehouse", "Logistics", "Facilities", "Programs"):
                assert job["location"]["name"] != "Remote"  # work done where it is
            if job["union_code"]:
                unions[(job["union_code"], job["department"]["name"])] += 1
                assert job["income"]["unit"] == "hourly" and job["union_local"]
    assert nonprofits > 0
    allowed = {"IBT": {"Warehouse", "Logistics"}, "SEIU": {"Facilities"}, "AFSCME": {"Programs"}}
    for code, department in unions:
        assert department in allowed[code]


# --- arithmetic ----------------------------------------------------------------------------


def test_every_statement_and_payment_still_adds_up() -> None:
    for made in companies():
        for item in made.payments:
            for statement in item.pay_statements:
                check_statement(statement)
            check_payment(item.payment, item.pay_statements)
        for item in made.payments[-3:]:
            assert_valid("payment", item.payment)
            for statement in item.pay_statements[:5]:
                assert_valid("pay_statement", statement)
