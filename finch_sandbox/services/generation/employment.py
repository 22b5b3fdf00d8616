"""Employment: the org chart (who reports to whom), pay, and `EmploymentData` documents.

`fill_employee` completes a partial person (POST /sandbox/directory) in the company's image.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from finch_sandbox.services.generation.calendar import next_business_day, previous_business_day
from finch_sandbox.services.generation.company import (
    CEO_LEVEL,
    HEAD_LEVEL,
    MANAGER_LEVEL,
    DeptSpec,
    allocate,
    pay_rate,
    pick_department,
    rank_title,
    spec_for,
    title_for,
)
from finch_sandbox.services.generation.fields import apply_field_support
from finch_sandbox.services.generation.people import (
    CompanyContext,
    GeneratedEmployee,
    Weighted,
    add_years,
    as_date,
    below,
    city_for,
    commutes,
    make_individual,
    new_uuid,
)

_AGES = ((21, 34), (23, 50), (27, 60), (29, 62), (32, 64), (35, 66), (34, 69))
HCE_THRESHOLD = 160_000_00  # IRS highly compensated employee line, in cents
KEY_EMPLOYEE_THRESHOLD = 230_000_00  # officer pay that makes a key employee, in cents
_SHIRTS = Weighted(("XS", "S", "M", "L", "XL", "XXL"), (4, 18, 30, 27, 15, 6))
IC_LEVELS = Weighted((0, 1, 2), (30, 45, 25))  # junior, mid, senior
_HOURLY_SUBTYPES = Weighted(("full_time", "part_time", "temp", "seasonal"), (70, 24, 4, 2))

# Workers' comp codes of desk jobs (clerical, outside sales): the jobs that can be remote.
_DESK_CLASS_CODES = frozenset({"8810", "8742"})
_SPAN = 8  # the most direct reports a manager has before a layer of leads is added


@dataclass(slots=True)
class Role:
    """A seat in the org chart, decided before the person in it is."""

    id: str
    department: str | None
    level: int
    manager_id: str | None
    has_reports: bool = False
    stays: bool = False  # never drawn as someone who has left (people added by hand)


def plan_org(
    rng: random.Random, departments: list[dict[str, Any]], size: int, archetype: int
) -> list[Role]:
    """The org chart as roles: a CEO, department heads under the CEO or their parent
    department's head, and layers of leads so nobody manages more than about eight people."""
    if size <= 0:
        return []
    names = [d["name"] for d in departments]
    parent = {d["name"]: (d.get("parent") or {}).get("name") for d in departments}
    ceo = Role(new_uuid(rng), "Executive", CEO_LEVEL, None)
    roles = [ceo]
    staff = [n for n in names if n != "Executive"]
    executive = min((size >= 40) + (size >= 300), size - 1)
    weights = [max(spec_for(n).weights[archetype], 0.3) for n in staff]
    counts = dict(zip(staff, allocate(size - 1 - executive, weights), strict=True))
    for _ in range(executive):
        roles.append(Role(new_uuid(rng), "Executive", rng.choice((1, 2)), ceo.id))
        ceo.has_reports = True
    totals = dict(counts)
    for name in reversed(staff):  # children come after parents, so this rolls sizes upwards
        above = parent.get(name)
        if above in totals:
            totals[above] += totals[name]
    heads: dict[str, Role] = {}
    for name in staff:
        if counts[name] == 0:
            continue
        boss = heads.get(parent.get(name) or "", ceo)
        total = totals[name]
        level = HEAD_LEVEL if total >= 25 else 4 if total >= 10 else 3 if total >= 4 else 2
        if boss is not ceo:
            level = max(2, min(level, boss.level - 1))
        head = Role(new_uuid(rng), name, level, boss.id)
        boss.has_reports = True
        heads[name] = head
        roles.append(head)
        sub_heads = sum(1 for d in staff if parent.get(d) == name and counts[d])
        _attach(rng, roles, head, counts[name] - 1, reserved=sub_heads)
    return roles


