"""Unit tests for the fake-company generator: determinism, org chart, pay arithmetic, pay
calendar, field support, schema conformance and realism."""

from __future__ import annotations

import itertools
import json
import random
import re
import uuid
from collections import Counter
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from finch_sandbox.services.generation import (
    DEPARTMENTS,
    GeneratedCompany,
    GeneratedEmployee,
    apply_field_support,
    fill_employee,
    generate_company,
    generate_employees,
    generate_pay_statement,
    is_business_day,
    new_uuid,
    summarize_payment,
)

TODAY = date(2025, 6, 18)  # a Wednesday
FINCH_API = Path(__file__).resolve().parents[3] / "shared" / "finch-api"
SPEC_URI = "urn:finch-openapi"
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
E164 = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")


# --- fixtures and helpers ------------------------------------------------------------------


@cache
def company_of(size: int, seed: int = 11, full: bool = False) -> GeneratedCompany:
    return generate_company(seed=seed, employee_size=size, today=TODAY, full_pay_history=full)


@cache
def spec() -> dict[str, Any]:
    path = FINCH_API / "openapi.yaml"
    if not path.exists():
        raise FileNotFoundError(f"the Finch OpenAPI document is expected at {path}")
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


@cache
def validator(pointer: str) -> Draft202012Validator:
    registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec()))
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry)


# Individual and EmploymentData are anyOf(object, batch error): the object branch must match.
SCHEMA_POINTERS = {
    "company": "/components/schemas/Company",
    "individual": "/components/schemas/Individual/anyOf/0",
    "employment": "/components/schemas/EmploymentData/anyOf/0",
    "payment": "/components/schemas/Payment",
    "pay_statement": "/components/schemas/PayStatement",
}


def assert_valid(kind: str, doc: dict[str, Any]) -> None:
    errors = sorted(validator(SCHEMA_POINTERS[kind]).iter_errors(doc), key=str)
    assert not errors, f"{kind} does not match the schema: {errors[0].message} at {errors[0].path}"


def schema_keys(kind: str) -> set[str]:
    node: Any = spec()
    for part in SCHEMA_POINTERS[kind].strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return set(node["properties"])


@cache
def gusto_fields() -> dict[str, Any]:
    # The catalog the app ships, a copy of shared/finch-api/providers.json.
    text = resources.files("finch_sandbox.data").joinpath("providers.json").read_text("utf-8")
    providers = json.loads(text)
    gusto = next(p for p in providers if p["id"] == "gusto")
    fields: dict[str, Any] = gusto["authentication_methods"][0]["supported_fields"]
    return fields


def by_id(company: GeneratedCompany) -> dict[str, GeneratedEmployee]:
    return {e.individual["id"]: e for e in company.employees}


def cents(value: dict[str, Any] | None) -> int:
    assert value is not None and value["currency"] == "usd"
    amount = value["amount"]
    assert isinstance(amount, int)
    return amount


# --- determinism ---------------------------------------------------------------------------


def test_same_arguments_give_equal_output_and_another_seed_differs() -> None:
    first = generate_company(seed=5, employee_size=40, today=TODAY)
    again = generate_company(seed=5, employee_size=40, today=TODAY)
    other = generate_company(seed=6, employee_size=40, today=TODAY)
    assert first == again
    assert first.company != other.company
    names = {(e.individual["first_name"], e.individual["last_name"]) for e in first.employees}
    other_names = {(e.individual["first_name"], e.individual["last_name"]) for e in other.employees}
    assert names != other_names


def test_generation_uses_no_global_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("global randomness used")

    for name in ("random", "randint", "randrange", "choice", "choices", "uniform", "shuffle"):
        monkeypatch.setattr(random, name, forbidden)
    monkeypatch.setattr(uuid, "uuid4", forbidden)
    state = random.getstate()
    generated = generate_company(seed=3, employee_size=30, today=TODAY)
    assert random.getstate() == state
    assert generated == company_of(30, seed=3)


