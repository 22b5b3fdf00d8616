"""Every error Finch can answer with, as one tree. Services raise these; the API layer renders
them all through one renderer (api/error_handlers.py), whether FastAPI's handlers or the
pure-ASGI middleware meet them.

Each class carries Finch's `name` and the `finch_code` that Finch's error catalogue gives it
(behavior.md §3.2); a raise may name a more specific code of the same family (NotFound:
`individual_not_found`, `payment_not_found`, ...). Where the catalogue lists no finch_code
("-"), the body has none: the spec types `finch_code` as a string, so it is left out rather
than sent as null.

FinchError                      status  name                          finch_code
├── BadRequest                  400     bad_request                   invalid_request
├── InvalidRequest              400     invalid_request_error         -
├── InvalidGrant                400     invalid_grant_error           -
├── Unauthorized                401     unauthorized_request_error    -  (no credentials)
├── InvalidToken                401     invalid_token_error           -
├── InvalidClient               401     invalid_client_error          -
├── ReauthenticateUser          401     authentication_error          reauthenticate_user
├── AccountSetupRequired        401     authentication_error          account_setup_required
├── InsufficientPermissions     403     error_permissions             insufficient_account_permissions
├── InsufficientScope           403     insufficient_scope_error      -
├── NotFound                    404     not_found_error               item_not_found
├── PayloadTooLarge             413     payload_too_large_error       -  (no catalogue row)
├── UnprocessableRequest        422     unprocessable_request_error   unsupported_parameters
├── RateLimited                 429     rate_limit_exceeded_error     finch_application_rl
├── ServerError                 500     server_error                  internal_server_error
├── NotImplementedByProvider    501     not_implemented_error         internal_server_error
└── DataNotReady                202     accepted                      data_sync_in_progress
    (not an HTTP error to the SDKs, but answered in the same envelope: assisted connections
    before Finch has set them up, behavior.md §2.5)

`should_retry` (None: say nothing) becomes the `x-should-retry` header the SDKs obey: an
emulated quota is not worth the SDK's automatic retries.
"""

from __future__ import annotations

from typing import Any, ClassVar


class FinchError(Exception):
    """Base of every error Finch can answer with: `{code, name, finch_code?, message}`."""

    status_code: ClassVar[int] = 500
    name: ClassVar[str] = "server_error"
    finch_code: ClassVar[str | None] = "internal_server_error"
    default_message: ClassVar[str] = "Internal server error"
    should_retry: ClassVar[bool | None] = None

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
        """The envelope, as Finch sends it (also inside batch responses, per item)."""
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
    finch_code = None
    default_message = "The request is invalid"


class InvalidGrant(FinchError):
    status_code = 400
    name = "invalid_grant_error"
    finch_code = None
    default_message = "The authorization code is invalid or has expired"


class Unauthorized(FinchError):
    status_code = 401
    name = "unauthorized_request_error"
    finch_code = None
    default_message = "Unauthorized request: no authentication given"


class InvalidToken(FinchError):
    status_code = 401
    name = "invalid_token_error"
    finch_code = None
    default_message = "Unauthorized request: the access token is invalid"


class InvalidClient(FinchError):
    status_code = 401
    name = "invalid_client_error"
    finch_code = None
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
    finch_code = None
    default_message = "The access token is not authorized for this product"


class NotFound(FinchError):
    status_code = 404
    name = "not_found_error"
    finch_code = "item_not_found"
    default_message = "Not found"


class PayloadTooLarge(FinchError):
    status_code = 413
    name = "payload_too_large_error"
    finch_code = None
    default_message = "The request body is too large"


class UnprocessableRequest(FinchError):
    status_code = 422
    name = "unprocessable_request_error"
    finch_code = "unsupported_parameters"
    default_message = "The request cannot be processed with these parameters"


class RateLimited(FinchError):
    status_code = 429
    name = "rate_limit_exceeded_error"
    finch_code = "finch_application_rl"
    default_message = "Too many requests"
    should_retry = False


class ServerError(FinchError):
    pass


class NotImplementedByProvider(FinchError):
    status_code = 501
    name = "not_implemented_error"
    finch_code = "internal_server_error"
    default_message = "Not Implemented"
    # Retrying cannot make a provider offer a product it lacks.
    should_retry = False


class DataNotReady(FinchError):
    """Assisted connections answer 202 until Finch has set them up (behavior.md §2.5)."""

    status_code = 202
    name = "accepted"
    finch_code = "data_sync_in_progress"
    default_message = (
        "The data for this connection is not available yet; the connection is still being set up"
    )


def error_for_status(status: int, message: str) -> FinchError:
    """The error class for an HTTP status met outside the services (a framework error)."""
    for cls in (
        BadRequest,
        Unauthorized,
        InsufficientScope,
        NotFound,
        PayloadTooLarge,
        UnprocessableRequest,
        RateLimited,
        NotImplementedByProvider,
    ):
        if cls.status_code == status:
            return cls(message)
    return ServerError(message)
