"""GET /introspect, POST /disconnect and POST /disconnect-entity: what a token is, and ending it."""

from __future__ import annotations

from starlette.responses import Response

from finch_sandbox.api.cacheability import reads, writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.account import introspection
from finch_sandbox.api.schemas.common import WireModel

router = DeclaredRouter(tags=["Management"])


class DisconnectEntityParams(WireModel):
    entity_ids: list[str]


@router.get("/introspect")
@reads(cached=True)
def introspect(principal: CurrentPrincipal, services: ServicesDep) -> Response:
    return json_response(introspection(services.connections.introspect(principal)))


@router.post("/disconnect")
@writes()
def disconnect(principal: CurrentPrincipal, services: ServicesDep) -> Response:
    services.connections.disconnect(principal)
    return json_response({"status": "success"})


@router.post("/disconnect-entity")
@writes()
def disconnect_entity(
    body: DisconnectEntityParams, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    services.connections.disconnect_entities(principal, body.entity_ids)
    return json_response({"status": "success"})
