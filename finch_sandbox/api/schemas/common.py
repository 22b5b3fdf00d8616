"""Types shared by the request models: strict parsing, dates, enums and locations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict


class WireModel(BaseModel):
    """Strict about types (Finch rejects "20" for an integer), lenient about unknown keys."""

    model_config = ConfigDict(strict=True, extra="ignore")


def _iso_date(value: str) -> str:
    """A date as Finch accepts it, stored as YYYY-MM-DD: `2020-03-04`, a date-time starting
    with one (`2020-03-04T00:00:00Z`), or US month/day/year (`3/4/2020`, `03/04/2020`)."""
    text = value.strip()
    candidates = [text[:10]] if len(text) > 10 and text[10] in "T " else [text]
    for candidate in candidates:
        if len(candidate) == 10:
            try:
                return date.fromisoformat(candidate).isoformat()
            except ValueError:
                pass
    parts = text.split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
        try:
            return date(int(parts[2]), int(parts[0]), int(parts[1])).isoformat()
        except ValueError:
            pass
    raise ValueError("must be a date (YYYY-MM-DD, an ISO 8601 date-time, or M/D/YYYY)")


IsoDate = Annotated[str, AfterValidator(_iso_date)]

Uuid = Annotated[
    str,
    AfterValidator(lambda v: v if _looks_like_uuid(v) else _raise("must be a UUID")),
]


def _looks_like_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _raise(message: str) -> str:
    raise ValueError(message)


AuthenticationType = Literal["credential", "api_token", "oauth", "assisted"]
ConnectionStatus = Literal[
    "pending", "processing", "connected", "error_no_account_setup", "error_permissions", "reauth"
]
BenefitType = Literal[
    "457",
    "401k",
    "401k_roth",
    "401k_loan",
    "403b",
    "403b_roth",
    "457_roth",
    "commuter",
    "custom_post_tax",
    "custom_pre_tax",
    "fsa_dependent_care",
    "fsa_medical",
    "hsa_post",
    "hsa_pre",
    "s125_dental",
    "s125_medical",
    "s125_vision",
    "simple",
    "simple_ira",
]


class Location(WireModel):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    name: str | None = None
    source_id: str | None = None


def sent_fields(model: BaseModel) -> dict[str, object]:
    """The top-level keys the client sent, each dumped whole: a nested object that was sent
    comes back with every key of its wire shape, so stored documents stay complete."""
    dumped = model.model_dump()
    return {key: dumped[key] for key in model.model_fields_set}


def query_list(bracketed: list[str] | None, plain: str | None) -> list[str] | None:
    """An array query parameter as the SDK sends it (`name[]=a&name[]=b`) or as Finch's docs
    describe it (`name=a,b`); None when neither is given."""
    values = list(bracketed or [])
    if plain:
        values.extend(part for part in plain.split(",") if part)
    return values or None