def _attach(
    rng: random.Random, roles: list[Role], boss: Role, count: int, reserved: int = 0
) -> None:
    """Seat `count` people under `boss`, who also gets `reserved` reports from elsewhere."""
    if count <= 0:
        return
    boss.has_reports = True
    if count + reserved <= _SPAN + 2:
        roles.extend(
            Role(new_uuid(rng), boss.department, IC_LEVELS.draw(rng), boss.id) for _ in range(count)
        )
        return
    groups = min(max(_SPAN - reserved, 2), max(2, math.ceil(count / (_SPAN + 1))))
    for size in allocate(count, [1.0] * groups):
        level = 4 if size >= 40 and boss.level > 4 else 3
        lead = Role(new_uuid(rng), boss.department, level, boss.id)
        roles.append(lead)
        _attach(rng, roles, lead, size - 1)


def _draw_kind(rng: random.Random, spec: DeptSpec, role: Role) -> tuple[str, str, bool]:
    """(employment type, subtype, paid hourly) for the seat."""
    if role.has_reports or role.level >= MANAGER_LEVEL:
        return "employee", "full_time", False
    roll = rng.random()
    if roll < spec.contractors:
        return "contractor", "individual_contractor", rng.random() < 0.9
    if role.level == 0 and roll < spec.contractors + 0.04 and spec.hourly < 0.5:
        return "employee", "intern", True
    if rng.random() < spec.hourly:
        subtype = _HOURLY_SUBTYPES.draw(rng)
        return "employee", subtype, True
    return "employee", "full_time" if rng.random() < 0.97 else "part_time", False


def _kind_from(partial: dict[str, Any], drawn: tuple[str, str, bool]) -> tuple[str, str, bool]:
    given = partial.get("employment") or {}
    kind, subtype, hourly = drawn
    if given.get("type") == "contractor" or given.get("subtype") == "individual_contractor":
        kind, subtype = "contractor", "individual_contractor"
    elif given.get("type") == "employee" or given.get("subtype"):
        kind = "employee"
        subtype = given.get("subtype") or (
            subtype if subtype != "individual_contractor" else "full_time"
        )
    unit = (partial.get("income") or {}).get("unit")
    if unit is not None:
        hourly = unit == "hourly"
    return kind, subtype, hourly


def _income_history(
    rng: random.Random, amount: int, unit: str, start: date, until: date
) -> list[dict[str, Any]]:
    """Yearly raises on work anniversaries; the last entry is the current income."""
    years = until.year - start.year - ((until.month, until.day) < (start.month, start.day))
    # The last five raises are plenty to look like a career without bloating every document.
    effective = [add_years(start, k) for k in range(max(0, years - 4), max(years, 0) + 1)]
    amounts = [amount]
    step = 5 if unit == "hourly" else 10_000
    for _ in effective[1:]:
        amounts.append(max(step, round(amounts[-1] / rng.uniform(1.02, 1.07) / step) * step))
    amounts.reverse()
    return [
        {"amount": a, "currency": "usd", "effective_date": d.isoformat(), "unit": unit}
        for a, d in zip(amounts, effective, strict=True)
    ]


def _draw_start(rng: random.Random, earliest: date, today: date, skew: float) -> date:
    latest = today.toordinal() - 1
    first = min(max(earliest.toordinal(), latest - 25 * 365), latest)
    # Companies grow, so recent hires outnumber veterans; skew > 1 favours recent dates.
    drawn = date.fromordinal(latest - int((latest - first) * rng.random() ** skew))
    return _first_day(drawn, today)


def _first_day(day: date, today: date) -> date:
    """People start on a business day: the next one, or the one before if that is not past."""
    later = next_business_day(day)
    return later if later < today else previous_business_day(day)


