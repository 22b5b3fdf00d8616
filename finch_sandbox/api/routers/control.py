"""The emulator's control plane, under /_finch-sandbox/ (a prefix no Finch path can take),
protected by the application's client credentials."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from starlette.responses import Response

from finch_sandbox.api.cacheability import writes
from finch_sandbox.api.deps import ClientAuth, ServicesDep
from finch_sandbox.api.responses import json_response

router = APIRouter(tags=["finch-sandbox"])


@router.post("/_finch-sandbox/scenario", dependencies=[ClientAuth])
@writes()
def apply_scenario(services: ServicesDep, body: Annotated[dict[str, Any], Body()]) -> Response:
    """Create the scenario's connections afresh (services/scenarios.py)."""
    return json_response({"connections": services.scenarios.apply(body)}, status_code=201)
