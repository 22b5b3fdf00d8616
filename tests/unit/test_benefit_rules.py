"""The benefit rules without a server: what the catalog allows (benefit_support.py) and what
payroll takes from a paycheck (benefit_payroll.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from finch_sandbox.errors import NotImplementedByProvider, UnprocessableRequest
from finch_sandbox.services.benefit_payroll import Enrolled, apply_enrollments
from finch_sandbox.services.benefit_support import BenefitSupport
from finch_sandbox.services.benefits import configuration_problem
from finch_sandbox.services.providers import ProviderCatalog

CATALOG = ProviderCatalog.load()


def statement(gross: int) -> dict[str, Any]:
    return {
        "individual_id": "p",
        "gross_pay": {"amount": gross, "currency": "usd"},
        "net_pay": {"amount": gross, "currency": "usd"},
        "employee_deductions": [],
        "employer_contributions": [],
    }


def enrolled(kind: str = "401k", frequency: str | None = None, match: Any = None,
             totals: dict[str, Any] | None = None, **config: Any) -> Enrolled:  # fmt: skip
    return Enrolled("b", kind, "Plan", frequency, match, config, totals or {})


def run(item: Enrolled, gross: int, day: date, age: int | None = 40) -> tuple[int, int, Any]:
    """(deducted, contributed, new totals) for one paycheck."""
    paid = statement(gross)
    changed = apply_enrollments(paid, [item], pay_date=day, age=age)
    deducted = sum(d["amount"] for d in paid["employee_deductions"])
    assert paid["net_pay"]["amount"] == gross - deducted
    contributed = sum(c["amount"] for c in paid["employer_contributions"])
    return deducted, contributed, changed[0][1] if changed else None


def test_fixed_and_percent_amounts() -> None:
    fixed = enrolled(employee_deduction={"type": "fixed", "amount": 12_345})
    assert run(fixed, 500_000, date(2026, 3, 1))[:2] == (12_345, 0)
    percent = enrolled(
        employee_deduction={"type": "percent", "amount": 650},
        company_contribution={"type": "fixed", "amount": 5_000},
    )
    assert run(percent, 400_000, date(2026, 3, 1))[:2] == (26_000, 5_000)


def test_annual_maximum_resets_with_the_calendar_year() -> None:
    item = enrolled(
        employee_deduction={"type": "fixed", "amount": 40_000},
        annual_maximum=100_000,
        totals={"years": {"2026": {"employee": 90_000, "company": 0}}},
    )
    deducted, _, totals = run(item, 500_000, date(2026, 12, 20))
    assert deducted == 10_000 and totals["years"]["2026"]["employee"] == 100_000
    assert run(item, 500_000, date(2027, 1, 8))[0] == 40_000


def test_catch_up_raises_the_cap_only_from_fifty() -> None:
    # No annual maximum given: a 401(k) stops at the IRS deferral limit ($24,500 in 2026),
    # plus the $8,000 catch-up for someone 50 or older who enabled it.
    near = {"years": {"2026": {"employee": 24_000_00, "company": 0}}}
    item = enrolled(employee_deduction={"type": "fixed", "amount": 2_000_00}, totals=near)
    assert run(item, 900_000, date(2026, 11, 1), age=55)[0] == 500_00
    catch_up = enrolled(
        employee_deduction={"type": "fixed", "amount": 2_000_00}, catch_up=True, totals=near
    )
    assert run(catch_up, 900_000, date(2026, 11, 1), age=55)[0] == 2_000_00
    assert run(catch_up, 900_000, date(2026, 11, 1), age=49)[0] == 500_00
    assert run(catch_up, 900_000, date(2026, 11, 1), age=None)[0] == 500_00


def test_tiered_match_and_the_benefits_own_match() -> None:
    # 100% of the first 3% of pay, 50% of the next 2%: 6% saved on $5,000 -> $150 + $50.
    tiers = [{"match": 10_000, "threshold": 300}, {"match": 5_000, "threshold": 200}]
    tiered = enrolled(
        employee_deduction={"type": "percent", "amount": 600},
        company_contribution={"type": "tiered", "tiers": tiers},
    )
    assert run(tiered, 500_000, date(2026, 5, 1))[:2] == (30_000, 20_000)
    inherits = enrolled(
        match={"type": "match", "tiers": tiers},
        employee_deduction={"type": "percent", "amount": 200},
    )
    assert run(inherits, 500_000, date(2026, 5, 1))[:2] == (10_000, 10_000)


def test_frequencies_and_effective_date() -> None:
    monthly = enrolled(
        frequency="monthly",
        employee_deduction={"type": "fixed", "amount": 5_000},
        totals={"years": {"2026": {"employee": 5_000, "company": 0}}, "last_month": "2026-05"},
    )
    assert run(monthly, 300_000, date(2026, 5, 29))[0] == 0
    assert run(monthly, 300_000, date(2026, 6, 12))[0] == 5_000
    once = enrolled(frequency="one_time", employee_deduction={"type": "fixed", "amount": 7_000})
    assert run(once, 300_000, date(2026, 6, 12))[0] == 7_000
    done = enrolled(
        frequency="one_time",
        employee_deduction={"type": "fixed", "amount": 7_000},
        totals={"years": {"2026": {"employee": 7_000, "company": 0}}},
    )
    assert run(done, 300_000, date(2026, 6, 26))[0] == 0
    later = enrolled(
        employee_deduction={"type": "fixed", "amount": 7_000}, effective_date="2026-07-01"
    )
    assert run(later, 300_000, date(2026, 6, 26))[0] == 0
    assert run(later, 300_000, date(2026, 7, 10))[0] == 7_000


def test_hsa_stops_at_the_coverage_limit_employer_money_included() -> None:
    item = enrolled(
        "hsa_pre",
        employee_deduction={"type": "fixed", "amount": 30_000},
        company_contribution={"type": "fixed", "amount": 20_000},
        hsa_contribution_limit="individual",
        totals={"years": {"2026": {"employee": 3_500_00, "company": 850_00}}},
    )
    # $4,400 individual limit in 2026; $4,350 already in: $50 left, the employee's first.
    assert run(item, 500_000, date(2026, 9, 4), age=40)[:2] == (5_000, 0)


def test_a_deduction_never_exceeds_the_paycheck() -> None:
    item = enrolled(employee_deduction={"type": "fixed", "amount": 900_000})
    assert run(item, 250_000, date(2026, 2, 6))[0] == 250_000


def test_roth_and_post_tax_deductions_are_not_pre_tax() -> None:
    paid = statement(100_000)
    apply_enrollments(
        paid,
        [enrolled("401k_roth", employee_deduction={"type": "fixed", "amount": 1_000})],
        pay_date=date(2026, 1, 9),
        age=30,
    )
    assert paid["employee_deductions"][0]["pre_tax"] is False


def test_support_follows_the_catalog() -> None:
    gusto = BenefitSupport.of(CATALOG, "gusto", "credential")  # falls back to gusto's api method
    assert gusto.automated
    gusto.require("401k", "individual_benefits", "create")
    with pytest.raises(UnprocessableRequest) as missing:
        gusto.require("457", "company_benefits", "create")
    assert missing.value.code_detail == "unsupported_parameters"
    justworks = BenefitSupport.of(CATALOG, "justworks", "credential")
    assert not justworks.automated
    justworks.require("401k", "company_benefits", "create")
    with pytest.raises(NotImplementedByProvider):
        justworks.require("401k", "company_benefits", "read")
    paycom = BenefitSupport.of(CATALOG, "paycom", "credential")
    with pytest.raises(UnprocessableRequest) as employer_only:
        paycom.require("401k", "company_benefits", "create")
    assert employer_only.value.code_detail == "client_access_only"
    none = BenefitSupport.of(CATALOG, "bob", "api_token")
    assert not none.offered and none.supported_benefits() == []
    with pytest.raises(UnprocessableRequest) as not_offered:
        none.require("401k", "company_benefits", "create")
    assert not_offered.value.code_detail == "not_supported_by_provider"


def test_configurations_are_checked_against_the_features() -> None:
    gusto = BenefitSupport.of(CATALOG, "gusto", "api")
    assert configuration_problem(gusto, "401k", {"employee_deduction": {"type": "percent"}}) is None
    assert configuration_problem(
        gusto, "fsa_medical", {"employee_deduction": {"type": "percent", "amount": 1}}
    )
    assert configuration_problem(gusto, "fsa_medical", {"annual_maximum": 100})
    assert configuration_problem(gusto, "fsa_medical", {"catch_up": True})
    assert configuration_problem(gusto, "hsa_pre", {"hsa_contribution_limit": "family"}) is None
    assert configuration_problem(gusto, "401k", {"effective_date": "2026-01-01"})
