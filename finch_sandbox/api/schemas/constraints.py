"""What a request value must be so that storing it and answering with it cannot fail.

Finch's schema constrains a few request fields (a 10-digit phone number, dates, UUIDs); those
are enforced here so that no accepted input can make a later answer violate the schema. The
rest is what JSON allows but the storage or the wire cannot carry: numbers beyond what every
SDK reads exactly (and whose sums would overflow a 64-bit integer when answered), infinities,
the NUL character (PostgreSQL's jsonb refuses it) and lone surrogates (not UTF-8). Each is
refused with Finch's 400 and the field's name, never found out later as a 500.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel

# Number.MAX_SAFE_INTEGER: the largest integer every SDK's JSON reader keeps exact.
MAX_SAFE_INTEGER = 2**53 - 1

# Finch's date pattern (openapi.yaml), anchored: a date is the whole value, as Finch sends it.
_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
# The company phone's pattern, unanchored as JSON Schema reads it: Finch describes the value as
# E.164 with an optional extension (+15555550100 x12), so ten digits in a row somewhere.
_PHONE = re.compile(r"[0-9]{10}")


def iso_date(value: str) -> str:
    if not _DATE.fullmatch(value):
        raise ValueError("must be a date in YYYY-MM-DD form")
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("must be a date in YYYY-MM-DD form") from exc
    return value


def canonical_uuid(value: str) -> str:
    """A UUID in the lowercase, hyphenated form Finch's ids and patterns use."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be a UUID") from None


def phone_number(value: str) -> str:
    if not _PHONE.search(value):
        raise ValueError(
            "must have 10 digits in a row (Finch's pattern [0-9]{10}), e.g. +15555550100"
        )
    return value


IsoDate = Annotated[str, AfterValidator(iso_date)]
Uuid = Annotated[str, AfterValidator(canonical_uuid)]
TenDigitPhone = Annotated[str, AfterValidator(phone_number)]


def storable(value: Any) -> Any:
    """`value` unchanged if it can be stored and sent back as JSON; else ValueError saying why.
    Models nested in it have checked their own fields."""
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, bool) or value is None or isinstance(value, BaseModel):
        pass
    elif isinstance(value, int | float):
        _check_number(value)
    elif isinstance(value, list | tuple):
        for item in value:
            storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            storable(item)
    return value


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (it has a lone surrogate)") from None


def _check_number(value: float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueError(f"must be between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER}")


def check_total(amounts: list[int | None], what: str) -> None:
    """Totals are computed from line items; they must stay within what the SDKs read."""
    if sum(abs(a) for a in amounts if a is not None) > MAX_SAFE_INTEGER:
        raise ValueError(f"{what} add up to more than {MAX_SAFE_INTEGER}")
