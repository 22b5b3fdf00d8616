"""The only place that knows Finch's error envelope on the wire, and its one renderer: FastAPI's
exception handlers and the pure-ASGI middleware both answer through `error_parts`."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Send

from finch_sandbox.api.schemas.wire import wire_value
from finch_sandbox.errors import BadRequest, FinchError, NotFound, ServerError, error_for_status

log = logging.getLogger(__name__)

# Where a validation error's location starts, in Finch's "[body:field]" message style.
_LOCATION_NAMES = {"body": "body", "query": "query", "path": "path_params", "header": "header"}

RawHeaders = list[tuple[bytes, bytes]]


def error_parts(error: FinchError) -> tuple[int, RawHeaders, bytes]:
    """Status, headers and body of the answer to `error`."""
    body = orjson.dumps({k: wire_value(v) for k, v in error.body().items()})
    headers: RawHeaders = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if error.should_retry is not None:
        # The SDKs retry 429s and 5xx unless told not to.
        headers.append((b"x-should-retry", b"true" if error.should_retry else b"false"))
    return error.status_code, headers, body


def render(error: FinchError) -> Response:
    """The error as a Starlette response (for FastAPI's exception handlers)."""
    status, headers, body = error_parts(error)
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


async def send_error(send: Send, error: FinchError, extra: RawHeaders | None = None) -> None:
    """The error straight onto an ASGI `send` (for middleware outside FastAPI)."""
    status, headers, body = error_parts(error)
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})


def describe_validation(errors: list[Any]) -> str:
    """`[body:employee_size]: Input should be a valid integer` for each problem, joined."""
    parts = []
    for err in errors[:5]:
        loc = list(err.get("loc", ()))
        where = _LOCATION_NAMES.get(str(loc[0]), str(loc[0])) if loc else "request"
        field = ".".join(str(p) for p in loc[1:])
        msg = err.get("msg", "invalid value")
        if err.get("type") == "json_invalid":
            msg = "Malformed JSON: " + str(err.get("ctx", {}).get("error", msg))
            field = ""
        parts.append(f"[{where}:{field}]: {msg}" if field else f"[{where}]: {msg}")
    if len(errors) > 5:
        parts.append(f"... and {len(errors) - 5} more")
    return "; ".join(parts)


def _body_not_json(request: Request, errors: list[Any]) -> bool:
    """A whole-body error on a request whose body is not declared JSON (a form post, say)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return False
    return any(tuple(err.get("loc", ())) == ("body",) for err in errors)


def install(app: FastAPI) -> None:
    @app.exception_handler(FinchError)
    async def _finch(_request: Request, exc: FinchError) -> Response:
        return render(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        message = describe_validation(errors)
        if _body_not_json(request, errors):
            message += (
                f" (the body was sent as {request.headers.get('content-type') or 'no type'}; "
                "send JSON with Content-Type: application/json)"
            )
        return render(BadRequest(message))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405):
            # Unknown routes and wrong methods alike: Finch answers a not-found error.
            return render(NotFound(f"Route not found: {request.method} {request.url.path}"))
        return render(error_for_status(exc.status_code, str(exc.detail)))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(ServerError("Internal server error"))
