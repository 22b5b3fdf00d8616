"""Request bodies of the emulator's control plane (/_finch-sandbox/...): not Finch's API."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from finch_sandbox.api.schemas.common import WireModel


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