def test_new_uuid_is_a_deterministic_lowercase_v4() -> None:
    ids = [new_uuid(random.Random(9)) for _ in range(2)]
    assert ids[0] == ids[1]
    rng = random.Random(1)
    for _ in range(200):
        value = new_uuid(rng)
        assert UUID_V4.match(value), value
        assert uuid.UUID(value).version == 4


# --- org chart -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 5, 20, 100, 1000])
def test_manager_tree_is_one_org_chart(size: int) -> None:
    company = company_of(size)
    people = by_id(company)
    assert len(people) == size
    roots = [e for e in company.employees if e.employment["manager"] is None]
    assert len(roots) == 1
    assert roots[0].employment["title"] == "Chief Executive Officer"
    for employee in company.employees:
        seen = {employee.individual["id"]}
        current = employee.employment
        while current["manager"] is not None:
            manager_id = current["manager"]["id"]
            assert manager_id in people, "manager is not an employee"
            assert manager_id not in seen, "reporting cycle"
            seen.add(manager_id)
            current = people[manager_id].employment
        assert current is roots[0].employment
    spans = Counter(
        e.employment["manager"]["id"] for e in company.employees if e.employment["manager"]
    )
    for manager_id in spans:
        manager = people[manager_id].employment
        assert manager["is_active"] is True
        assert manager["employment"]["type"] == "employee"
    if size >= 100:
        assert max(spans.values()) <= 12
        assert 3 <= sum(spans.values()) / len(spans) <= 10


def test_large_company_has_layers() -> None:
    company = company_of(1000)
    people = by_id(company)

    def depth(employee: GeneratedEmployee) -> int:
        levels = 0
        while employee.employment["manager"]:
            employee = people[employee.employment["manager"]["id"]]
            levels += 1
        return levels

    assert 3 <= max(depth(e) for e in company.employees) <= 8


def test_managers_have_senior_titles_and_titles_match_departments() -> None:
    junior_titles = {title for spec in DEPARTMENTS.values() for title in spec.ic[:2]}
    for size in (20, 1000):
        company = company_of(size)
        managers = {
            e.employment["manager"]["id"] for e in company.employees if e.employment["manager"]
        }
        for employee in company.employees:
            employment = employee.employment
            spec = DEPARTMENTS[employment["department"]["name"]]
            titles = {*spec.ic, spec.manager, spec.director, spec.head, spec.chief}
            titles |= {f"{spec.ic[1]} Intern", "Chief Executive Officer"}
            assert employment["title"] in titles, (employment["title"], spec)
            if employee.individual["id"] in managers:
                assert employment["title"] not in junior_titles


# --- people --------------------------------------------------------------------------------


def test_people_look_real() -> None:
    company = company_of(1000)
    domain = company.company["primary_email"].split("@")[1]
    inactive = 0
    work_emails = set()
    for employee in company.employees:
        person, job = employee.individual, employee.employment
        assert (job["first_name"], job["last_name"]) == (person["first_name"], person["last_name"])
        emails = {e["type"]: e["data"] for e in person["emails"]}
        local = re.sub(r"[^a-z]", "", person["first_name"].lower())
        assert emails["work"].startswith(f"{local}.") and emails["work"].endswith(f"@{domain}")
        work_emails.add(emails["work"])
        assert emails["personal"].split("@")[1] in {
            "gmail.com",
            "yahoo.com",
            "outlook.com",
            "icloud.com",
            "hotmail.com",
            "aol.com",
        }
        assert all(E164.match(p["data"]) for p in person["phone_numbers"])
        assert re.fullmatch(r"(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}", person["ssn"])
        dob = date.fromisoformat(person["dob"])
        age = TODAY.year - dob.year - ((TODAY.month, TODAY.day) < (dob.month, dob.day))
        assert 18 <= age <= 70
        start = date.fromisoformat(job["start_date"])
        assert start < TODAY
        home = person["residence"]
        leap_day = (dob.month, dob.day) == (2, 29)
        assert start >= date(dob.year + 18, dob.month, 28 if leap_day else dob.day)
        home = person["residence"]
        assert home["country"] == "US" and re.fullmatch(r"[A-Z]{2}", home["state"])
        assert re.fullmatch(r"\d{5}", home["postal_code"])
        remote = next(f["value"] for f in job["custom_fields"] if f["name"] == "Remote")
        if remote:
            assert job["location"] == {**home, "name": "Remote"}
        else:
            assert job["location"] in company.company["locations"]
        assert is_business_day(start)
        if job["is_active"]:
            assert job["end_date"] is None and job["employment_status"] == "active"
        else:
            inactive += 1
            assert job["employment_status"] == "terminated"
            assert start < date.fromisoformat(job["end_date"]) < TODAY
        assert job["income"] == job["income_history"][-1]
    assert 0.04 <= inactive / len(company.employees) <= 0.11
    assert len(work_emails) == len(company.employees)


