"""Wire models of the Connect endpoints: POST /connect/sessions(/reauthenticate), /auth/token."""

from __future__ import annotations

from typing import Literal

from finch_sandbox.api.schemas.common import WireModel
from finch_sandbox.services.products import Product


class Integration(WireModel):
    provider: str
    auth_method: Literal["assisted", "credential", "oauth", "api_token"] | None = None


class Recordkeeping(WireModel):
    recordkeeper: Literal["voya", "empower", "fidelity", "transamerica"]
    plan_id: str | None = None


class SessionNewParams(WireModel):
    customer_id: str
    customer_name: str
    products: list[Product]
    customer_email: str | None = None
    integration: Integration | None = None
    manual: bool | None = None
    minutes_to_expire: float | None = None
    recordkeeping: Recordkeeping | None = None
    redirect_uri: str | None = None
    sandbox: Literal["finch", "provider"] | None = None


class SessionReauthenticateParams(WireModel):
    connection_id: str
    minutes_to_expire: int | None = None
    products: list[Product] | None = None
    redirect_uri: str | None = None


class AccessTokenParams(WireModel):
    code: str
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
