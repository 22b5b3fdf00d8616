"""FastAPI dependencies: the services container, the API layer's own state (caches and token
resolution) and the caller behind the credentials."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from finch_sandbox.api.caches import Caches
from finch_sandbox.api.principals import Authenticator, authorization
from finch_sandbox.clock import SandboxClock
from finch_sandbox.errors import InvalidClient, InvalidToken, Unauthorized
from finch_sandbox.services import Services
from finch_sandbox.services.principal import Principal


@dataclass(frozen=True)
class Edge:
    """What the HTTP layer keeps beside the services, built once per app."""

    services: Services
    caches: Caches
    authenticator: Authenticator

    @classmethod
    def build(cls, services: Services) -> Edge:
        clock = services.clock
        # A shared clock is read by the freshness checks' own statement (storage/tracking.py).
        clock_read = clock.observe if isinstance(clock, SandboxClock) and clock.shared else None
        caches = Caches.build(services.settings, services.db, clock_read=clock_read)
        return cls(services, caches, Authenticator(services.connections, caches))


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_edge(request: Request) -> Edge:
    edge: Edge = request.app.state.edge
    return edge


ServicesDep = Annotated[Services, Depends(get_services)]
EdgeDep = Annotated[Edge, Depends(get_edge)]


def _authorization(request: Request) -> tuple[str, str]:
    found = authorization(request.scope["headers"])
    if found is None:
        raise Unauthorized()
    return found


def current_principal(request: Request, edge: EdgeDep) -> Principal:
    """Bearer access token -> the account and connection it stands for."""
    scheme, credentials = _authorization(request)
    if scheme != "bearer" or not credentials:
        raise InvalidToken("Unauthorized request: a Bearer access token is required")
    return edge.authenticator.authenticate(credentials)


def client_credentials(request: Request, services: ServicesDep) -> None:
    """HTTP Basic `client_id:client_secret`, for the endpoints an application calls itself."""
    scheme, credentials = _authorization(request)
    if scheme != "basic":
        raise InvalidClient("Unauthorized request: Basic client credentials are required")
    try:
        client_id, sep, client_secret = (
            base64.b64decode(credentials, validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("Malformed Basic credentials") from exc
    if not sep:
        raise InvalidClient("Malformed Basic credentials")
    services.connections.check_client(client_id, client_secret)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ClientAuth = Depends(client_credentials)
