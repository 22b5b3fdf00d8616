"""Pure-ASGI middleware for what every request and response carries: request ids, the
Finch-API-Version header and the request-body size limit. Pure ASGI keeps the hot path cheap."""

from __future__ import annotations

import itertools
import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finch_sandbox.api.error_handlers import send_error
from finch_sandbox.errors import BadRequest, FinchError, PayloadTooLarge

API_VERSION = b"2020-09-17"
_VERSION_RE = re.compile(rb"^\d{4}-\d{2}-\d{2}$")


class FinchHeadersMiddleware:
    """Adds `Finch-Request-Id` and echoes `Finch-API-Version`; rejects malformed versions and
    bodies larger than the configured limit, in Finch's error format."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Unique, not secret: a random per-process prefix and a counter, cheaper than uuid4.
        self._id_prefix = uuid.uuid4().hex[:16]
        self._ids = itertools.count()

    def _next_request_id(self) -> bytes:
        return f"{self._id_prefix}{next(self._ids):016x}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        version = API_VERSION
        length: int | None = None
        for name, value in scope["headers"]:
            if name == b"finch-api-version":
                version = value.strip()
            elif name == b"content-length":
                length = int(value) if value.isdigit() else None
        extra = [(b"finch-request-id", self._next_request_id()), (b"finch-api-version", version)]

        if not _VERSION_RE.match(version):
            extra[1] = (b"finch-api-version", API_VERSION)
            await send_error(
                send,
                BadRequest("[header:Finch-API-Version]: must be a date like 2020-09-17"),
                extra,
            )
            return
        if length is not None and length > self.max_body_bytes:
            await send_error(send, _too_large(self.max_body_bytes), extra)
            return

        received = 0
        limit = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if not started and message["type"] == "http.response.start":
                started = True
                message["headers"] = message.get("headers", []) + extra
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except FinchError as error:
            # Raised outside FastAPI's handlers (the body limit, met while the fast path
            # reads a body): still answered in Finch's format.
            if started:
                raise
            await send_error(send, error, extra)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes")
