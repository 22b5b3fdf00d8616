"""Types shared by the request models: strict parsing, dates, enums and locations."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from finch_sandbox.api.schemas.constraints import IsoDate, Uuid, storable

__all__ = ["IsoDate", "Location", "Uuid", "WireModel", "sent_fields"]


class WireModel(BaseModel):
    """Strict about types (Finch rejects "20" for an integer), lenient about unknown keys; every
    value must be one that can be stored and answered (constraints.storable)."""

    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return storable(value)


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


def query_list(bracketed: list[str] | None, plain: list[str] | None) -> list[str] | None:
    """An array query parameter as the SDK sends it (`name[]=a&name[]=b`), as Finch's docs
    describe it (`name=a,b`) or in the spec's default form (`name=a&name=b`); None when none
    is given."""
    values = list(bracketed or [])
    for given in plain or ():
        values.extend(part for part in given.split(",") if part)
    return values or None
