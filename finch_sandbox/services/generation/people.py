"""Individuals (names, contact details, addresses, SSNs) and the helpers every generator
shares: seeded ids, fast weighted draws, US places and the `CompanyContext`. All draws come
from a caller's `random.Random`, so a seed always yields the same people."""

from __future__ import annotations

import random
import uuid
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import accumulate
from typing import Any, Generic, TypeVar

from faker.providers.person.en_US import Provider as _FakerPeople


@dataclass(frozen=True, slots=True)
class GeneratedEmployee:
    individual: dict[str, Any]
    employment: dict[str, Any]
    # The `IndividualInDirectory` entry, when it is made under its own catalog rules.
    directory: dict[str, Any] | None = None
    # (separated, rehired) for someone who left and came back: not paid in between.
    away: tuple[date, date] | None = None


def new_uuid(rng: random.Random) -> str:
    """A v4-shaped UUID whose 122 random bits come from `rng`, so ids are reproducible."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


T = TypeVar("T")


class Weighted(Generic[T]):
    """Weighted items drawn with one uniform and a bisect: `random.Random.choices` rebuilds its
    bookkeeping on every call and costs ten times as much, which adds up over 10,000 people."""

    __slots__ = ("cum", "items")

    def __init__(self, items: Sequence[T], weights: Iterable[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))

    def draw(self, rng: random.Random) -> T:
        return self.items[bisect_right(self.cum, rng.random() * self.cum[-1])]


def below(rng: random.Random, n: int) -> int:
    """A uniform int in [0, n): `randint` is ~30x slower and these sit in per-person loops."""
    return int(rng.random() * n)


# Faker's census-weighted US name tables, used directly: calling Faker per person costs
# ~100 µs, which is most of the budget for a 10,000-person company.
FEMALE_NAMES = Weighted(
    list(_FakerPeople.first_names_female), _FakerPeople.first_names_female.values()
)
MALE_NAMES = Weighted(list(_FakerPeople.first_names_male), _FakerPeople.first_names_male.values())
LAST_NAMES = Weighted(list(_FakerPeople.last_names), _FakerPeople.last_names.values())


@dataclass(frozen=True, slots=True)
class City:
    name: str
    state: str
    zip3: str
    area_code: str


CITIES: tuple[City, ...] = tuple(
    City(*row)
    for row in (
        ("San Francisco", "CA", "941", "415"), ("San Jose", "CA", "951", "408"),
        ("Los Angeles", "CA", "900", "213"), ("San Diego", "CA", "921", "619"),
        ("Oakland", "CA", "946", "510"), ("Sacramento", "CA", "958", "916"),
        ("Seattle", "WA", "981", "206"), ("Portland", "OR", "972", "503"),
        ("Denver", "CO", "802", "303"), ("Boulder", "CO", "803", "720"),
        ("Austin", "TX", "787", "512"), ("Dallas", "TX", "752", "214"),
        ("Houston", "TX", "770", "713"), ("San Antonio", "TX", "782", "210"),
        ("Phoenix", "AZ", "850", "602"), ("Salt Lake City", "UT", "841", "801"),
        ("Las Vegas", "NV", "891", "702"), ("Chicago", "IL", "606", "312"),
        ("Minneapolis", "MN", "554", "612"), ("Detroit", "MI", "482", "313"),
        ("Columbus", "OH", "432", "614"), ("Cleveland", "OH", "441", "216"),
        ("Indianapolis", "IN", "462", "317"), ("Kansas City", "MO", "641", "816"),
        ("St. Louis", "MO", "631", "314"), ("Nashville", "TN", "372", "615"),
        ("Atlanta", "GA", "303", "404"), ("Miami", "FL", "331", "305"),
        ("Orlando", "FL", "328", "407"), ("Tampa", "FL", "336", "813"),
        ("Charlotte", "NC", "282", "704"), ("Raleigh", "NC", "276", "919"),
        ("Washington", "DC", "200", "202"), ("Baltimore", "MD", "212", "410"),
        ("Philadelphia", "PA", "191", "215"), ("Pittsburgh", "PA", "152", "412"),
        ("New York", "NY", "100", "212"), ("Brooklyn", "NY", "112", "718"),
        ("Boston", "MA", "021", "617"), ("Cambridge", "MA", "021", "617"),
        ("Newark", "NJ", "071", "973"), ("Jersey City", "NJ", "073", "201"),
        ("Hartford", "CT", "061", "860"), ("Providence", "RI", "029", "401"),
        ("Richmond", "VA", "232", "804"), ("Louisville", "KY", "402", "502"),
        ("Milwaukee", "WI", "532", "414"), ("Omaha", "NE", "681", "402"),
        ("Boise", "ID", "837", "208"), ("Albuquerque", "NM", "871", "505"),
        ("New Orleans", "LA", "701", "504"), ("Oklahoma City", "OK", "731", "405"),
        ("Birmingham", "AL", "352", "205"), ("Memphis", "TN", "381", "901"),
        ("Arlington", "VA", "222", "703"), ("Vancouver", "WA", "986", "360"),
        ("Stamford", "CT", "069", "203"), ("Camden", "NJ", "081", "856"),
    )
)  # fmt: skip
_CITY_BY_NAME = {(c.name, c.state): c for c in CITIES}
# Where people who work in a city also live, state lines included (the NYC, DC, Philadelphia
# and Portland commutes cross them).
_COMMUTER_BELT: dict[str, tuple[str, ...]] = {
    "New York": ("Brooklyn", "Jersey City", "Newark", "Stamford"),
    "Brooklyn": ("New York", "Jersey City"),
    "Jersey City": ("New York", "Newark"), "Newark": ("Jersey City", "New York"),
    "Washington": ("Arlington", "Baltimore"), "Arlington": ("Washington",),
    "Baltimore": ("Washington",), "Philadelphia": ("Camden",), "Camden": ("Philadelphia",),
    "Portland": ("Vancouver",), "Vancouver": ("Portland",),
    "Boston": ("Cambridge", "Providence"), "Cambridge": ("Boston",),
    "San Francisco": ("Oakland", "San Jose"), "Oakland": ("San Francisco",),
    "San Jose": ("San Francisco",),
}  # fmt: skip
_CITY_NAMED = {c.name: c for c in CITIES}


def commutes(home: str, office: str) -> bool:
    """Whether someone living in `home` can get to an office in `office` every day."""
    return home == office or home in _COMMUTER_BELT.get(office, ())


_STREETS = (
    "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park",
    "Sunset", "Highland", "Jefferson", "Lincoln", "Madison", "Franklin", "River", "Church",
    "Spring", "Willow", "Chestnut", "Walnut", "Meadow", "Forest", "Ridge", "Valley", "Mill",
)  # fmt: skip
_SUFFIXES = ("Street", "Avenue", "Road", "Drive", "Lane", "Court", "Boulevard", "Way", "Place")
_MAIL_PROVIDERS = Weighted(
    ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com"),
    (52, 14, 12, 10, 8, 4),
)
_NICKNAMES = {
    "William": "Will", "Robert": "Bob", "Elizabeth": "Liz", "Katherine": "Kate",
    "Michael": "Mike", "Christopher": "Chris", "Jennifer": "Jen", "Alexander": "Alex",
    "Daniel": "Dan", "Matthew": "Matt", "Joseph": "Joe", "Benjamin": "Ben", "Samantha": "Sam",
    "Jonathan": "Jon", "Nicholas": "Nick", "Anthony": "Tony", "Thomas": "Tom", "James": "Jim",
    "Richard": "Rick", "Margaret": "Maggie", "Rebecca": "Becky", "Jessica": "Jess",
    "Abigail": "Abby", "Zachary": "Zach", "Andrew": "Andy", "Timothy": "Tim",
    "Gregory": "Greg", "Kenneth": "Ken", "Joshua": "Josh", "Victoria": "Tori",
}  # fmt: skip
_GENDERS = Weighted(("female", "male", "other", "decline_to_specify"), (49, 49, 1, 1))
_ETHNICITIES = Weighted(
    ("white", "hispanic_or_latino", "black_or_african_american", "asian", "two_or_more_races",
     "decline_to_specify", "american_indian_or_alaska_native",
     "native_hawaiian_or_pacific_islander"),
    (57, 18, 12, 6.5, 3, 2.5, 0.7, 0.3),
)  # fmt: skip
_MARITAL = ("single", "married", "divorced", "widowed", "domestic_partner", "unknown")
# By age band: under 25, 25-54, 55 and over.
_MARITAL_BY_AGE = (
    Weighted(_MARITAL, (88, 8, 0.5, 0, 3, 0.5)),
    Weighted(_MARITAL, (30, 55, 9, 0.5, 4, 1.5)),
    Weighted(_MARITAL, (12, 60, 16, 8, 2, 2)),
)


def city_for(location: dict[str, Any] | None, rng: random.Random) -> City:
    """The table city behind a location, or one in the same state, or any."""
    if location:
        found = _CITY_BY_NAME.get((str(location.get("city")), str(location.get("state"))))
        if found is not None:
            return found
        same_state = [c for c in CITIES if c.state == location.get("state")]
        if same_state:
            return rng.choice(same_state)
    return rng.choice(CITIES)


def street_line(rng: random.Random) -> str:
    # Half the streets are named after people, the way US street grids usually are.
    name = LAST_NAMES.draw(rng) if rng.random() < 0.5 else _STREETS[below(rng, len(_STREETS))]
    return f"{1 + below(rng, 9899)} {name} {_SUFFIXES[below(rng, len(_SUFFIXES))]}"


def make_location(
    rng: random.Random, city: City, *, line2: str | None = None, name: str | None = None
) -> dict[str, Any]:
    """A US `Location` with every key the schema lists."""
    return {
        "city": city.name,
        "country": "US",
        "line1": street_line(rng),
        "line2": line2,
        "postal_code": f"{city.zip3}{below(rng, 100):02d}",
        "state": city.state,
        "name": name,
        "source_id": None,
    }


def phone_number(rng: random.Random, area_code: str) -> str:
    """E.164; NANP exchanges never start with 0 or 1."""
    return f"+1{area_code}{2_000_000 + below(rng, 8_000_000)}"


def ssn(rng: random.Random) -> str:
    """Never an area the SSA does not issue: 000, 666 and 900-999."""
    area = 1 + below(rng, 898)
    if area == 666:
        area = 667
    return f"{area:03d}-{1 + below(rng, 99):02d}-{1 + below(rng, 9999):04d}"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, day=28)


def draw_dob(rng: random.Random, today: date, min_age: int, max_age: int) -> date:
    """A birthday giving an age in [min_age, max_age] at `today`."""
    age = min_age + below(rng, max_age - min_age + 1)
    latest = add_years(today, -age)
    earliest = add_years(today, -age - 1).toordinal() + 1
    return date.fromordinal(earliest + below(rng, latest.toordinal() - earliest + 1))


@lru_cache(maxsize=8192)
def slug(name: str) -> str:
    """A name as it appears in an email address: "O'Neil" -> "oneil"."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def personal_email(rng: random.Random, f: str, la: str, dob: date) -> str:
    """An address at a consumer provider, from the slugs of a first and a last name."""
    style = below(rng, 4)
    if style == 0:
        local = f"{f}.{la}"
    elif style == 1:
        local = f"{f}{la}{1 + below(rng, 99)}"
    elif style == 2:
        local = f"{f[:1]}{la}{dob.year % 100:02d}"
    else:
        local = f"{f}_{la}{dob.year}"
    return f"{local}@{_MAIL_PROVIDERS.draw(rng)}"