def test_pay_kinds_are_consistent() -> None:
    kinds: Counter[str] = Counter()
    for employee in company_of(1000).employees:
        job = employee.employment
        income, kind = job["income"], job["employment"]
        assert income["currency"] == "usd" and isinstance(income["amount"], int)
        if kind["type"] == "contractor":
            kinds["contractor"] += 1
            assert kind["subtype"] == "individual_contractor"
            assert job["flsa_status"] in (None, "unknown") and job["class_code"] is None
        elif income["unit"] == "hourly":
            kinds["hourly"] += 1
            assert job["flsa_status"] == "non_exempt"
            assert 15_00 <= income["amount"] <= 150_00
        else:
            kinds["salaried"] += 1
            assert income["unit"] == "yearly"
            assert 45_000_00 <= income["amount"] <= 400_000_00
        if kind["type"] == "employee":
            assert kind["subtype"] != "individual_contractor"
    assert kinds["salaried"] and kinds["hourly"] and kinds["contractor"]


def test_company_document_looks_real() -> None:
    for seed in range(12):
        company = generate_company(seed=seed, employee_size=5, today=TODAY).company
        entity = company["entity"]
        assert (entity["subtype"] is not None) == (entity["type"] == "corporation")
        suffix = {"corporation": " Inc.", "llc": " LLC", "lp": " LP", "partnership": " LLP"}
        if entity["type"] in suffix:
            assert company["legal_name"].endswith(suffix[entity["type"]])
        assert re.fullmatch(r"\d{2}-\d{7}", company["ein"])
        assert E164.match(company["primary_phone_number"])
        departments = company["departments"]
        assert 6 <= len(departments) <= 12
        listed: set[str] = set()
        for department in departments:
            if department["parent"] is not None:
                assert department["parent"]["name"] in listed
            listed.add(department["name"])
        assert 1 <= len(company["locations"]) <= 4
        assert 1 <= len(company["accounts"]) <= 2
        for account in company["accounts"]:
            digits = [int(d) for d in account["routing_number"]]
            assert len(digits) == 9
            assert sum(d * w for d, w in zip(digits, (3, 7, 1) * 3, strict=True)) % 10 == 0
            assert re.fullmatch(r"\d{10,12}", account["account_number"])


# --- payroll -------------------------------------------------------------------------------


def check_statement(statement: dict[str, Any]) -> None:
    gross, net = cents(statement["gross_pay"]), cents(statement["net_pay"])
    assert gross == sum(e["amount"] for e in statement["earnings"])
    employee_taxes = sum(t["amount"] for t in statement["taxes"] if not t["employer"])
    deductions = sum(d["amount"] for d in statement["employee_deductions"])
    assert net == gross - employee_taxes - deductions
    assert 0 <= net <= gross
    assert statement["type"] in ("regular_payroll", "off_cycle_payroll", "one_time_payment")
    assert statement["payment_method"] in ("direct_deposit", "check")
    hours = [e["hours"] for e in statement["earnings"] if e["hours"] is not None]
    assert statement["total_hours"] == sum(hours)


def check_payment(payment: dict[str, Any], statements: list[dict[str, Any]]) -> None:
    taxes = [t for s in statements for t in s["taxes"]]
    employee_taxes = sum(t["amount"] for t in taxes if not t["employer"])
    employer_taxes = sum(t["amount"] for t in taxes if t["employer"])
    contributions = sum(c["amount"] for s in statements for c in s["employer_contributions"])
    gross = sum(cents(s["gross_pay"]) for s in statements)
    net = sum(cents(s["net_pay"]) for s in statements)
    assert cents(payment["gross_pay"]) == gross
    assert cents(payment["net_pay"]) == net
    assert cents(payment["employee_taxes"]) == employee_taxes
    assert cents(payment["employer_taxes"]) == employer_taxes
    assert cents(payment["company_debit"]) == net + employee_taxes + employer_taxes + contributions
    assert payment["individual_ids"] == [s["individual_id"] for s in statements]


@pytest.mark.parametrize(("size", "full"), [(60, False), (300, False), (150, True)])
def test_pay_arithmetic(size: int, full: bool) -> None:
    company = company_of(size, full=full)
    assert company.payments
    for item in company.payments:
        for statement in item.pay_statements:
            check_statement(statement)
        check_payment(item.payment, item.pay_statements)


def test_statement_contents() -> None:
    people = by_id(company_of(1000))
    seen: Counter[str] = Counter()
    statements = [s for item in company_of(1000).payments for s in item.pay_statements]
    for statement in statements:
        job = people[statement["individual_id"]].employment
        earnings = {e["type"] for e in statement["earnings"]}
        if job["employment"]["type"] == "contractor":
            seen["contractor"] += 1
            assert earnings == {"1099"}
            assert not statement["taxes"] and not statement["employee_deductions"]
            assert not statement["employer_contributions"]
            continue
        taxes = {(t["name"], t["type"], t["employer"]) for t in statement["taxes"]}
        for tax in ("Social Security", "Medicare"):
            assert (tax, "fica", False) in taxes and (f"{tax} Employer", "fica", True) in taxes
        assert ("Federal Income Tax", "federal", False) in taxes
        assert ("FUTA", "federal", True) in taxes
        home = people[statement["individual_id"]].individual["residence"]["state"]
        if home in ("CA", "NY", "MA", "IL", "CO", "GA", "PA"):
            assert any(t["type"] == "state" and not t["employer"] for t in statement["taxes"])
        if job["income"]["unit"] == "hourly":
            seen["hourly"] += 1
            assert "wage" in earnings
            wage = next(e for e in statement["earnings"] if e["type"] == "wage")
            assert wage["hours"] > 0
        else:
            seen["salaried"] += 1
            assert "salary" in earnings
        for deduction in statement["employee_deductions"]:
            assert deduction["pre_tax"] is (deduction["type"] != "401k_roth")
            seen[deduction["type"]] += 1
        seen.update(c["type"] for c in statement["employer_contributions"])
    for key in ("contractor", "hourly", "salaried", "401k", "s125_medical"):
        assert seen[key], key


def test_full_history_calendar() -> None:
    company = company_of(60)
    regular = [p for p in company.payments if p.pay_statements[0]["type"] == "regular_payroll"]
    pay_dates = [date.fromisoformat(p.payment["pay_date"]) for p in company.payments]
    assert pay_dates == sorted(pay_dates)
    assert pay_dates[0] >= date(TODAY.year - 1, 1, 1)
    assert pay_dates[0] - timedelta(days=35) < date(TODAY.year - 1, 1, 1)
    assert pay_dates[-1] <= TODAY
    groups = {g["id"]: g for g in company.pay_groups}
    for group_id, group in groups.items():
        mine = [p.payment for p in regular if p.payment["pay_group_ids"] == [group_id]]
        assert mine and all(p["pay_frequencies"] == group["pay_frequencies"] for p in mine)
        assert TODAY - date.fromisoformat(mine[-1]["pay_date"]) < timedelta(days=40)
        for earlier, later in itertools.pairwise(p["pay_period"] for p in mine):
            # Consecutive periods of one group tile the calendar.
            gap = date.fromisoformat(later["start_date"]) - date.fromisoformat(earlier["end_date"])
            assert gap == timedelta(days=1)
    for item in company.payments:
        payment = item.payment
        paid, debit = date.fromisoformat(payment["pay_date"]), payment["debit_date"]
        assert is_business_day(paid) and is_business_day(date.fromisoformat(debit))
        assert paid >= date.fromisoformat(payment["pay_period"]["end_date"]) - timedelta(days=3)


