"""POST /sandbox/connections, POST and PUT /sandbox/connections/accounts."""

from __future__ import annotations

from starlette.responses import Response

from finch_sandbox.api.cacheability import writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import ClientAuth, CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.account import account, issued
from finch_sandbox.api.schemas.sandbox import (
    AccountCreateParams,
    AccountUpdateParams,
    ConnectionCreateParams,
)

router = DeclaredRouter(tags=["Sandbox"])


@router.post("/sandbox/connections", dependencies=[ClientAuth])
@writes()
def create_connection(body: ConnectionCreateParams, services: ServicesDep) -> Response:
    token = services.connections.create_connection(
        provider_id=body.provider_id,
        authentication_type=body.authentication_type,
        products=body.products,
        employee_size=body.employee_size,
    )
    return json_response(issued(token, with_token_type=True))


@router.post("/sandbox/connections/accounts", dependencies=[ClientAuth])
@writes()
def create_account(body: AccountCreateParams, services: ServicesDep) -> Response:
    token = services.connections.create_account(
        company_id=body.company_id,
        provider_id=body.provider_id,
        authentication_type=body.authentication_type,
        products=body.products,
    )
    return json_response(issued(token, with_token_type=False))


@router.put("/sandbox/connections/accounts")
@writes()
def update_account(
    body: AccountUpdateParams, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    if body.connection_status is not None:
        principal = services.connections.set_status(principal, body.connection_status)
    return json_response(account(principal))