def make_individual(
    rng: random.Random,
    *,
    individual_id: str,
    today: date,
    age_range: tuple[int, int],
    domain: str,
    work_city: City,
    taken_emails: set[str] | None = None,
    partial: dict[str, Any] | None = None,
    on_site: bool = False,
) -> dict[str, Any]:
    """An `Individual` document (someone `on_site` lives within reach of `work_city`); values in `partial` win and the rest is made to agree with it
    (a given first name shapes the emails, a given dob the age)."""
    given = partial or {}
    gender = given.get("gender") or _GENDERS.draw(rng)
    female = gender == "female" or (gender not in ("female", "male") and rng.random() < 0.5)
    pool = FEMALE_NAMES if female else MALE_NAMES
    first = given.get("first_name") or pool.draw(rng)
    last = given.get("last_name") or LAST_NAMES.draw(rng)
    middle = given["middle_name"] if "middle_name" in given else _maybe_middle(rng, pool, first)
    given_dob = as_date(given.get("dob"))
    dob = given_dob or draw_dob(rng, today, *age_range)
    age = (today.toordinal() - dob.toordinal()) // 365
    if "preferred_name" in given:
        preferred = given["preferred_name"]
    else:
        nickname = _NICKNAMES.get(first)
        preferred = nickname if nickname and rng.random() < 0.5 else None
    # Most people live in the metro area they work in; some commute or work remotely.
    roll = rng.random()
    belt = _COMMUTER_BELT.get(work_city.name, ())
    if roll >= 0.85 and not on_site:
        home = rng.choice(CITIES)
    elif belt and roll >= 0.72:
        home = _CITY_NAMED[belt[below(rng, len(belt))]]
    else:
        home = work_city
    first_slug, last_slug = slug(first), slug(last)
    work_email = _unique_work_email(first_slug, last_slug, domain, taken_emails)
    phones: list[dict[str, Any]] = [{"data": phone_number(rng, home.area_code), "type": "personal"}]
    if rng.random() < 0.3:
        phones.insert(0, {"data": phone_number(rng, work_city.area_code), "type": "work"})
    doc: dict[str, Any] = {
        "id": individual_id,
        "dob": dob.isoformat(),
        "ethnicity": _ETHNICITIES.draw(rng),
        "first_name": first,
        "gender": gender,
        "last_name": last,
        "marital_status": _marital_status(rng, age),
        "middle_name": middle,
        "phone_numbers": phones,
        "preferred_name": preferred,
        "residence": make_location(rng, home, line2=_apartment(rng)),
        "emails": [
            {"data": work_email, "type": "work"},
            {"data": personal_email(rng, first_slug, last_slug, dob), "type": "personal"},
        ],
        "encrypted_ssn": None,
        "ssn": ssn(rng),
    }
    for key in doc.keys() & given.keys():
        if key != "id":
            doc[key] = given[key]
    return doc