def test_large_company_gets_one_payment_per_group_unless_asked() -> None:
    large = company_of(300)
    assert len(large.payments) == len(large.pay_groups)
    assert {g for p in large.payments for g in p.payment["pay_group_ids"]} == {
        g["id"] for g in large.pay_groups
    }
    assert len(company_of(150, full=True).payments) > 20
    assert len(company_of(100).payments) > 20


def test_only_people_employed_in_a_period_are_paid() -> None:
    for size, full in ((60, False), (300, False)):
        company = company_of(size, full=full)
        people = by_id(company)
        members = {g["id"]: set(g["individual_ids"]) for g in company.pay_groups}
        for item in company.payments:
            period = item.payment["pay_period"]
            paid = set(item.payment["individual_ids"])
            assert paid <= people.keys()
            if item.pay_statements[0]["type"] != "regular_payroll":
                continue
            (group_id,) = item.payment["pay_group_ids"]
            for employee in company.employees:
                job = employee.employment
                employed = job["start_date"] <= period["end_date"] and (
                    job["end_date"] is None or job["end_date"] >= period["start_date"]
                )
                if employee.away is not None:
                    left, back = (d.isoformat() for d in employee.away)
                    employed = employed and not (
                        left <= period["start_date"] and period["end_date"] < back
                    )
                expected = employed and employee.individual["id"] in members[group_id]
                assert (employee.individual["id"] in paid) == expected


def test_summarize_payment_tolerates_sparse_statements() -> None:
    statements: list[dict[str, Any]] = [
        {
            "individual_id": "a",
            "gross_pay": {"amount": 1000, "currency": "usd"},
            "net_pay": {"amount": 700, "currency": "usd"},
            "taxes": [
                {"amount": 200, "employer": False},
                {"amount": None, "employer": None},
                {"amount": 50, "employer": True},
            ],
            "employer_contributions": [{"amount": 30}],
            "employee_deductions": [],
        },
        {
            "individual_id": "b",
            "gross_pay": None,
            "net_pay": None,
            "taxes": None,
            "employer_contributions": None,
        },
    ]
    payment = summarize_payment(
        payment_id="p",
        pay_period=(date(2025, 1, 1), date(2025, 1, 14)),
        pay_date=date(2025, 1, 17),
        debit_date=date(2025, 1, 16),
        pay_statements=statements,
        pay_frequency="other",
        pay_group_ids=[],
    )
    assert payment["gross_pay"] == {"amount": 1000, "currency": "usd"}
    assert payment["company_debit"]["amount"] == 700 + 200 + 50 + 30
    assert payment["individual_ids"] == ["a", "b"]
    assert payment["pay_period"] == {"end_date": "2025-01-14", "start_date": "2025-01-01"}


def test_generate_pay_statement_directly() -> None:
    employee = next(e for e in company_of(60).employees if e.employment["is_active"])

    def make() -> dict[str, Any]:
        period = (date(2025, 5, 4), date(2025, 5, 17))
        return generate_pay_statement(
            rng=random.Random(4), employee=employee, pay_period=period, pay_frequency="bi_weekly"
        )

    statement = make()
    assert statement == make()
    check_statement(statement)
    assert_valid("pay_statement", statement)


# --- field support -------------------------------------------------------------------------


