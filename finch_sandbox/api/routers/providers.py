"""GET /providers (no auth): Finch's provider catalog."""

from __future__ import annotations

from starlette.responses import Response

from finch_sandbox.api.cacheability import reads
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import ServicesDep
from finch_sandbox.api.responses import json_response

router = DeclaredRouter(tags=["Management"])


@router.get("/providers")
@reads()
def list_providers(services: ServicesDep) -> Response:
    return json_response(services.catalog.wire_bytes)
