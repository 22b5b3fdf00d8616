"""Scalars on the wire, one format each: every Finch date-time field is ISO 8601 UTC with
milliseconds and a `Z` (`2026-11-02T16:00:00.000Z`), as Finch sends `retry_at` and job times;
dates are `YYYY-MM-DD`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def wire_datetime(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def wire_date(day: date) -> str:
    return day.isoformat()


def wire_value(value: Any) -> Any:
    """A scalar a service handed over (an error's extra field), in its wire form."""
    if isinstance(value, datetime):
        return wire_datetime(value)
    if isinstance(value, date):
        return wire_date(value)
    return value