def build_employee(
    rng: random.Random,
    ctx: CompanyContext,
    role: Role,
    today: date,
    partial: dict[str, Any] | None = None,
) -> GeneratedEmployee:
    """One person in `role`: an `Individual` and an `EmploymentData` that agree with each other."""
    given = partial or {}
    spec = spec_for(role.department)
    kind = _kind_from(given, _draw_kind(rng, spec, role))
    employment_type, subtype, hourly = kind
    office = given["location"] if "location" in given else ctx.pick_location(rng)
    ages = (19, 24) if subtype == "intern" else _AGES[min(role.level, CEO_LEVEL)]
    # Warehouse, drivers, facilities, programs: work that is done where it is.
    on_site = spec.class_code not in _DESK_CLASS_CODES
    individual = make_individual(
        rng,
        individual_id=role.id,
        today=today,
        age_range=ages,
        domain=ctx.domain,
        work_city=city_for(office, rng),
        taken_emails=ctx.taken_emails,
        partial=given,
        on_site=on_site,
    )
    dob = as_date(individual["dob"]) or add_years(today, -35)
    if role.level >= CEO_LEVEL:
        start = as_date(given.get("start_date")) or _first_day(
            min(max(ctx.founded, add_years(dob, 24)), today - timedelta(days=1)), today
        )
    else:
        earliest = max(ctx.founded, add_years(dob, 18 if hourly else 21))
        skew = 1.2 if role.has_reports else 2.4
        start = as_date(given.get("start_date")) or _draw_start(rng, earliest, today, skew)
    active, status, end = _status(rng, role, start, today, given)
    amount, unit = pay_rate(rng, spec, role.level, kind, ctx.headcount)
    history = _income_history(rng, amount, unit, start, end or today)
    income = history[-1]
    if isinstance(given.get("income"), dict):
        income = {**income, **given["income"]}
        history = [income]
    away = _rehire(rng, start, today) if active and not role.has_reports else None
    annual = (income.get("amount") or 0) * (2080 if income.get("unit") == "hourly" else 1)
    is_employee = employment_type == "employee"
    # Someone living outside commuting range of their office works from home, as do some who
    # live near it; a remote employee's work location is their residence.
    # The residence may be unknown (a sandbox edit may send null): then the office it is.
    residence = individual.get("residence") or {}
    remote = (
        office is not None
        and bool(residence)
        and not on_site
        and (
            rng.random() < 0.1 or not commutes(str(residence.get("city")), str(office.get("city")))
        )
    )
    location = office
    if remote and "location" not in given:
        location = {**residence, "name": "Remote"}
    flsa = (
        None
        if not is_employee
        else "non_exempt"
        if income.get("unit") == "hourly"
        else ("non_exempt" if role.level <= 1 and annual < 58_000_00 else "exempt")
    )
    union = spec.union_name if is_employee and hourly and rng.random() < spec.union else None
    title = given.get("title") or title_for(spec, role.level, ctx.headcount)
    if subtype == "intern" and "title" not in given:
        title = f"{spec.ic[1]} Intern"
    source_id = str(100_000 + below(rng, 900_000))
    employment: dict[str, Any] = {
        "id": role.id,
        "class_code": spec.class_code if is_employee else None,
        "department": {"name": role.department} if role.department else None,
        "employment": {"subtype": subtype, "type": employment_type},
        "employment_status": status,
        "end_date": end.isoformat() if end else None,
        "first_name": individual["first_name"],
        "flsa_status": flsa,
        "highly_compensated_employee": annual >= HCE_THRESHOLD if is_employee else None,
        "is_active": active,
        "key_employee": (role.level >= HEAD_LEVEL and annual >= KEY_EMPLOYEE_THRESHOLD)
        if is_employee
        else None,
        "last_name": individual["last_name"],
        "latest_rehire_date": away[1].isoformat() if away else None,
        "location": location,
        "manager": {"id": role.manager_id} if role.manager_id else None,
        "middle_name": individual["middle_name"],
        "start_date": start.isoformat(),
        "title": title,
        "union_code": union[0] if union else None,
        "union_local": rng.choice(union[1]) if union else None,
        "custom_fields": [
            {"name": "Shirt Size", "value": _SHIRTS.draw(rng)},
            {"name": "Remote", "value": remote},
            {
                "name": "Cost Center",
                "value": f"CC-{100 + sum(map(ord, role.department or '')) % 900}",
            },
        ],
        "income": income,
        "income_history": history,
        "source_id": source_id,
        "work_id": source_id,
        "benefit_eligibility_class": (
            {"full_time": "Full-Time", "part_time": "Part-Time"}.get(subtype)
            if is_employee
            else None
        ),
    }
    for key in employment.keys() & given.keys():
        if key != "id":
            employment[key] = _complete(key, given[key], employment)
    if "income" in given and "income_history" not in given:
        employment["income_history"] = [employment["income"]] if employment["income"] else None
    return GeneratedEmployee(individual, employment, away=away)


