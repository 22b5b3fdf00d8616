"""POST /auth/token: the authorization code from Finch Connect, exchanged for an access token."""

from __future__ import annotations

from starlette.responses import Response

from finch_sandbox.api.cacheability import writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.connect import AccessTokenParams
from finch_sandbox.errors import InvalidClient

router = DeclaredRouter(tags=["Management"])


@router.post("/auth/token")
@writes()
def create_access_token(body: AccessTokenParams, services: ServicesDep) -> Response:
    # No Authorization header: the application's credentials are in the body (§6.3).
    if body.client_id is None or body.client_secret is None:
        raise InvalidClient("[body:client_id]: client_id and client_secret are required")
    grant = services.connect.exchange(
        client_id=body.client_id,
        client_secret=body.client_secret,
        code=body.code,
        redirect_uri=body.redirect_uri,
    )
    p = grant.issued.principal
    return json_response(
        {
            "access_token": grant.issued.access_token,
            "token_type": "bearer",
            "connection_id": p.connection_id,
            "client_type": "sandbox",
            "connection_type": "finch",
            "entity_ids": list(p.entity_ids),
            "products": list(p.products),
            "provider_id": p.provider_id,
            "account_id": p.account_id,
            "company_id": p.company_id,
            "customer_id": grant.customer_id,
            "customer_name": grant.customer_name,
        }
    )
