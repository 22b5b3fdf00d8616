"""POST /connect/sessions and POST /connect/sessions/reauthenticate (Basic auth)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from finch_sandbox.api.cacheability import writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import ClientAuth, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.connect import SessionNewParams, SessionReauthenticateParams
from finch_sandbox.services.connect_flow import NewSession

router = DeclaredRouter(tags=["Connect"])


def connect_url(request: Request, services: ServicesDep, session_id: str) -> str:
    """Where the employer goes: this server's own Connect page."""
    base = services.settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/authorize?session={session_id}"


@router.post("/connect/sessions", dependencies=[ClientAuth])
@writes()
def new_session(body: SessionNewParams, request: Request, services: ServicesDep) -> Response:
    integration = body.integration
    session_id = services.connect.new_session(
        NewSession(
            customer_id=body.customer_id,
            customer_name=body.customer_name,
            products=body.products,
            customer_email=body.customer_email,
            provider_id=integration.provider if integration else None,
            auth_method=integration.auth_method if integration else None,
            manual=bool(body.manual),
            minutes_to_expire=body.minutes_to_expire,
            redirect_uri=body.redirect_uri,
            sandbox=body.sandbox,
            recordkeeper=body.recordkeeping.recordkeeper if body.recordkeeping else None,
        )
    )
    return json_response(
        {"session_id": session_id, "connect_url": connect_url(request, services, session_id)}
    )


@router.post("/connect/sessions/reauthenticate", dependencies=[ClientAuth])
@writes()
def reauthenticate_session(
    body: SessionReauthenticateParams, request: Request, services: ServicesDep
) -> Response:
    session_id = services.connect.reauthentication_session(
        connection_id=body.connection_id,
        minutes_to_expire=body.minutes_to_expire,
        products=body.products,
        redirect_uri=body.redirect_uri,
    )
    return json_response(
        {"session_id": session_id, "connect_url": connect_url(request, services, session_id)}
    )
