"""Finch's sandbox credentials as the Connect page applies them (behavior.md §1.10)."""

from __future__ import annotations

import pytest

from finch_sandbox.services.sandbox_logins import (
    AcceptedLogin,
    LoginRejected,
    Method,
    check_login,
)


@pytest.mark.parametrize(
    ("password", "mfa", "multi"),
    [
        ("good_pass", False, False),
        ("mfa", True, False),
        ("multi_entity", False, True),
        ("account_selection", False, True),
        ("mfa_account_selection", True, True),
    ],
)
def test_passwords_choose_the_flow(password: str, mfa: bool, multi: bool) -> None:
    accepted = check_login(
        Method.CREDENTIAL, {"username": "good_user", "password": password}, customer_id=None
    )
    assert accepted == AcceptedLogin("good_user", "good_user", mfa=mfa, multi_entity=multi)


@pytest.mark.parametrize(
    ("method", "fields", "field"),
    [
        (Method.CREDENTIAL, {"username": "bad_user", "password": "good_pass"}, "password"),
        (Method.CREDENTIAL, {"username": "good_user", "password": "letmein"}, "password"),
        (Method.CREDENTIAL, {"username": "good_user_", "password": "good_pass"}, "password"),
        (Method.CREDENTIAL, {"username": "", "password": "good_pass"}, "username"),
        (Method.CREDENTIAL, {"username": "good_user"}, "password"),
        (Method.API_TOKEN, {"api_token": "bad_token"}, "api_token"),
        (Method.API_TOKEN, {}, "api_token"),
        (Method.API_CREDENTIAL, {"client_id": "good_user", "client_secret": "x"}, "client_secret"),
        (Method.API_CREDENTIAL, {"client_secret": "good_pass"}, "client_id"),
    ],
)
def test_anything_else_is_refused_with_the_field_to_fix(
    method: Method, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(LoginRejected) as info:
        check_login(method, fields, customer_id=None)
    assert info.value.field == field
    assert info.value.message


def test_logins_name_the_employer() -> None:
    def login(method: Method, fields: dict[str, str], customer: str | None = None) -> str:
        return check_login(method, fields, customer_id=customer).login

    assert login(Method.CREDENTIAL, {"username": "good_user_1", "password": "good_pass"}) == (
        login(Method.CREDENTIAL, {"username": "good_user_1", "password": "mfa"})
    )
    assert login(Method.CREDENTIAL, {"username": "good_user_1", "password": "good_pass"}) != (
        login(Method.CREDENTIAL, {"username": "good_user_2", "password": "good_pass"})
    )
    # Client id/secret logins are the same employer as the same username.
    assert login(
        Method.API_CREDENTIAL, {"client_id": "good_user", "client_secret": "good_pass"}
    ) == (login(Method.CREDENTIAL, {"username": "good_user", "password": "good_pass"}))
    assert login(Method.API_TOKEN, {"api_token": "good_token"}) == "token:good_token"
    assert login(Method.OAUTH, {}, "cust-1") != login(Method.OAUTH, {}, "cust-2")


def test_api_credentials_are_an_api_token_connection() -> None:
    assert Method.API_CREDENTIAL.authentication_type == "api_token"
    assert Method.CREDENTIAL.authentication_type == "credential"
