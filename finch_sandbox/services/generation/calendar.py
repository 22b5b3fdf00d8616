"""Business days and pay calendars.

A business day is a weekday that is not a US federal holiday: banks (and so direct deposits
and employer debits) do not settle on weekends or on the eleven federal holidays. Both the
holiday itself and the day it is observed on (Friday for a Saturday holiday, Monday for a
Sunday one) count as closed, so no generated pay or debit date lands on either.

A `PayCalendar` is one pay group's schedule, drawn per company: its frequency (weekly,
bi-weekly, semi-monthly or monthly), where its periods are anchored, and how many days after a
period ends it is paid. A pay date that falls on a closed day moves to the business day before,
as payroll providers schedule it; the employer is debited one business day after the pay date,
the rule Finch documents for `POST /sandbox/payment` (behavior.md §1.7), so generated history
and sandbox-made payments agree.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

FREQUENCIES = ("weekly", "bi_weekly", "semi_monthly", "monthly")
PERIOD_LABELS = {
    "weekly": "Weekly",
    "bi_weekly": "Bi-Weekly",
    "semi_monthly": "Semi-Monthly",
    "monthly": "Monthly",
}


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0 = Monday) of the month; n = -1 is the last one."""
    if n < 0:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


@cache
def federal_holidays(year: int) -> frozenset[date]:
    """The year's federal holidays (5 U.S.C. 6103), each with the day it is observed on."""
    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11),
             date(year, 12, 25)]  # fmt: skip
    floating = [
        _nth_weekday(year, 1, 0, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day
    ]
    days = set(floating)
    for day in fixed:
        days.add(day)
        if day.weekday() == 5:
            days.add(day - timedelta(days=1))
        elif day.weekday() == 6:
            days.add(day + timedelta(days=1))
    # New Year's Day on a Saturday is observed on 31 December of the year before.
    following = date(year + 1, 1, 1)
    if following.weekday() == 5:
        days.add(following - timedelta(days=1))
    return frozenset(days)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def previous_business_day(day: date) -> date:
    """`day` itself if banks are open, else the closest open day before it."""
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def next_business_day(day: date) -> date:
    """`day` itself if banks are open, else the closest open day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int) -> date:
    """`count` business days after `day` (before it for a negative count)."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_business_day(day):
            remaining -= 1
    return day


@dataclass(frozen=True, slots=True)
class PayPeriod:
    start: date
    end: date
    pay_date: date
    debit_date: date


@dataclass(frozen=True, slots=True)
class PayCalendar:
    """One pay group's schedule.

    `anchor` is the first day of some period: for weekly and bi-weekly calendars every period
    starts a whole number of 7 or 14 days from it; semi-monthly periods run 1-15 and 16-end of
    month, monthly ones a calendar month. `lag_days` is how long after a period ends it is paid.
    """

    frequency: str
    anchor: date
    lag_days: int

    @property
    def periods_per_year(self) -> int:
        return {"weekly": 52, "bi_weekly": 26, "semi_monthly": 24, "monthly": 12}[self.frequency]

    def period(self, index: int) -> PayPeriod:
        """The period numbered `index` (any integer; 0 is the one starting at the anchor)."""
        if self.frequency in ("weekly", "bi_weekly"):
            days = 7 if self.frequency == "weekly" else 14
            start = self.anchor + timedelta(days=days * index)
            end = start + timedelta(days=days - 1)
        else:
            halves = 2 if self.frequency == "semi_monthly" else 1
            months, half = divmod(index, halves)
            year, month = divmod(self.anchor.year * 12 + self.anchor.month - 1 + months, 12)
            month += 1
            last = calendar.monthrange(year, month)[1]
            if halves == 1:
                start, end = date(year, month, 1), date(year, month, last)
            elif half == 0:
                start, end = date(year, month, 1), date(year, month, 15)
            else:
                start, end = date(year, month, 16), date(year, month, last)
        pay_date = previous_business_day(end + timedelta(days=self.lag_days))
        return PayPeriod(start, end, pay_date, add_business_days(pay_date, 1))

    def index_near(self, day: date) -> int:
        """The index of the period that contains `day`."""
        if self.frequency in ("weekly", "bi_weekly"):
            days = 7 if self.frequency == "weekly" else 14
            return (day - self.anchor).days // days
        months = (day.year - self.anchor.year) * 12 + day.month - self.anchor.month
        if self.frequency == "monthly":
            return months
        return months * 2 + (1 if day.day > 15 else 0)

    def paid_between(self, first: date, last: date) -> list[PayPeriod]:
        """Oldest first: every period whose pay date falls in [first, last]."""
        out: list[PayPeriod] = []
        # Start early enough that the lag cannot hide a period paid on or after `first`.
        index = self.index_near(first - timedelta(days=self.lag_days + 31))
        while True:
            period = self.period(index)
            if period.pay_date > last:
                return out
            if period.pay_date >= first:
                out.append(period)
            index += 1


# Shares of US private employers by pay frequency (BLS, "Length of pay periods", 2023):
# bi-weekly is the most common, then weekly, semi-monthly and monthly.
_FREQUENCY_WEIGHTS = (("bi_weekly", 43), ("weekly", 27), ("semi_monthly", 20), ("monthly", 10))


def draw_frequency(rng: random.Random, *, exclude: str | None = None) -> str:
    choices = [(f, w) for f, w in _FREQUENCY_WEIGHTS if f != exclude]
    return rng.choices([f for f, _ in choices], [w for _, w in choices])[0]


def draw_calendar(rng: random.Random, frequency: str) -> PayCalendar:
    """A schedule as a provider would set one up: periods ending on a company-chosen weekday
    (weekly, bi-weekly) and paid a few days to a week after they end (monthly ones on the
    last day, or early the next month)."""
    if frequency in ("weekly", "bi_weekly"):
        # Periods start on any day of the week, most often a Monday or a Sunday, and on
        # either week of a two-week cycle.
        first_day = rng.choice((0, 0, 0, 6, 6, 1, 2, 3, 4, 5))
        base = date(2000, 1, 3)  # a Monday
        offset = first_day + (7 * rng.randrange(2) if frequency == "bi_weekly" else 0)
        anchor = base + timedelta(days=offset)
        lag = rng.randint(3, 8)
    elif frequency == "semi_monthly":
        anchor = date(2000, 1, 1)
        # On the 15th and the last day, or some days behind.
        lag = rng.choice((0, 0, 0, 3, 5, 7, 10))
    else:
        anchor = date(2000, 1, 1)
        lag = rng.choice((0, 0, 1, 5, 7, 10, 15))
    return PayCalendar(frequency, anchor, lag)
