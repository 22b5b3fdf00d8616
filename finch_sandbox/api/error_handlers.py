"""The only place that knows Finch's error envelope on the wire: `{code, name, finch_code?, message}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from finch_sandbox.api.responses import json_response
from finch_sandbox.errors import BadRequest, FinchError, NotFound, ServerError

log = logging.getLogger(__name__)

# Where a validation error's location starts, in Finch's "[body:field]" message style.
_LOCATION_NAMES = {"body": "body", "query": "query", "path": "path_params", "header": "header"}


def render(error: FinchError, headers: dict[str, str] | None = None) -> Response:
    out_headers = dict(headers or {})
    # The SDKs retry 429s and 5xx unless told not to; an emulated quota is not worth retrying,
    # nor is a product the provider does not offer.
    if error.status_code in (429, 501):
        out_headers.setdefault("x-should-retry", "false")
    return json_response(error.body(), status_code=error.status_code, headers=out_headers)


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


def install(app: FastAPI) -> None:
    @app.exception_handler(FinchError)
    async def _finch(_request: Request, exc: FinchError) -> Response:
        return render(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        return render(BadRequest(describe_validation(list(exc.errors()))))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405):
            # Unknown routes and wrong methods alike: Finch answers a not-found error.
            return render(NotFound(f"Route not found: {request.method} {request.url.path}"))
        error = FinchError(str(exc.detail))
        error.status_code = exc.status_code  # type: ignore[misc]
        return render(error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(ServerError("Internal server error"))