def as_date(value: Any) -> date | None:
    """Dates arrive as ISO strings from JSON and as `date`s from Python callers."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _apartment(rng: random.Random) -> str | None:
    return f"Apt {1 + below(rng, 40)}{'ABCD'[below(rng, 4)]}" if rng.random() < 0.3 else None


def _maybe_middle(rng: random.Random, pool: Weighted[str], first: str) -> str | None:
    if rng.random() >= 0.6:
        return None
    middle = pool.draw(rng)
    return middle if middle != first else None


def _marital_status(rng: random.Random, age: int) -> str:
    return _MARITAL_BY_AGE[0 if age < 25 else 1 if age < 55 else 2].draw(rng)


def _unique_work_email(first: str, last: str, domain: str, taken: set[str] | None) -> str:
    base = ".".join(part for part in (first, last) if part) or "employee"
    address = f"{base}@{domain}"
    if taken is None:
        return address
    n = 1
    while address in taken:
        n += 1
        address = f"{base}{n}@{domain}"
    taken.add(address)
    return address


@dataclass(slots=True)
class CompanyContext:
    """What an employee needs to know about the company, derived from its `Company` doc."""

    domain: str
    departments: list[str]
    locations: list[dict[str, Any]]
    founded: date
    headcount: int = 20
    taken_emails: set[str] = field(default_factory=set)

    @classmethod
    def from_company(
        cls,
        company: dict[str, Any],
        today: date,
        *,
        founded: date | None = None,
        headcount: int = 20,
    ) -> CompanyContext:
        email = company.get("primary_email") or ""
        domain = email.partition("@")[2] or domain_from_name(company.get("legal_name") or "")
        departments = [d["name"] for d in company.get("departments") or [] if d and d.get("name")]
        locations = [loc for loc in company.get("locations") or [] if loc]
        return cls(domain, departments, locations, founded or add_years(today, -12), headcount)

    def pick_location(self, rng: random.Random) -> dict[str, Any] | None:
        if not self.locations:
            return None
        # The first location is headquarters: it weighs three times as much as each other one.
        count = len(self.locations)
        index = 0 if rng.random() < 3 / (count + 2) else 1 + below(rng, count - 1)
        return dict(self.locations[index])


def domain_from_name(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in name.lower()).split()
    core = [w for w in words if w not in {"and", "inc", "llc", "lp", "llp", "corp", "co"}]
    return f"{''.join(core[:2]) or 'example'}.com"
