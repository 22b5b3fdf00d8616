"""Request bodies of the emulator's control plane (/_finch-sandbox/...): not Finch's API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from finch_sandbox.api.schemas.benefits import BenefitCreateParams, EnrollItem
from finch_sandbox.api.schemas.common import AuthenticationType, ConnectionStatus, WireModel


class EndpointCreateParams(WireModel):
    url: str = Field(max_length=2000)


class SecretRotateParams(WireModel):
    # A secret of your own (base64); a new one is generated if omitted.
    secret: str | None = Field(default=None, max_length=200)
    # How long the old secret keeps signing; 24 h if omitted.
    grace_seconds: float | None = None


class ClockAdvanceParams(WireModel):
    seconds: float = Field(ge=-10 * 365 * 86400, le=10 * 365 * 86400)


class ClockFreezeParams(WireModel):
    at: datetime | None = Field(default=None, strict=False)


# --- scenarios (services/scenarios.py; README "Scenarios") ----------------------------------


class ScenarioEntity(WireModel):
    id: str = Field(min_length=1, max_length=36)
    # The first entity takes the connection's employee_size and ids; the others are
    # companies of their own.
    employee_size: int | None = Field(default=None, ge=1, le=1000)


class ScenarioBenefit(BenefitCreateParams):
    id: str = Field(min_length=1, max_length=36)
    enrollments: list[EnrollItem] = Field(default_factory=list)

    def declared(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "description": self.description,
            "frequency": self.frequency,
            "company_contribution": (
                self.company_contribution.model_dump() if self.company_contribution else None
            ),
            "enrollments": [
                (e.individual_id, e.configuration.stored() if e.configuration else {})
                for e in self.enrollments
            ],
        }


class ScenarioConnection(WireModel):
    access_token: str | None = Field(default=None, min_length=1, max_length=200)
    provider_id: str
    authentication_type: AuthenticationType | None = None
    products: list[str] | None = None
    employee_size: int | None = None
    # The connection's status once created (assisted connections start `pending`).
    status: ConnectionStatus | None = None
    entity_id: str | None = Field(default=None, min_length=1, max_length=36)
    entities: list[ScenarioEntity] | None = Field(default=None, min_length=1, max_length=10)
    ids: dict[Literal["employee", "pay_group", "document", "payment"], list[str]] = Field(
        default_factory=dict
    )
    rules: list[dict[str, Any]] = Field(default_factory=list)
    jobs: list[dict[str, Any]] = Field(default_factory=list)
    benefits: list[ScenarioBenefit] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_first_entity(self) -> ScenarioConnection:
        if self.entities:
            if self.entity_id is not None and self.entity_id != self.entities[0].id:
                raise ValueError("entity_id, if given, is the id of the first of entities")
            ids = [e.id for e in self.entities]
            if len(set(ids)) != len(ids):
                raise ValueError("entities have distinct ids")
        return self

    def declared(self) -> dict[str, Any]:
        """The connection as services/scenarios.py takes it."""
        out = self.model_dump(exclude={"benefits", "entities"})
        out["entities"] = [e.model_dump() for e in self.entities or ()]
        out["benefits"] = [b.declared() for b in self.benefits]
        return out


class ScenarioParams(WireModel):
    # `variants` and other keys are the caller's own (scripts/conformance) and ignored here.
    connections: list[ScenarioConnection] = Field(min_length=1)
