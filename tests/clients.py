"""SDK clients for tests, tracked so each test closes the connections it opened."""

from __future__ import annotations

from typing import Any

import httpx
from finch import Finch

from tests.spec import SpecRecorder

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"

_open: list[Finch] = []


def make_client(
    base_url: str,
    recorder: SpecRecorder | None,
    access_token: str | None = None,
    *,
    strict: bool = True,
    **options: Any,
) -> Finch:
    """The official SDK pointed at `base_url`; `recorder` checks each response against the spec."""
    hooks = {"response": [recorder]} if recorder is not None else {}
    options.setdefault("client_id", CLIENT_ID)
    options.setdefault("client_secret", CLIENT_SECRET)
    client = Finch(
        base_url=base_url,
        access_token=access_token,
        max_retries=0,
        _strict_response_validation=strict,
        http_client=httpx.Client(event_hooks=hooks, timeout=120),  # type: ignore[arg-type]
        **options,
    )
    _open.append(client)
    return client


def close_all() -> None:
    while _open:
        _open.pop().close()
