"""Helpers for Connect tests: open sessions with the SDK and walk the Connect page's forms over
plain HTTP (the browser tests walk the same page in Chromium)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from finch import Finch

REDIRECT_URI = "https://app.example.com/finch/callback"
PRODUCTS = ["company", "directory", "individual", "employment", "payment", "pay_statement"]


def new_session(app_client: Finch, **options: Any) -> tuple[str, str]:
    """(session_id, connect_url) of a new session; `options` override the defaults."""
    params: dict[str, Any] = {
        "customer_id": "customer-1",
        "customer_name": "Acme Widgets",
        "products": PRODUCTS,
        "redirect_uri": REDIRECT_URI,
        "sandbox": "finch",
    }
    params.update(options)
    params = {k: v for k, v in params.items() if v is not None}
    created = app_client.connect.sessions.new(**params)
    return created.session_id, created.connect_url


def sign_in(
    http: httpx.Client,
    session_id: str,
    *,
    provider: str = "bamboo_hr",
    method: str = "credential",
    state: str | None = None,
    **fields: str,
) -> httpx.Response:
    form = {"session": session_id, "provider": provider, "method": method, **fields}
    if state is not None:
        form["state"] = state
    if method == "credential":
        form.setdefault("username", "good_user")
        form.setdefault("password", "good_pass")
    return http.post("/authorize/sign-in", data=form)


def code_of(response: httpx.Response) -> str:
    """The authorization code in the redirect the page answered with."""
    assert response.status_code == 303, response.text[:500]
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return query["code"][0]


def connect(
    http: httpx.Client, app_client: Finch, *, username: str = "good_user", **options: Any
) -> str:
    """A whole plain sign-in; returns the authorization code."""
    session_id, _ = new_session(app_client, **options)
    return code_of(sign_in(http, session_id, username=username))


def heading(response: httpx.Response) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
    assert found, response.text[:500]
    return found.group(1).strip()
