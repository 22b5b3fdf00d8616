"""The company: the catalog of departments, titles and pay bands, and the `Company` document
itself (legal name and entity, EIN, departments, offices, bank accounts)."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from faker import Faker

from finch_sandbox.services.generation.people import (
    CITIES,
    City,
    add_years,
    domain_from_name,
    make_location,
    new_uuid,
    phone_number,
)

CEO_LEVEL = 6
HEAD_LEVEL = 5
MANAGER_LEVEL = 3
TECH, OPS, NONPROFIT = 0, 1, 2  # company archetypes; a department weighs in each
# Pay relative to a department's mid-level salary: junior, mid, senior, manager, director, head.
_LEVEL_PAY = (0.76, 1.0, 1.27, 1.42, 1.72, 2.05)
_TECH_HUBS = {"San Francisco", "San Jose", "Seattle", "Austin", "New York", "Boston", "Denver"}
_INDUSTRY_WORDS = (
    ("Technologies", "Software", "Labs", "Systems", "Analytics", "Digital", "Health"),
    ("Logistics", "Distribution", "Supply", "Freight", "Foods", "Manufacturing", "Retail"),
)
_CAUSES = ("Community", "Family", "Health", "Education", "Arts", "Youth")
_ENTITIES = ("corporation", "llc", "partnership", "lp", "sole_proprietor", "non_profit",
             "cooperative")  # fmt: skip
_ENTITY_WEIGHTS = (46, 34, 4, 3, 3, 8, 2)
_SUFFIXES = {"corporation": "Inc.", "llc": "LLC", "partnership": "LLP", "lp": "LP",
             "non_profit": "Foundation", "cooperative": "Cooperative",
             "sole_proprietor": ""}  # fmt: skip
_BANKS = ("JPMorgan Chase Bank", "Bank of America", "Wells Fargo Bank", "U.S. Bank", "PNC Bank",
          "Truist Bank", "Capital One", "TD Bank", "Citibank", "Fifth Third Bank", "KeyBank",
          "Citizens Bank", "First Citizens Bank", "Huntington National Bank")  # fmt: skip
# IRS campus prefixes actually used for EINs.
_EIN_PREFIXES = (10, 12, 20, 26, 27, 30, 32, 35, 36, 37, 38, 41, 45, 46, 47, 51, 52, 54, 61, 71,
                 74, 75, 76, 77, 81, 82, 83, 84, 85, 86, 87, 88, 90, 91, 92, 93, 94, 95, 98,
                 99)  # fmt: skip


_TEAMSTERS = ("IBT", ("Local 120", "Local 455", "Local 705", "Local 727", "Local 952"))
_BUILDING_SERVICES = ("SEIU", ("Local 32BJ", "Local 1", "Local 26", "Local 105"))
_PUBLIC_SERVICE = ("AFSCME", ("Local 2620", "Local 2910", "Local 3090"))


@dataclass(frozen=True, slots=True)
class DeptSpec:
    parents: tuple[str, ...]  # the first of these the company has becomes the parent
    ic: tuple[str, str, str]  # junior, mid, senior titles
    manager: str
    director: str
    head: str
    salary: int  # mid-level yearly USD
    weights: tuple[float, ...]  # headcount share in a tech / an operations / a non-profit org
    hourly: float = 0.0  # share of individual contributors paid by the hour
    wage: tuple[float, float] = (18.0, 30.0)  # USD per hour for them
    class_code: str = "8810"  # workers' comp: clerical office employees
    chief: str | None = None  # head title once the company is large
    contractors: float = 0.05
    union: float = 0.0  # share of hourly employees in a union ...
    union_name: tuple[str, tuple[str, ...]] | None = None  # ... this one: code and locals


def _d(
    parents: str,
    ic: str,
    manager: str,
    director: str,
    head: str,
    salary: int,
    tech: float,
    ops: float,
    **extra: Any,
) -> DeptSpec:
    junior, mid, senior = ic.split("|")
    return DeptSpec(
        tuple(p for p in parents.split("|") if p),
        (junior, mid, senior),
        manager,
        director,
        head,
        salary,
        (tech, ops),
        **extra,
    )


# Listed parents first, so taking departments in this order keeps every parent before its children.
DEPARTMENTS: dict[str, DeptSpec] = {
    "Executive": _d("", "Executive Assistant|Senior Executive Assistant|Chief of Staff",
                    "Chief of Staff", "Chief of Staff", "Chief Executive Officer", 85_000, 0, 0),
    "Engineering": _d("", "Associate Software Engineer|Software Engineer|Senior Software Engineer",
                      "Engineering Manager", "Director of Engineering", "VP of Engineering",
                      142_000, 14, 1, chief="Chief Technology Officer", contractors=0.08),
    "Platform Engineering": _d("Engineering", "Site Reliability Engineer I|Site Reliability "
                               "Engineer|Senior Site Reliability Engineer", "Platform Engineering "
                               "Manager", "Director of Platform Engineering",
                               "Head of Platform Engineering", 150_000, 3, 0),
    "Data Science": _d("Engineering", "Data Analyst|Data Scientist|Senior Data Scientist",
                       "Data Science Manager", "Director of Data Science", "Head of Data",
                       135_000, 2.5, 0.5),
    "Quality Assurance": _d("Engineering", "QA Analyst|QA Engineer|Senior QA Engineer",
                            "QA Manager", "Director of Quality", "Head of Quality", 98_000, 2, 0),
    "Product": _d("", "Associate Product Manager|Product Manager|Senior Product Manager",
                  "Group Product Manager", "Director of Product", "VP of Product", 138_000, 3, 0.3,
                  chief="Chief Product Officer"),
    "Design": _d("Product", "Junior Product Designer|Product Designer|Senior Product Designer",
                 "Design Manager", "Director of Design", "Head of Design", 118_000, 2, 0,
                 contractors=0.12),
    "Sales": _d("", "Sales Development Representative|Account Executive|Senior Account Executive",
                "Sales Manager", "Director of Sales", "VP of Sales", 82_000, 8, 4,
                class_code="8742", chief="Chief Revenue Officer"),
    "Account Management": _d("Sales", "Account Coordinator|Account Manager|Senior Account "
                             "Manager", "Account Management Lead", "Director of Account "
                             "Management", "Head of Account Management", 80_000, 3, 2,
                             class_code="8742"),
    "Marketing": _d("", "Marketing Coordinator|Marketing Specialist|Senior Marketing Specialist",
                    "Marketing Manager", "Director of Marketing", "VP of Marketing", 88_000, 4, 2,
                    contractors=0.1, chief="Chief Marketing Officer"),
    "Customer Success": _d("", "Customer Success Associate|Customer Success Manager|Senior "
                           "Customer Success Manager", "Customer Success Team Lead",
                           "Director of Customer Success", "VP of Customer Success", 74_000, 4, 0),
    "Operations": _d("", "Operations Associate|Operations Specialist|Senior Operations Analyst",
                     "Operations Manager", "Director of Operations", "VP of Operations",
                     72_000, 2, 8, hourly=0.3, chief="Chief Operating Officer"),
    "Customer Support": _d("Customer Success|Operations", "Support Associate|Customer Support "
                           "Specialist|Senior Support Specialist", "Support Team Lead",
                           "Director of Support", "Head of Support", 56_000, 4, 6, hourly=0.6,
                           wage=(17.0, 27.0)),
    "Warehouse": _d("Operations", "Warehouse Associate|Forklift Operator|Inventory Lead",
                    "Warehouse Supervisor", "Warehouse Manager", "Director of Distribution",
                    50_000, 0, 20, hourly=0.93, wage=(17.0, 26.0), class_code="8292",
                    contractors=0.02, union=0.3, union_name=_TEAMSTERS),
    "Logistics": _d("Operations", "Delivery Driver|Logistics Coordinator|Senior Logistics "
                    "Coordinator", "Dispatch Supervisor", "Logistics Manager", "Director of "
                    "Logistics", 54_000, 0, 8, hourly=0.7, wage=(19.0, 31.0), class_code="7219",
                    union=0.3, union_name=_TEAMSTERS),
    "Facilities": _d("Operations", "Facilities Technician|Maintenance Technician|Senior "
                     "Facilities Technician", "Facilities Supervisor", "Facilities Manager",
                     "Director of Facilities", 58_000, 0.5, 3, hourly=0.8, wage=(19.0, 34.0),
                     class_code="9015", union=0.2, union_name=_BUILDING_SERVICES),
    "Finance": _d("", "Junior Financial Analyst|Financial Analyst|Senior Financial Analyst",
                  "Finance Manager", "Director of Finance", "VP of Finance", 96_000, 2, 2,
                  chief="Chief Financial Officer"),
    "Accounting": _d("Finance", "Accounts Payable Specialist|Staff Accountant|Senior Accountant",
                     "Accounting Manager", "Controller", "Chief Accounting Officer", 78_000, 1.5,
                     2, hourly=0.15, wage=(21.0, 32.0)),
    "People": _d("", "HR Coordinator|HR Generalist|Senior HR Business Partner", "HR Manager",
                 "Director of People", "VP of People", 82_000, 2, 2, chief="Chief People Officer"),
    "Recruiting": _d("People", "Recruiting Coordinator|Recruiter|Senior Recruiter",
                     "Recruiting Manager", "Director of Talent Acquisition", "Head of Talent",
                     80_000, 1.5, 1, contractors=0.1),
    "Legal": _d("", "Paralegal|Corporate Counsel|Senior Corporate Counsel",
                "Associate General Counsel", "Deputy General Counsel", "General Counsel",
                150_000, 1, 0.5),
    "IT": _d("", "IT Support Technician|Systems Administrator|Senior Systems Administrator",
             "IT Manager", "Director of IT", "Head of IT", 86_000, 1.5, 2, hourly=0.15,
             wage=(22.0, 34.0)),
    # A non-profit's own work: its programs, and the fundraising that pays for them.
    "Programs": _d("", "Program Assistant|Program Coordinator|Senior Program Coordinator",
                   "Program Manager", "Director of Programs", "VP of Programs", 58_000, 0, 0,
                   hourly=0.3, wage=(18.0, 27.0), class_code="8864", union=0.15,
                   union_name=_PUBLIC_SERVICE, chief="Chief Program Officer"),
    "Development": _d("", "Development Assistant|Development Associate|Senior Development "
                      "Officer", "Development Manager", "Director of Development",
                      "VP of Development", 68_000, 0, 0, chief="Chief Development Officer"),
}  # fmt: skip
# Headcount weights in a non-profit: no product engineering, sales floor or warehouse.
_NONPROFIT_WEIGHTS = {"Programs": 14, "Development": 4, "Marketing": 1.5, "Operations": 2,
                      "Finance": 1.5, "Accounting": 1.5, "People": 1.5, "Recruiting": 0.5,
                      "IT": 1, "Facilities": 1, "Legal": 0.3, "Customer Support": 1}  # fmt: skip
DEPARTMENTS = {
    name: replace(spec, weights=(*spec.weights[:2], _NONPROFIT_WEIGHTS.get(name, 0.0)))
    for name, spec in DEPARTMENTS.items()
}
TITLE_LEVELS: dict[str, tuple[str, int]] = {}
for _name, _spec in DEPARTMENTS.items():
    for _level, _title in enumerate((*_spec.ic, _spec.manager, _spec.director, _spec.head)):
        TITLE_LEVELS.setdefault(_title, (_name, _level))
    if _spec.chief:
        TITLE_LEVELS.setdefault(_spec.chief, (_name, HEAD_LEVEL))
TITLE_LEVELS["Chief Executive Officer"] = ("Executive", CEO_LEVEL)

# Title words that place a title nobody catalogued, first hit wins. Short keys are whole words
# ("cto" must not match "director"), longer ones word prefixes, and ones with a space phrases.
_TITLE_DEPARTMENTS = (
    ("ceo", "Executive"), ("chief executive", "Executive"), ("founder", "Executive"),
    ("president", "Executive"), ("cto", "Engineering"), ("engineer", "Engineering"),
    ("developer", "Engineering"), ("cfo", "Finance"), ("account", "Accounting"),
    ("financ", "Finance"), ("sales", "Sales"), ("market", "Marketing"), ("design", "Design"),
    ("product", "Product"), ("recruit", "Recruiting"), ("talent", "Recruiting"),
    ("hr", "People"), ("people", "People"), ("counsel", "Legal"), ("legal", "Legal"),
    ("support", "Customer Support"), ("data", "Data Science"), ("warehouse", "Warehouse"),
    ("it", "IT"), ("coo", "Operations"), ("operat", "Operations"),
)  # fmt: skip
_TITLE_RANKS = (
    ("chief executive", 6), ("ceo", 6), ("founder", 6), ("president", 6), ("chief", 5),
    ("vp", 5), ("vice president", 5), ("head of", 5), ("general counsel", 5), ("cto", 5),
    ("cfo", 5), ("coo", 5), ("director", 4), ("controller", 4), ("manager", 3), ("lead", 3),
    ("supervisor", 3), ("senior", 2), ("sr", 2), ("principal", 2), ("staff", 2),
    ("junior", 0), ("associate", 0), ("intern", 0), ("assistant", 0), ("coordinator", 0),
)  # fmt: skip


def spec_for(department: str | None) -> DeptSpec:
    """The catalog entry, or a plausible one for a department the user named themselves."""
    found = DEPARTMENTS.get(department or "")
    if found is not None:
        return found
    name = department or "General"
    return DeptSpec(
        (),
        (f"{name} Associate", f"{name} Specialist", f"Senior {name} Specialist"),
        f"{name} Manager",
        f"Director of {name}",
        f"Head of {name}",
        75_000,
        (1, 1, 1),
    )


def title_for(spec: DeptSpec, level: int, headcount: int) -> str:
    if level >= CEO_LEVEL:
        return "Chief Executive Officer"
    if level == HEAD_LEVEL:
        return spec.chief if spec.chief and headcount >= 150 else spec.head
    return (*spec.ic, spec.manager, spec.director)[level]


def rank_title(title: str) -> tuple[str | None, int]:
    """Best guess at (department, level) for a free-text title."""
    if title in TITLE_LEVELS:
        return TITLE_LEVELS[title]
    words = re.findall(r"[a-z]+", title.lower())
    text = " ".join(words)

    def hit(key: str) -> bool:
        if " " in key:
            return f" {key} " in f" {text} "
        return key in words if len(key) <= 3 else any(w.startswith(key) for w in words)

    department = next((d for k, d in _TITLE_DEPARTMENTS if hit(k)), None)
    level = next((lv for k, lv in _TITLE_RANKS if hit(k)), 1)
    return department, level


def pay_rate(
    rng: random.Random, spec: DeptSpec, role_level: int, kind: tuple[str, str, bool], headcount: int
) -> tuple[int, str]:
    """(amount in cents, unit) of the current income."""
    employment_type, subtype, hourly = kind
    level = min(role_level, HEAD_LEVEL)
    if employment_type == "contractor":
        dollars = spec.salary / 2080 * rng.uniform(1.1, 1.7)
        return (
            (round(dollars * 4) * 25, "hourly")
            if hourly
            else (int(round(dollars * 2080, -3)) * 100, "yearly")
        )
    if hourly:
        lo, hi = (16.0, 34.0) if subtype == "intern" else spec.wage
        dollars = rng.uniform(lo, hi) * (0.92, 1.0, 1.14)[min(level, 2)]
        return round(dollars * 4) * 25, "hourly"
    yearly: float
    if role_level >= CEO_LEVEL:
        yearly = min(150_000 + 45_000 * len(str(headcount)) + rng.randint(-20, 40) * 1_000, 380_000)
    else:
        yearly = spec.salary * _LEVEL_PAY[level] * rng.uniform(0.88, 1.12)
        yearly = min(max(yearly * (0.6 if subtype == "part_time" else 1.0), 45_000), 320_000)
    return int(round(yearly, -2)) * 100, "yearly"


def pick_department(rng: random.Random, departments: list[str]) -> str | None:
    """A department for someone added by hand, weighted by how big such departments run."""
    staff = [d for d in departments if d != "Executive"] or departments
    if not staff:
        return None
    weights = [max(sum(spec_for(d).weights), 0.5) for d in staff]
    return rng.choices(staff, weights=weights)[0]


def routing_number(rng: random.Random) -> str:
    """Nine ABA digits whose weighted sum (3, 7, 1, ...) is a multiple of ten, as banks check."""
    digits = [*divmod(rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 21, 22, 26, 31)), 10)]
    digits += [rng.randint(0, 9) for _ in range(6)]
    total = sum(d * w for d, w in zip(digits, (3, 7, 1, 3, 7, 1, 3, 7), strict=True))
    return "".join(map(str, digits)) + str(-total % 10)


def _pick_departments(rng: random.Random, size: int, archetype: int) -> list[dict[str, Any]]:
    wanted = min(12, max(6, 6 + int(math.log2(max(size, 1) / 10 + 1)) + rng.randint(0, 2)))
    # A non-profit exists for its programs, whatever else it staffs.
    chosen = {"Executive", "Programs"} if archetype == NONPROFIT else {"Executive"}
    while len(chosen) < wanted:
        eligible = [
            n
            for n, s in DEPARTMENTS.items()
            if n not in chosen
            and s.weights[archetype] > 0
            and (not s.parents or len(s.parents) > 1 or s.parents[0] in chosen)
        ]
        if not eligible:
            break
        weights = [DEPARTMENTS[n].weights[archetype] for n in eligible]
        chosen.add(rng.choices(eligible, weights=weights)[0])
    out: list[dict[str, Any]] = []

    def visit(name: str, parent: str | None) -> None:
        out.append({"name": name, "parent": {"name": parent} if parent else None})
        for child, spec in DEPARTMENTS.items():
            placed = child in chosen and child not in {d["name"] for d in out}
            if placed and next((p for p in spec.parents if p in chosen), None) == name:
                visit(child, name)

    for name, spec in DEPARTMENTS.items():
        if name in chosen and not any(p in chosen for p in spec.parents):
            visit(name, None)
    return out


def _company_name(fake: Faker, rng: random.Random, archetype: int, entity: str) -> str:
    base = fake.company()
    for junk in (" Inc", " LLC", " PLC", " Ltd"):
        base = base.removesuffix(junk)
    if entity == "non_profit":
        base = f"{fake.last_name()} {rng.choice(_CAUSES)}"
    elif (
        archetype != NONPROFIT
        and not any(w in base for w in (",", " and ", " Group"))
        and (rng.random() < 0.7)
    ):
        base = f"{base} {rng.choice(_INDUSTRY_WORDS[archetype])}"
    return f"{base} {_SUFFIXES[entity]}".strip()


def make_company(
    rng: random.Random, fake: Faker, size: int, today: date
) -> tuple[dict[str, Any], int, date]:
    """(`Company` document, archetype, founding date)."""
    entity = rng.choices(_ENTITIES, _ENTITY_WEIGHTS)[0]
    if entity == "non_profit":
        archetype = NONPROFIT
    elif entity == "cooperative":
        archetype = OPS  # co-ops are grocers, farms and distributors, rarely software
    else:
        archetype = TECH if rng.random() < 0.65 else OPS
    if entity == "sole_proprietor" and size > 25:
        entity = "llc"
    subtype = (
        rng.choices(("c_corporation", "s_corporation", "b_corporation"), (55, 37, 8))[0]
        if entity == "corporation"
        else None
    )
    legal_name = _company_name(fake, rng, archetype, entity)
    domain = domain_from_name(legal_name)
    hubs = [c for c in CITIES if c.name in _TECH_HUBS] if archetype == TECH else list(CITIES)
    sites = [rng.choice(hubs)]
    count = rng.choices((1, 2, 3, 4), (80, 20, 0, 0) if size < 50 else (35, 35, 20, 10))[0]
    while len(sites) < count:
        city = rng.choice(CITIES)
        if city not in sites:
            sites.append(city)
    locations = [_office(rng, city, i, archetype) for i, city in enumerate(sites)]
    accounts = [
        {
            "account_name": name,
            "account_number": str(rng.randint(10**9, 10 ** rng.randint(10, 12) - 1)),
            "account_type": kind,
            "institution_name": rng.choice(_BANKS),
            "routing_number": routing_number(rng),
        }
        for name, kind in (("Operating Account", "checking"), ("Reserve Account", "savings"))[
            : rng.choice((1, 1, 2))
        ]
    ]
    span = (1, 12) if size <= 50 else (3, 30) if size <= 500 else (8, 60)
    founded = date.fromordinal(
        add_years(today, -rng.randint(*span)).toordinal() + rng.randrange(365)
    )
    company = {
        "id": new_uuid(rng),
        "accounts": accounts,
        "departments": _pick_departments(rng, size, archetype),
        "ein": f"{rng.choice(_EIN_PREFIXES)}-{rng.randint(0, 9_999_999):07d}",
        "entity": {"subtype": subtype, "type": entity},
        "legal_name": legal_name,
        "locations": locations,
        "primary_email": f"hr@{domain}",
        "primary_phone_number": phone_number(rng, sites[0].area_code),
    }
    return company, archetype, min(founded, today)


def _office(rng: random.Random, city: City, index: int, archetype: int) -> dict[str, Any]:
    if index == 0:
        name = "Headquarters"
    elif archetype == OPS and rng.random() < 0.6:
        name = f"{city.name} Distribution Center"
    else:
        name = f"{city.name} Office"
    line2 = rng.choice((None, f"Suite {rng.randint(1, 20) * 100}", f"Floor {rng.randint(2, 30)}"))
    return make_location(rng, city, line2=line2, name=name)


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` by `weights` in whole people (largest remainder, so it sums exactly)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts
