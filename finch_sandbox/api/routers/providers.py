"""GET /providers (no auth): Finch's provider catalog."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from finch_sandbox.api.cacheability import reads
from finch_sandbox.api.deps import ServicesDep
from finch_sandbox.api.responses import json_response

router = APIRouter(tags=["Management"])


@router.get("/providers")
@reads()
def list_providers(services: ServicesDep) -> Response:
    return json_response(services.catalog.wire_bytes)
