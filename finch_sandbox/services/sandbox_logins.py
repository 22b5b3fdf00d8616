"""Finch's sandbox credentials for the Connect page (behavior.md §1.10), as pure rules.

- Username and password: username `good_user` (or `good_user_<anything>` for another
  company); password `good_pass` (plain), `mfa` (an MFA step), `multi_entity` or its older
  name `account_selection` (choose entities), `mfa_account_selection` (both).
- API token: `good_token`. API credentials (client id and secret): `good_user` / `good_pass`.
- OAuth and assisted: the provider side is bypassed; signing in succeeds at once.

The `login` of an accepted sign-in names the employer: the same login gives the same company.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Method(StrEnum):
    """The ways to sign in the page offers; `api_credential` is the client id/secret form of
    an API-token integration."""

    CREDENTIAL = "credential"
    API_TOKEN = "api_token"
    API_CREDENTIAL = "api_credential"
    OAUTH = "oauth"
    ASSISTED = "assisted"

    @property
    def authentication_type(self) -> str:
        """What the connection records and reports (`ConnectionCreateResponse` has no
        `api_credential`: it is an API-token flow)."""
        return "api_token" if self is Method.API_CREDENTIAL else self.value


GOOD_USER = re.compile(r"^good_user(_[A-Za-z0-9_-]{1,64})?$")
PASSWORDS = {
    "good_pass": (False, False),
    "mfa": (True, False),
    "multi_entity": (False, True),
    "account_selection": (False, True),
    "mfa_account_selection": (True, True),
}


@dataclass(frozen=True, slots=True)
class AcceptedLogin:
    login: str
    username: str | None
    mfa: bool = False
    multi_entity: bool = False


class LoginRejected(Exception):
    """The provider refused the sign-in; `field` is the input the message is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_login(
    method: Method, fields: Mapping[str, str], *, customer_id: str | None
) -> AcceptedLogin:
    """Accept or refuse a sign-in as Finch's sandbox would.

    Raises:
        LoginRejected: anything but the sandbox credentials, with the field to correct.
    """
    if method is Method.CREDENTIAL:
        username = fields.get("username", "").strip()
        password = fields.get("password", "")
        if not username:
            raise LoginRejected("Enter your username.", "username")
        if not password:
            raise LoginRejected("Enter your password.", "password")
        if not GOOD_USER.match(username) or password not in PASSWORDS:
            raise LoginRejected(
                "The username or password is incorrect. In the Finch sandbox, sign in as "
                "good_user with the password good_pass.",
                "password",
            )
        mfa, multi = PASSWORDS[password]
        return AcceptedLogin(username, username, mfa=mfa, multi_entity=multi)
    if method is Method.API_TOKEN:
        token = fields.get("api_token", "").strip()
        if not token:
            raise LoginRejected("Enter your API token.", "api_token")
        if token != "good_token":
            raise LoginRejected(
                "The API token was refused. In the Finch sandbox, use good_token.", "api_token"
            )
        return AcceptedLogin(f"token:{token}", None)
    if method is Method.API_CREDENTIAL:
        client_id = fields.get("client_id", "").strip()
        secret = fields.get("client_secret", "")
        if not client_id:
            raise LoginRejected("Enter your client ID.", "client_id")
        if not secret:
            raise LoginRejected("Enter your client secret.", "client_secret")
        if not GOOD_USER.match(client_id) or secret != "good_pass":
            raise LoginRejected(
                "The client ID or secret is incorrect. In the Finch sandbox, use good_user "
                "and good_pass.",
                "client_secret",
            )
        return AcceptedLogin(client_id, client_id)
    # OAuth and assisted have no provider-side password to check here; the employer is
    # whoever the application opened the session for.
    return AcceptedLogin(f"{method.value}:{customer_id or 'anonymous'}", None)
