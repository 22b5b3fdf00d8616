"""POST /sandbox/connections, POST and PUT /sandbox/connections/accounts."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from finch_sandbox.api.deps import ClientAuth, CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.sandbox import (
    AccountCreateParams,
    AccountUpdateParams,
    ConnectionCreateParams,
)
from finch_sandbox.services.connections import IssuedToken

router = APIRouter(tags=["Sandbox"])


def _issued(issued: IssuedToken, *, with_token_type: bool) -> dict[str, object]:
    p = issued.principal
    out: dict[str, object] = {
        "access_token": issued.access_token,
        "account_id": p.account_id,
        "authentication_type": p.authentication_type,
        "company_id": p.company_id,
        "connection_id": p.connection_id,
        "entity_id": p.entity_id,
        "products": list(p.products),
        "provider_id": p.provider_id,
    }
    if with_token_type:
        out["token_type"] = "bearer"
    return out


@router.post("/sandbox/connections", dependencies=[ClientAuth])
def create_connection(body: ConnectionCreateParams, services: ServicesDep) -> Response:
    issued = services.connections.create_connection(
        provider_id=body.provider_id,
        authentication_type=body.authentication_type,
        products=body.products,
        employee_size=body.employee_size,
    )
    return json_response(_issued(issued, with_token_type=True))


@router.post("/sandbox/connections/accounts", dependencies=[ClientAuth])
def create_account(body: AccountCreateParams, services: ServicesDep) -> Response:
    issued = services.connections.create_account(
        company_id=body.company_id,
        provider_id=body.provider_id,
        authentication_type=body.authentication_type,
        products=body.products,
    )
    return json_response(_issued(issued, with_token_type=False))


@router.put("/sandbox/connections/accounts")
def update_account(
    body: AccountUpdateParams, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    if body.connection_status is not None:
        principal = services.connections.set_status(principal, body.connection_status)
    return json_response(
        {
            "account_id": principal.account_id,
            "authentication_type": principal.authentication_type,
            "company_id": principal.company_id,
            "connection_id": principal.connection_id,
            "entity_id": principal.entity_id,
            "products": list(principal.products),
            "provider_id": principal.provider_id,
        }
    )
