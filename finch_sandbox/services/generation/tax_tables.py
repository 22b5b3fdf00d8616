"""US payroll tax rates by year: the one table the generated pay statements are taxed with.

Federal figures are the published ones (SSA wage bases, IRS brackets and standard deductions,
FUTA). State and local figures are deliberately simple approximations: one flat effective
withholding rate per state (progressive state brackets are not modelled), and per state one
unemployment (SUI) rate, a typical new-employer rate, on the state's taxable wage base.
Years the table does not list use the nearest listed year.

Money is in cents, rates are fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class FederalYear:
    # Indexed every year:
    social_security_wage_base: int
    standard_deduction: int  # single filer
    brackets: tuple[tuple[float, float], ...]  # (upper bound of taxable income, rate)
    # Set by statute, unchanged over the years listed (a year that differs says so):
    social_security_rate: float = 0.062  # each of employee and employer
    medicare_rate: float = 0.0145  # each of employee and employer, no wage base
    additional_medicare_threshold: int = 200_000_00  # wages in the year above this ...
    additional_medicare_rate: float = 0.009  # ... are withheld this much more (employee only)
    futa_wage_base: int = 7_000_00
    futa_rate: float = 0.006  # 6.0% less the 5.4% credit for paying state unemployment on time
    supplemental_rate: float = 0.22  # flat federal withholding on bonuses paid apart from wages


_INF = float("inf")

FEDERAL: dict[int, FederalYear] = {
    2024: FederalYear(
        social_security_wage_base=168_600_00,
        standard_deduction=14_600_00,
        brackets=((11_600_00, 0.10), (47_150_00, 0.12), (100_525_00, 0.22), (191_950_00, 0.24),
                  (243_725_00, 0.32), (609_350_00, 0.35), (_INF, 0.37)),
    ),
    2025: FederalYear(
        social_security_wage_base=176_100_00,
        standard_deduction=15_000_00,
        brackets=((11_925_00, 0.10), (48_475_00, 0.12), (103_350_00, 0.22), (197_300_00, 0.24),
                  (250_525_00, 0.32), (626_350_00, 0.35), (_INF, 0.37)),
    ),
    2026: FederalYear(
        social_security_wage_base=184_500_00,
        standard_deduction=16_100_00,
        brackets=((12_400_00, 0.10), (50_400_00, 0.12), (105_700_00, 0.22), (201_775_00, 0.24),
                  (256_225_00, 0.32), (640_600_00, 0.35), (_INF, 0.37)),
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class StateRates:
    income_tax: float  # flat effective withholding on taxable wages; 0 = no wage income tax
    sui_rate: float  # employer unemployment insurance, new-employer rate
    sui_wage_base: int  # SUI applies to each employee's first this much wages in the year


# Income tax 0 in AK, FL, NV, NH, SD, TN, TX, WA, WY (no tax on wages).
STATES: dict[str, StateRates] = {
    "AK": StateRates(0.0, 0.0100, 51_700_00), "AL": StateRates(0.04, 0.0270, 8_000_00),
    "AZ": StateRates(0.025, 0.0200, 8_000_00), "CA": StateRates(0.06, 0.0340, 7_000_00),
    "CO": StateRates(0.044, 0.0305, 23_800_00), "CT": StateRates(0.05, 0.0280, 26_100_00),
    "DC": StateRates(0.06, 0.0270, 9_000_00), "FL": StateRates(0.0, 0.0270, 7_000_00),
    "GA": StateRates(0.0539, 0.0264, 9_500_00), "ID": StateRates(0.058, 0.0097, 55_300_00),
    "IL": StateRates(0.0495, 0.0350, 14_250_00), "IN": StateRates(0.0305, 0.0250, 9_500_00),
    "KY": StateRates(0.04, 0.0270, 11_700_00), "LA": StateRates(0.03, 0.0128, 7_700_00),
    "MA": StateRates(0.05, 0.0242, 15_000_00), "MD": StateRates(0.0475, 0.0260, 8_500_00),
    "MI": StateRates(0.0425, 0.0270, 9_500_00), "MN": StateRates(0.06, 0.0100, 43_000_00),
    "MO": StateRates(0.045, 0.0237, 9_500_00), "NC": StateRates(0.0425, 0.0100, 32_600_00),
    "NE": StateRates(0.05, 0.0125, 9_000_00), "NH": StateRates(0.0, 0.0270, 14_000_00),
    "NJ": StateRates(0.045, 0.0280, 43_300_00), "NM": StateRates(0.04, 0.0100, 33_200_00),
    "NV": StateRates(0.0, 0.0295, 41_800_00), "NY": StateRates(0.055, 0.0410, 12_800_00),
    "OH": StateRates(0.03, 0.0270, 9_000_00), "OK": StateRates(0.0425, 0.0150, 28_200_00),
    "OR": StateRates(0.075, 0.0240, 54_300_00), "PA": StateRates(0.0307, 0.0382, 10_000_00),
    "RI": StateRates(0.04, 0.0099, 29_800_00), "SD": StateRates(0.0, 0.0120, 15_000_00),
    "TN": StateRates(0.0, 0.0270, 7_000_00), "TX": StateRates(0.0, 0.0270, 9_000_00),
    "UT": StateRates(0.0455, 0.0110, 48_900_00), "VA": StateRates(0.0475, 0.0253, 8_000_00),
    "WA": StateRates(0.0, 0.0122, 72_800_00), "WI": StateRates(0.05, 0.0305, 14_000_00),
    "WY": StateRates(0.0, 0.0122, 32_400_00),
}  # fmt: skip
# A state the table does not list: a middling income tax and the federal minimum SUI base.
DEFAULT_STATE = StateRates(0.04, 0.0270, 7_000_00)

# Pairs of states that agree not to tax each other's residents on wages: the employee pays
# only the home state. DC taxes no nonresident's wages at all.
RECIPROCAL = frozenset(
    frozenset(pair)
    for pair in (
        ("PA", "NJ"), ("PA", "MD"), ("PA", "VA"), ("PA", "OH"), ("PA", "IN"), ("MD", "VA"),
        ("IL", "KY"), ("IL", "MI"), ("IL", "WI"), ("IN", "KY"), ("IN", "MI"), ("IN", "OH"),
        ("IN", "WI"), ("KY", "MI"), ("KY", "OH"), ("KY", "VA"), ("KY", "WI"), ("MI", "MN"),
        ("MI", "OH"), ("MI", "WI"), ("MN", "ND"),
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LocalTax:
    name: str
    resident_rate: float
    nonresident_rate: float  # people who only work there; 0 = residents only


# By (city, state). NYC taxes only its residents; Philadelphia, Detroit and Columbus tax
# everyone working there too, their residents at a higher rate.
LOCAL: dict[tuple[str, str], LocalTax] = {
    ("New York", "NY"): LocalTax("NYC Resident Tax", 0.035, 0.0),
    ("Brooklyn", "NY"): LocalTax("NYC Resident Tax", 0.035, 0.0),
    ("Philadelphia", "PA"): LocalTax("Philadelphia Wage Tax", 0.0375, 0.0344),
    ("Detroit", "MI"): LocalTax("Detroit City Tax", 0.024, 0.012),
    ("Columbus", "OH"): LocalTax("Columbus City Tax", 0.025, 0.025),
}

# State disability insurance withheld from employees who work in the state (no wage base).
STATE_DISABILITY: dict[str, tuple[str, dict[int, float]]] = {
    "CA": ("CA SDI", {2024: 0.011, 2025: 0.012, 2026: 0.013}),
}


@cache
def federal(year: int) -> FederalYear:
    listed = min(FEDERAL, key=lambda y: (abs(y - year), -y))
    return FEDERAL[listed]


def state(code: str | None) -> StateRates:
    return STATES.get(code or "", DEFAULT_STATE)


def disability_rate(code: str | None, year: int) -> tuple[str, float] | None:
    found = STATE_DISABILITY.get(code or "")
    if found is None:
        return None
    name, by_year = found
    return name, by_year[min(by_year, key=lambda y: (abs(y - year), -y))]
