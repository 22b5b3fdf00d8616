"""The CLI's data commands as HTTP calls to a running server.

Writing to a database file directly let the CLI and the server disagree about where the data
is (another folder, another --data-dir, an in-memory server): the CLI printed a token the server
had never seen. Through the server's own API there is one database by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx

# Generating a large company takes a while (the server's size limit is set so it finishes well
# inside the SDK's 60 s); connecting is quick or it is not going to happen.
TIMEOUT = httpx.Timeout(10.0, read=300.0)


class RemoteError(Exception):
    """The server could not be reached or refused; `str()` is the one line to print."""


def create_sandbox_connection(
    base_url: str,
    client: tuple[str, str],
    *,
    provider_id: str,
    authentication_type: str | None,
    products: Sequence[str] | None,
    employee_size: int,
) -> dict[str, Any]:
    """POST /sandbox/connections with the application's Basic credentials; the answer's JSON."""
    body: dict[str, Any] = {"provider_id": provider_id, "employee_size": employee_size}
    if authentication_type is not None:
        body["authentication_type"] = authentication_type
    if products:
        body["products"] = list(products)
    answer: dict[str, Any] = _post(base_url, "/sandbox/connections", body, auth=client)
    if "access_token" not in answer:
        raise RemoteError(f"{base_url} did not answer as finch-sandbox does: {answer!r:.200}")
    return answer


def sandbox_clock(
    base_url: str,
    client: tuple[str, str],
    move: str | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The server's clock (`GET /_finch-sandbox/clock`), or moved by `POST .../clock/{move}`;
    the answer's JSON (`now`, `frozen`, `offset_seconds`)."""
    path = "/_finch-sandbox/clock" + (f"/{move}" if move else "")
    answer = (
        _post(base_url, path, body or {}, auth=client) if move else _get(base_url, path, client)
    )
    if "now" not in answer:
        raise RemoteError(f"{base_url} did not answer as finch-sandbox does: {answer!r:.200}")
    return answer


def _get(base_url: str, path: str, auth: tuple[str, str]) -> dict[str, Any]:
    return _answer(base_url, lambda: httpx.get(base_url + path, auth=auth, timeout=TIMEOUT))


def _post(
    base_url: str, path: str, body: dict[str, Any], *, auth: tuple[str, str]
) -> dict[str, Any]:
    return _answer(
        base_url, lambda: httpx.post(base_url + path, json=body, auth=auth, timeout=TIMEOUT)
    )


def _answer(base_url: str, send: Callable[[], httpx.Response]) -> dict[str, Any]:
    try:
        response = send()
    except httpx.ConnectError:
        raise RemoteError(
            f"no finch-sandbox server answers at {base_url}: start one (finch-sandbox serve), "
            "or pass --url with the base URL of the one you use"
        ) from None
    except httpx.TimeoutException:
        raise RemoteError(f"{base_url} did not answer within {TIMEOUT.read:g} s") from None
    except httpx.HTTPError as exc:
        raise RemoteError(f"cannot reach {base_url}: {exc}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code >= 400:
        message = answer.get("message") if isinstance(answer, dict) else None
        if message is None:
            raise RemoteError(
                f"{base_url} answered {response.status_code} and is not a finch-sandbox server "
                "(or not this version); pass --url with the right base URL"
            )
        if response.status_code == 401:
            message += (
                " (the server has other client credentials: give this command the server's "
                "FINCH_SANDBOX_CLIENT_ID and FINCH_SANDBOX_CLIENT_SECRET)"
            )
        raise RemoteError(message)
    if not isinstance(answer, dict):
        raise RemoteError(f"{base_url} did not answer with JSON; is it a finch-sandbox server?")
    return dict(answer)
