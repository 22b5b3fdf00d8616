"""One error tree, one renderer: names and finch_codes as Finch's catalogue gives them
(behavior.md §3.2), and the same bytes and headers whichever layer renders them."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from finch_sandbox import errors
from finch_sandbox.api.error_handlers import error_parts, render, send_error

# (status, name, finch_code) per class, from the catalogue; None where it lists none.
CATALOGUE: dict[type[errors.FinchError], tuple[int, str, str | None]] = {
    errors.BadRequest: (400, "bad_request", "invalid_request"),
    errors.InvalidRequest: (400, "invalid_request_error", None),
    errors.InvalidGrant: (400, "invalid_grant_error", None),
    errors.Unauthorized: (401, "unauthorized_request_error", None),
    errors.InvalidToken: (401, "invalid_token_error", None),
    errors.InvalidClient: (401, "invalid_client_error", None),
    errors.ReauthenticateUser: (401, "authentication_error", "reauthenticate_user"),
    errors.AccountSetupRequired: (401, "authentication_error", "account_setup_required"),
    errors.InsufficientPermissions: (403, "error_permissions", "insufficient_account_permissions"),
    errors.InsufficientScope: (403, "insufficient_scope_error", None),
    errors.NotFound: (404, "not_found_error", "item_not_found"),
    errors.PayloadTooLarge: (413, "payload_too_large_error", None),
    errors.UnprocessableRequest: (422, "unprocessable_request_error", "unsupported_parameters"),
    errors.RateLimited: (429, "rate_limit_exceeded_error", "finch_application_rl"),
    errors.ServerError: (500, "server_error", "internal_server_error"),
    errors.NotImplementedByProvider: (501, "not_implemented_error", "internal_server_error"),
    errors.DataNotReady: (202, "accepted", "data_sync_in_progress"),
}


def all_error_classes() -> set[type[errors.FinchError]]:
    found: set[type[errors.FinchError]] = set()
    pending = [errors.FinchError]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__ == errors.__name__:
                found.add(sub)
                pending.append(sub)
    return found


def test_every_error_class_is_in_the_catalogue_table() -> None:
    assert all_error_classes() == set(CATALOGUE)


@pytest.mark.parametrize("cls", list(CATALOGUE), ids=lambda c: c.__name__)
def test_each_class_renders_its_catalogue_entry(cls: type[errors.FinchError]) -> None:
    status, name, finch_code = CATALOGUE[cls]
    body = cls("why").body()
    assert (body["code"], body["name"], body.get("finch_code")) == (status, name, finch_code)
    assert body["message"] == "why"
    assert ("finch_code" in body) is (finch_code is not None), "no null finch_code"


def test_a_raise_may_name_a_more_specific_code() -> None:
    error = errors.NotFound("no such person", finch_code="individual_not_found")
    assert error.body()["finch_code"] == "individual_not_found"


def sent_by_middleware(error: errors.FinchError) -> tuple[int, list[Any], bytes]:
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(send_error(send, error, [(b"finch-request-id", b"r1")]))
    start, body = sent
    return start["status"], start["headers"], body["body"]


@pytest.mark.parametrize(
    "error",
    [
        errors.RateLimited("quota", extra={"retry_at": "2026-01-01T00:00:00.000Z"}),
        errors.PayloadTooLarge("big"),
        errors.BadRequest("[header:Finch-API-Version]: bad"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_handlers_and_middleware_render_the_same_answer(error: errors.FinchError) -> None:
    status, headers, body = sent_by_middleware(error)
    response = render(error)
    assert (status, body) == (response.status_code, response.body)
    assert [h for h in headers if h[0] != b"finch-request-id"] == response.raw_headers
    assert (b"x-should-retry", b"false") in headers or error.should_retry is None
    assert orjson.loads(body)["code"] == error.status_code
    assert error_parts(error)[2] == body
