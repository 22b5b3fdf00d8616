"""POST /forward (request forwarding; see services/forwarding.py for what the sandbox does)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from finch_sandbox.api.cacheability import reads
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.common import WireModel

router = DeclaredRouter(tags=["Management"])


class ForwardParams(WireModel):
    method: str
    route: str
    data: str | dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    request_headers: dict[str, Any] | None = None


@router.post("/forward")
@reads()
def forward(body: ForwardParams, principal: CurrentPrincipal, services: ServicesDep) -> Response:
    del principal  # authenticated like every Finch call; the answer does not depend on it
    return json_response(
        services.forwarding.forward(
            method=body.method,
            route=body.route,
            data=body.data,
            params=body.params,
            headers=body.request_headers,
        )
    )