def _status(
    rng: random.Random, role: Role, start: date, today: date, given: dict[str, Any]
) -> tuple[bool, str, date | None]:
    """(is_active, employment_status, end_date); managers always stay."""
    status = given.get("employment_status")
    active = given.get("is_active")
    if active is None:
        if status is not None:
            active = status in ("active", "leave", "onboarding", "prehire")
        else:
            keep = role.has_reports or role.stays or role.level >= CEO_LEVEL or "is_active" in given
            active = keep or rng.random() >= 0.085
    end = as_date(given.get("end_date"))
    span = today.toordinal() - 1 - (start.toordinal() + 14)
    if not active and end is None:
        if span <= 0 and "is_active" not in given and status is None:
            active = True  # hired too recently to have left already
        else:
            end = date.fromordinal(start.toordinal() + 14 + int(max(span, 0) * rng.random()))
    return bool(active), status or ("active" if active else "terminated"), None if active else end


def _rehire(rng: random.Random, start: date, today: date) -> tuple[date, date] | None:
    """(separated, rehired) for the few who left after a year or more and came back a month
    to a year later; both on business days, the rehire at least a month before `today`."""
    span = today.toordinal() - 30 - (start.toordinal() + 730)
    if span <= 0 or rng.random() >= 0.03:
        return None
    back = previous_business_day(date.fromordinal(start.toordinal() + 730 + rng.randrange(span)))
    gap = 30 + rng.randrange(min(335, back.toordinal() - start.toordinal() - 395))
    left = previous_business_day(date.fromordinal(back.toordinal() - gap))
    return left, back


_LOCATION_KEYS = ("city", "country", "line1", "line2", "postal_code", "state", "name", "source_id")


def _complete(key: str, value: Any, drawn: dict[str, Any]) -> Any:
    """A provided value, given the keys its schema requires so a partial object stays valid."""
    if not isinstance(value, dict):
        return value
    if key == "location":
        return {k: value.get(k) for k in _LOCATION_KEYS}
    if key == "income":
        base = drawn["income"] or {}
        return {
            k: value.get(k, base.get(k)) for k in ("amount", "currency", "effective_date", "unit")
        }
    if key == "employment":
        subtype = value.get("subtype")
        kind = value.get("type") or (
            "contractor" if subtype == "individual_contractor" else "employee"
        )
        if subtype is None:
            subtype = "individual_contractor" if kind == "contractor" else "full_time"
        return {"subtype": subtype, "type": kind}
    if key == "department":
        return {"name": value.get("name")}
    return value


def fill_employee(
    *,
    rng: random.Random,
    company: dict[str, Any],
    partial: dict[str, Any],
    manager_ids: Sequence[str],
    today: date,
    supported_fields: dict[str, Any] | None,
) -> GeneratedEmployee:
    """A whole person from a partial one: provided fields win, the rest fits the company."""
    ctx = CompanyContext.from_company(company, today, headcount=max(len(manager_ids), 1))
    department = (partial.get("department") or {}).get("name")
    title = partial.get("title")
    level = IC_LEVELS.draw(rng)
    if title:
        guessed, level = rank_title(title)
        if department is None and guessed and (guessed in ctx.departments or not ctx.departments):
            department = guessed
    if department is None:
        department = pick_department(rng, ctx.departments)
    manager = partial.get("manager")
    manager_id = manager.get("id") if isinstance(manager, dict) else None
    if "manager" not in partial and manager_ids:
        manager_id = rng.choice(list(manager_ids))
    role = Role(partial.get("id") or new_uuid(rng), department, level, manager_id, stays=True)
    employee = build_employee(rng, ctx, role, today, partial)
    return GeneratedEmployee(
        apply_field_support("individual", employee.individual, supported_fields),
        apply_field_support("employment", employee.employment, supported_fields),
    )


def generate_employees(
    *,
    seed: int,
    company: dict[str, Any],
    existing: Sequence[GeneratedEmployee] | Sequence[dict[str, Any]],
    partials: Sequence[dict[str, Any]],
    today: date,
    supported_fields: dict[str, Any] | None = None,
) -> list[GeneratedEmployee]:
    """New people for an existing company, each reporting to one of its active people.

    `existing` holds `GeneratedEmployee`s or their employment documents.
    """
    rng = random.Random(f"finch-sandbox:{seed}:directory")
    docs = [e.employment if isinstance(e, GeneratedEmployee) else e for e in existing]
    managers = [d["id"] for d in docs if d.get("is_active") is not False] or [d["id"] for d in docs]
    return [
        fill_employee(
            rng=rng,
            company=company,
            partial=dict(p),
            manager_ids=managers,
            today=today,
            supported_fields=supported_fields,
        )
        for p in partials
    ]
