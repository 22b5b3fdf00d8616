"""POST /forward: a request passed through to the provider's own API.

Finch's sandbox has no provider behind it (behavior.md §1.2: request forwarding is not
supported there), so nothing is forwarded: the request is checked as Finch checks it (method,
route) and answered in Finch's envelope with the emulated provider's answer, a 501 saying it
has no API of its own. Code that calls /forward can thus run its whole path against the sandbox
and see what an integration without a native endpoint answers.
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
        if method.upper() not in METHODS:
            raise BadRequest(f"[body:method]: must be one of {', '.join(METHODS)}")
        if not ROUTE.match(route):
            raise BadRequest(
                "[body:route]: must begin with '/' and contain only letters, digits, '-', '_' "
                "and '/'"
            )
        upstream = {
            "error": "not_implemented",
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
            "statusCode": UPSTREAM_STATUS,
            "data": json.dumps(upstream),
            "headers": {"content-type": "application/json"},
        }
