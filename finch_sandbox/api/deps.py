"""FastAPI dependencies: the services container and the caller behind the credentials."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request

from finch_sandbox.errors import InvalidClient, InvalidToken, Unauthorized
from finch_sandbox.services import Services
from finch_sandbox.services.principal import Principal


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _authorization(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized()
    scheme, _, credentials = header.partition(" ")
    return scheme.lower(), credentials.strip()


def current_principal(request: Request, services: ServicesDep) -> Principal:
    """Bearer access token -> the account and connection it stands for."""
    scheme, credentials = _authorization(request)
    if scheme != "bearer" or not credentials:
        raise InvalidToken("Unauthorized request: a Bearer access token is required")
    return services.connections.authenticate(credentials)


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