def test_field_support_nulls_unsupported_fields() -> None:
    company = generate_company(
        seed=11, employee_size=20, today=TODAY, supported_fields=gusto_fields()
    )
    plain = company_of(20)
    assert company.company["accounts"] is None  # every account field is unsupported at Gusto
    assert company.company["legal_name"] == plain.company["legal_name"]
    assert company.company["departments"] == plain.company["departments"]
    for employee, original in zip(company.employees, plain.employees, strict=True):
        assert employee.individual["gender"] is None and employee.individual["ethnicity"] is None
        assert employee.employment["class_code"] is None
        assert employee.individual["first_name"] == original.individual["first_name"]
        assert employee.individual["ssn"] == original.individual["ssn"]
        assert employee.employment["income"] == original.employment["income"]
        assert employee.employment["manager"] == original.employment["manager"]
    assert any(e.individual["gender"] is not None for e in plain.employees)
    assert company.payments == plain.payments  # Gusto supports every payroll field
    assert company.pay_groups == plain.pay_groups
    assert_valid("company", company.company)
    assert_valid("individual", company.employees[0].individual)
    assert_valid("employment", company.employees[0].employment)


def test_apply_field_support_rules() -> None:
    doc: dict[str, Any] = {
        "id": "x",
        "title": "Engineer",
        "class_code": "8810",
        "income": {"amount": 1, "currency": "usd", "unit": "yearly", "effective_date": None},
        "manager": {"id": "m"},
        "emails": [{"data": "a@b.c", "type": "work"}],
        "location": {"city": "Austin", "state": "TX"},
    }
    rules: dict[str, Any] = {
        "employment": {
            "id": False,
            "class_code": False,
            "title": True,
            "income": {"amount": False, "unit": True},
            "manager": {"id": False},
            "location": {"city": False, "state": False},
        }
    }
    out = apply_field_support("employment", doc, rules)
    assert out["id"] == "x" and out["title"] == "Engineer" and out["class_code"] is None
    assert out["income"] == {
        "amount": None,
        "currency": "usd",
        "unit": "yearly",
        "effective_date": None,
    }
    assert out["manager"] is None  # `manager.id` cannot be null inside a manager object
    assert out["location"] is None  # nothing of it is readable
    assert doc["class_code"] == "8810" and doc["income"]["amount"] == 1  # input untouched
    assert apply_field_support("employment", doc, None) is doc
    assert apply_field_support("employment", doc, {"company": {"ein": False}}) == doc
    listed = apply_field_support(
        "individual", doc, {"individual": {"emails": {"data": True, "type": False}}}
    )
    assert listed["emails"] == [{"data": "a@b.c", "type": None}]
    statement = {"individual_id": "i", "taxes": [{"amount": 5, "employer": True}]}
    pruned = apply_field_support(
        "pay_statement",
        statement,
        {"pay_statement": {"pay_statements": {"taxes": {"amount": True, "employer": False}}}},
    )
    assert pruned["taxes"] == [{"amount": 5, "employer": None}]
    with pytest.raises(ValueError):
        apply_field_support("benefits", doc, rules)


# --- schema conformance --------------------------------------------------------------------


