"""Tokens and connections on the wire: `Introspection` and the sandbox connection answers."""

from __future__ import annotations

from typing import Any

from finch_sandbox.api.schemas.wire import wire_datetime
from finch_sandbox.services.connections import Introspection, IssuedToken
from finch_sandbox.services.principal import Principal


def introspection(found: Introspection) -> dict[str, Any]:
    principal = found.principal
    status = {
        "status": found.status,
        "message": found.status_message,
        "last_successful_sync": wire_datetime(found.last_synced_at),
    }
    return {
        "id": principal.token_id,
        "client_id": found.client_id,
        "client_type": "sandbox",
        "connection_id": principal.connection_id,
        "connection_status": status,
        "connection_type": "finch",
        "products": list(principal.products),
        "provider_id": principal.provider_id,
        "account_id": principal.account_id,
        "authentication_methods": [
            {"type": m.type, "connection_status": status, "products": list(m.products)}
            for m in found.methods
        ],
        "company_id": principal.company_id,
        "customer_email": found.customer_email,
        "customer_id": found.customer_id,
        "customer_name": found.customer_name,
        "entities": [
            {"id": e.id, "name": e.name, "source_id": e.source_id, "status": e.status}
            for e in found.entities
        ],
        "manual": principal.is_assisted,
        "payroll_provider_id": principal.provider_id,
        "username": found.username,
    }


def account(principal: Principal) -> dict[str, Any]:
    """The account fields every sandbox connection answer carries."""
    return {
        "account_id": principal.account_id,
        "authentication_type": principal.authentication_type,
        "company_id": principal.company_id,
        "connection_id": principal.connection_id,
        "entity_id": principal.entity_id,
        "products": list(principal.products),
        "provider_id": principal.provider_id,
    }


def issued(token: IssuedToken, *, with_token_type: bool) -> dict[str, Any]:
    """POST /sandbox/connections (with `token_type`) and /sandbox/connections/accounts."""
    out: dict[str, Any] = {"access_token": token.access_token, **account(token.principal)}
    if with_token_type:
        out["token_type"] = "bearer"
    return out
