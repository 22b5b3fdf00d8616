"""POST /forward: a request passed through to the provider's own API.

Finch's sandbox has no provider behind it (behavior.md §1.2: request forwarding is not
supported there), so nothing is forwarded: the request is answered in Finch's envelope with
the emulated provider's answer, as a provider API would give it: 405 for a method outside
GET/POST/PUT/DELETE/PATCH, 404 for a route that is not a path, else 501 (the sandbox provider
has no API of its own). Finch passes method and route on; the provider judges them. Code that
calls /forward can thus run its whole path against the sandbox.
"""

from __future__ import annotations

import json
import re
from typing import Any

from finch_sandbox.errors import BadRequest

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
# "must begin with a forward-slash and may only contain alphanumeric characters, hyphens,
# and underscores" (the spec), slashes between segments included.
ROUTE = re.compile(r"^/[A-Za-z0-9_\-/]*$")
UPSTREAM_STATUS = 501


class ForwardingService:
    def forward(
        self,
        *,
        method: str,
        route: str,
        data: Any,
        params: dict[str, Any] | None,
        headers: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if not method.strip():
            raise BadRequest("[body:method]: must not be empty")
        if not route.strip():
            raise BadRequest("[body:route]: must not be empty")
        if method.upper() not in METHODS:
            status, error = 405, "method_not_allowed"
        elif not ROUTE.match(route):
            status, error = 404, "not_found"
        else:
            status, error = UPSTREAM_STATUS, "not_implemented"
        upstream = {
            "error": error,
            "message": (
                f"{method.upper()} {route}: the sandbox provider has no API of its own to "
                "forward to"
            ),
        }
        return {
            "request": {
                "method": method.upper(),
                "route": route,
                "data": data,
                "headers": {str(k): str(v) for k, v in (headers or {}).items()} or None,
                "params": params,
            },
            "statusCode": status,
            "data": json.dumps(upstream),
            "headers": {"content-type": "application/json"},
        }
