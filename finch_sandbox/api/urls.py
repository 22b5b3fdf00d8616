"""The one base-URL helper: where URLs in answers (job URLs) point."""

from __future__ import annotations

from starlette.requests import Request

from finch_sandbox.settings import Settings


def base_url(request: Request, settings: Settings) -> str:
    """The configured public URL, else the scheme and host the client called. Answers built
    from it vary by the `host` header (declared on their routes, see api/cacheability.py)."""
    return settings.public_url or str(request.base_url)