def test_documents_match_the_openapi_schemas_exactly() -> None:
    for size, full in ((20, False), (300, False)):
        company = company_of(size, full=full)
        assert_valid("company", company.company)
        assert set(company.company) == schema_keys("company")
        sample = company.employees[:: max(1, len(company.employees) // 40)]
        for employee in sample:
            assert_valid("individual", employee.individual)
            assert_valid("employment", employee.employment)
            assert set(employee.individual) == schema_keys("individual")
            assert set(employee.employment) == schema_keys("employment")
            assert employee.individual["encrypted_ssn"] is None
            assert employee.individual["id"] == employee.employment["id"]
        for item in company.payments[-3:]:
            assert_valid("payment", item.payment)
            assert set(item.payment) == schema_keys("payment")
            for statement in item.pay_statements[:: max(1, len(item.pay_statements) // 30)]:
                assert_valid("pay_statement", statement)
                assert set(statement) == schema_keys("pay_statement")


# --- POST /sandbox/directory ---------------------------------------------------------------


def fill(
    partial: dict[str, Any], seed: int = 1, company: dict[str, Any] | None = None
) -> GeneratedEmployee:
    source = company_of(20)
    ids = [e.individual["id"] for e in source.employees]
    return fill_employee(
        rng=random.Random(seed),
        company=source.company if company is None else company,
        partial=partial,
        manager_ids=ids,
        today=TODAY,
        supported_fields=None,
    )


def test_fill_employee_keeps_provided_fields_and_fits_the_company() -> None:
    source = company_of(20)
    income = {"amount": 250_000_00, "unit": "yearly", "currency": "usd"}
    employee = fill({"first_name": "Ada", "title": "CTO", "income": income})
    person, job = employee.individual, employee.employment
    assert person["first_name"] == job["first_name"] == "Ada"
    assert job["title"] == "CTO"
    assert job["income"]["amount"] == 250_000_00 and job["income"]["effective_date"]
    assert job["income_history"] == [job["income"]]
    assert job["department"]["name"] in {d["name"] for d in source.company["departments"]}
    assert job["location"] in source.company["locations"]
    assert job["manager"]["id"] in by_id(source)
    domain = source.company["primary_email"].split("@")[1]
    work = person["emails"][0]
    assert work["type"] == "work" and work["data"].startswith("ada.")
    assert work["data"].endswith(f"@{domain}")
    assert fill({"first_name": "Ada", "title": "CTO", "income": income}) == employee
    assert_valid("individual", person)
    assert_valid("employment", job)


@pytest.mark.parametrize(
    "partial",
    [
        {},
        {"employment": {"type": "contractor"}},
        {"income": {"unit": "hourly", "amount": 25_00}},
        {"is_active": False},
        {"department": {"name": "Data Science"}, "manager": None, "gender": "female"},
        {
            "location": {"city": "Boise", "state": "ID"},
            "dob": "1990-04-01",
            "start_date": "2020-01-06",
        },
        {"employment_status": "terminated", "end_date": "2024-12-31", "last_name": "O'Neil"},
    ],
)
def test_fill_employee_completes_any_partial(partial: dict[str, Any]) -> None:
    employee = fill(partial)
    job = employee.employment
    for key, value in partial.items():
        doc = employee.individual if key in employee.individual else job
        if isinstance(value, dict):
            assert {k: doc[key][k] for k in value} == value
        else:
            assert doc[key] == value
    if job["employment"]["type"] == "contractor":
        assert job["employment"]["subtype"] == "individual_contractor"
        assert job["flsa_status"] is None
    if job["income"]["unit"] == "hourly":
        assert job["flsa_status"] in ("non_exempt", None)
    if job["is_active"] is False:
        assert job["end_date"] and job["employment_status"] == "terminated"
    assert_valid("individual", employee.individual)
    assert_valid("employment", job)


def test_fill_employee_without_a_company() -> None:
    employee = fill({"first_name": "Lin"}, company={})
    assert employee.employment["location"] is None and employee.employment["department"] is None
    assert employee.individual["emails"][0]["data"].endswith("@example.com")
    assert_valid("employment", employee.employment)


def test_generate_employees_reports_to_active_people() -> None:
    source = company_of(20)
    made = generate_employees(
        seed=1,
        company=source.company,
        existing=source.employees,
        partials=[{"first_name": "Ada"}, {}],
        today=TODAY,
    )
    active = {e.individual["id"] for e in source.employees if e.employment["is_active"]}
    assert len(made) == 2 and made[0].individual["first_name"] == "Ada"
    assert all(e.employment["manager"]["id"] in active for e in made)


# --- progress ------------------------------------------------------------------------------


def test_progress_is_reported() -> None:
    calls: list[int] = []
    generate_company(seed=2, employee_size=1200, today=TODAY, progress=calls.append)
    assert calls == sorted(calls) and calls[-1] == 1200
    gaps = [b - a for a, b in zip([0, *calls], calls, strict=False)]
    assert max(gaps) <= 500 and len(calls) >= 50
