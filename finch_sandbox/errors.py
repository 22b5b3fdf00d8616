"""Finch-visible errors. Services raise these; api/error_handlers.py alone renders them.

FinchError
├── BadRequest                400 bad_request / invalid_request
│   └── InvalidRequest        400 invalid_request_error
├── Unauthorized              401 unauthorized_request_error (no credentials given)
├── InvalidToken              401 invalid_token_error
├── InvalidClient             401 invalid_client_error
├── ReauthenticateUser        401 authentication_error / reauthenticate_user
├── AccountSetupRequired      401 authentication_error / account_setup_required
├── InsufficientPermissions   403 error_permissions / insufficient_account_permissions
├── InsufficientScope         403 insufficient_scope_error
├── NotFound                  404 not_found_error / item_not_found (+ individual_not_found, ...)
├── UnprocessableRequest      422 unprocessable_request_error (benefits constraints)
├── PayloadTooLarge           413 payload_too_large_error
├── RateLimited               429 rate_limit_exceeded_error
├── ServerError               500 server_error
└── NotImplementedForProvider 501 not_implemented_error (the provider does not offer it)
"""

from __future__ import annotations

from typing import Any, ClassVar


class FinchError(Exception):
    """Base of every error Finch can answer with; renders as `{code, name, finch_code?, message}`."""

    status_code: ClassVar[int] = 500
    name: ClassVar[str] = "server_error"
    finch_code: ClassVar[str | None] = None
    default_message: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        finch_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code_detail = finch_code or type(self).finch_code
        # Some Finch errors carry fields beside the envelope (a 429's quota figures).
        self.extra = extra or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.status_code, "name": self.name}
        if self.code_detail:
            out["finch_code"] = self.code_detail
        out["message"] = self.message
        out.update(self.extra)
        return out


class BadRequest(FinchError):
    status_code = 400
    name = "bad_request"
    finch_code = "invalid_request"
    default_message = "The request is invalid"


class InvalidRequest(FinchError):
    status_code = 400
    name = "invalid_request_error"
    default_message = "The request is invalid"


class Unauthorized(FinchError):
    status_code = 401
    name = "unauthorized_request_error"
    default_message = "Unauthorized request: no authentication given"


class InvalidToken(FinchError):
    status_code = 401
    name = "invalid_token_error"
    default_message = "Unauthorized request: the access token is invalid"


class InvalidClient(FinchError):
    status_code = 401
    name = "invalid_client_error"
    default_message = "Invalid client credentials"


class ReauthenticateUser(FinchError):
    status_code = 401
    name = "authentication_error"
    finch_code = "reauthenticate_user"
    default_message = (
        "The employer's connection needs to be re-authenticated; send them through Finch Connect"
    )


class AccountSetupRequired(FinchError):
    status_code = 401
    name = "authentication_error"
    finch_code = "account_setup_required"
    default_message = "The employer has not finished setting up their account"


class InsufficientPermissions(FinchError):
    status_code = 403
    name = "error_permissions"
    finch_code = "insufficient_account_permissions"
    default_message = "The account used to connect lacks the permissions needed for this data"


class InsufficientScope(FinchError):
    status_code = 403
    name = "insufficient_scope_error"
    default_message = "The access token is not authorized for this product"


class NotFound(FinchError):
    status_code = 404
    name = "not_found_error"
    finch_code = "item_not_found"
    default_message = "Not found"


class UnprocessableRequest(FinchError):
    status_code = 422
    name = "unprocessable_request_error"
    finch_code = "unsupported_parameters"
    default_message = "The request has parameters the provider does not support"


class PayloadTooLarge(FinchError):
    status_code = 413
    name = "payload_too_large_error"
    default_message = "The request body is too large"


class RateLimited(FinchError):
    status_code = 429
    name = "rate_limit_exceeded_error"
    default_message = "Too many requests"


class ServerError(FinchError):
    pass


class NotImplementedForProvider(FinchError):
    status_code = 501
    name = "not_implemented_error"
    default_message = "This endpoint is not supported by the provider of this connection"
