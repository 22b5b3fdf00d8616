"""The Connect page (connect.tryfinch.com/authorize, emulated): server-rendered HTML, one
stylesheet and one optional script served from the package. Each form posts back here and is
answered with a redirect (next step, or the application's redirect URI) or the form again
with its error; services.connect_flow owns every rule."""

from __future__ import annotations

import zlib
from functools import cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from finch_sandbox.api.cacheability import reads, writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import ServicesDep
from finch_sandbox.errors import FinchError
from finch_sandbox.services.connect_flow import (
    MFA,
    SELECT_ENTITIES,
    Completed,
    NextStep,
    SessionUnavailable,
    SessionView,
)
from finch_sandbox.services.sandbox_logins import LoginRejected, Method

router = DeclaredRouter(include_in_schema=False)

ASSETS = "/authorize/assets"
# Pages hold one-time codes and credentials: never cached, never framed, nothing from elsewhere.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
ASSET_TYPES = {"connect.css": "text/css; charset=utf-8", "connect.js": "text/javascript"}
METHOD_TEXT = {
    Method.CREDENTIAL: ("Username and password", "Sign in with your provider login"),
    Method.API_TOKEN: ("API token", "Paste a token generated in your provider"),
    Method.API_CREDENTIAL: ("API client ID and secret", "Credentials of an API client"),
    Method.OAUTH: ("Sign in with the provider (OAuth)", "Approve access on the provider's site"),
    Method.ASSISTED: ("Assisted", "Finch sets up the connection with you"),
}
UNAVAILABLE = {
    "unknown": (404, "This link is not valid", "Ask the application for a new Connect link."),
    "expired": (410, "This link has expired", "Ask the application for a new Connect link."),
    "used": (
        410,
        "This link has already been used",
        "The connection was completed. Ask the application for a new link to connect again.",
    ),
    "out_of_step": (409, "Let's start again", "That step is not waiting; open the link again."),
}


@cache
def _templates() -> Any:
    # Imported on first use: a server that never shows the page does not load Jinja.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("finch_sandbox.api", "templates/connect"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _base(request: Request) -> str:
    """Where the page's links point: the configured public URL, else the request's host
    (the same base as the session's `connect_url`)."""
    configured: str | None = request.app.state.services.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    base = _base(request)
    values: dict[str, Any] = {"step_label": None, "customer_name": None, "products": ()}
    values.update(context)
    html = _templates().get_template(template).render(base=base, assets=base + ASSETS, **values)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _unavailable(request: Request, reason: str) -> HTMLResponse:
    status, heading, message = UNAVAILABLE[reason]
    return _page(request, "error.html", status, title=heading, heading=heading, message=message)


def _provider(services: Any, provider_id: str) -> dict[str, Any] | None:
    found = services.catalog.get(provider_id)
    if found is None:
        return None
    return _card(found)


def _card(provider: dict[str, Any]) -> dict[str, Any]:
    name = provider["display_name"]
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[:2]).upper() or name[:2].upper()
    hue = zlib.crc32(provider["id"].encode()) % 8
    return {"id": provider["id"], "display_name": name, "initials": initials, "hue": hue}


async def form_fields(request: Request) -> dict[str, list[str]]:
    """The urlencoded form, read without python-multipart (one dependency less)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    fields: dict[str, list[str]] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        fields.setdefault(key, []).append(value)
    return fields


FormFields = Annotated[dict[str, list[str]], Depends(form_fields)]


def _one(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0]


def _common(view: SessionView, state: str | None) -> dict[str, Any]:
    return {
        "session_id": view.id,
        "state": state or "",
        "customer_name": view.customer_name,
        "products": view.products,
        "reauthentication": view.reauthentication,
    }


@router.get("/authorize/assets/{name}")
@reads()
def asset(name: str) -> Response:
    media_type = ASSET_TYPES.get(name)
    if media_type is None:
        return Response(status_code=404)
    body = resources.files("finch_sandbox.api").joinpath("static", name).read_bytes()
    return Response(body, media_type=media_type, headers={"Cache-Control": "max-age=300"})


@router.get("/authorize")
@reads()
def authorize(
    request: Request,
    services: ServicesDep,
    session: Annotated[str, Query()] = "",
    state: Annotated[str | None, Query()] = None,
    provider: Annotated[str | None, Query()] = None,
    method: Annotated[str | None, Query()] = None,
    q: Annotated[str, Query()] = "",
) -> Response:
    try:
        view = services.connect.view(session)
    except SessionUnavailable as exc:
        return _unavailable(request, exc.reason)
    common = _common(view, state)
    if view.pending_step is not None:
        return _pending_page(request, services, view, common)
    provider_id = view.provider_id or provider
    if provider_id is None:
        return _providers_page(request, services, common, q)
    card = _provider(services, provider_id)
    if card is None:
        return _unavailable(request, "unknown")
    offered = services.connect.methods(view, provider_id)
    chosen = view.method or next((m for m, _ in offered if m.value == method), None)
    if chosen is None and len(offered) == 1:
        chosen = offered[0][0]
    if chosen is None:
        methods = [
            {"value": m.value, "title": METHOD_TEXT[m][0], "hint": METHOD_TEXT[m][1], "native": n}
            for m, n in offered
        ]
        return _page(
            request,
            "methods.html",
            title=f"Sign in to {card['display_name']}",
            provider=card,
            methods=methods,
            step_label=None if view.provider_id else "Step 2 of 3",
            fixed_provider=view.provider_id is not None,
            **common,
        )
    return _sign_in_page(request, view, card, chosen, common)


def _providers_page(
    request: Request, services: Any, common: dict[str, Any], q: str
) -> HTMLResponse:
    needle = q.strip().lower()
    providers = [
        _card(p)
        for p in sorted(services.catalog.providers, key=lambda p: p["display_name"].lower())
        if not needle or needle in p["display_name"].lower() or needle in p["id"]
    ]
    return _page(
        request,
        "providers.html",
        title="Select your provider",
        step_label="Step 1 of 3",
        providers=providers,
        q=q,
        **common,
    )


def _sign_in_page(
    request: Request,
    view: SessionView,
    card: dict[str, Any],
    method: Method,
    common: dict[str, Any],
    *,
    error: str | None = None,
    error_field: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    back = None
    if view.method is None:
        query = {"session": view.id, "provider": card["id"]}
        if common["state"]:
            query["state"] = common["state"]
        back = f"{_base(request)}/authorize?{urlencode(query)}"
    return _page(
        request,
        "sign_in.html",
        400 if error else 200,
        title=f"Connect {card['display_name']}",
        step_label=None if view.provider_id else "Step 3 of 3",
        provider=card,
        method=method.value,
        back_url=back,
        error=error,
        error_field=error_field,
        values=values or {},
        **common,
    )


def _pending_page(
    request: Request,
    services: Any,
    view: SessionView,
    common: dict[str, Any],
    *,
    error: str | None = None,
    chosen: list[str] | None = None,
) -> HTMLResponse:
    card = _provider(services, str(view.pending.get("provider_id"))) or {
        "id": "",
        "display_name": "your provider",
        "initials": "",
        "hue": 0,
    }
    status = 400 if error else 200
    if view.pending_step == MFA:
        return _page(
            request,
            "mfa.html",
            status,
            title="Verification code",
            provider=card,
            username=view.pending.get("username") or "your account",
            error=error,
            **common,
        )
    return _page(
        request,
        "entities.html",
        status,
        title="Choose entities",
        provider=card,
        entities=view.pending.get("entities", []),
        chosen=chosen,
        error=error,
        **common,
    )


def _finish(
    request: Request, outcome: Completed | NextStep, view: SessionView, state: str
) -> Response:
    if isinstance(outcome, NextStep):
        query = {"session": view.id, **({"state": state} if state else {})}
        url = f"{_base(request)}/authorize?{urlencode(query)}"
        return RedirectResponse(url, status_code=303, headers=PAGE_HEADERS)
    if outcome.redirect_url is not None:
        return RedirectResponse(outcome.redirect_url, status_code=303, headers=PAGE_HEADERS)
    return _page(request, "done.html", title="Connected", code=outcome.code, **_common(view, state))


@router.post("/authorize/sign-in")
@writes()
def sign_in(request: Request, services: ServicesDep, fields: FormFields) -> Response:
    session_id, state = _one(fields, "session"), _one(fields, "state")
    try:
        view = services.connect.view(session_id)
        provider_id = view.provider_id or _one(fields, "provider")
        values = {k: v[0] for k, v in fields.items() if v}
        try:
            outcome = services.connect.sign_in(
                session_id,
                provider_id=provider_id,
                method=_one(fields, "method"),
                fields=values,
                state=state,
            )
        except LoginRejected as rejected:
            card = _provider(services, provider_id)
            method = Method(_one(fields, "method"))
            kept = {k: values.get(k, "") for k in ("username", "client_id")}
            assert card is not None
            return _sign_in_page(
                request,
                view,
                card,
                method,
                _common(view, state),
                error=rejected.message,
                error_field=rejected.field,
                values=kept,
            )
    except SessionUnavailable as exc:
        return _unavailable(request, exc.reason)
    except FinchError as error:
        return _page(
            request,
            "error.html",
            400,
            title="Error",
            heading="Something is off",
            message=error.message,
        )
    return _finish(request, outcome, view, state)


@router.post("/authorize/mfa")
@writes()
def verify_mfa(request: Request, services: ServicesDep, fields: FormFields) -> Response:
    session_id, state = _one(fields, "session"), _one(fields, "state")
    try:
        view = services.connect.view(session_id)
        try:
            outcome = services.connect.verify_mfa(
                session_id, code=_one(fields, "code"), state=state
            )
        except LoginRejected as rejected:
            return _pending_page(
                request, services, view, _common(view, state), error=rejected.message
            )
    except SessionUnavailable as exc:
        return _unavailable(request, exc.reason)
    return _finish(request, outcome, view, state)


@router.post("/authorize/entities")
@writes()
def select_entities(request: Request, services: ServicesDep, fields: FormFields) -> Response:
    session_id, state = _one(fields, "session"), _one(fields, "state")
    try:
        view = services.connect.view(session_id)
        if view.pending_step != SELECT_ENTITIES:
            raise SessionUnavailable("out_of_step")
        try:
            outcome = services.connect.select_entities(
                session_id, positions=fields.get("entity", []), state=state
            )
        except LoginRejected as rejected:
            return _pending_page(
                request,
                services,
                view,
                _common(view, state),
                error=rejected.message,
                chosen=fields.get("entity", []),
            )
    except SessionUnavailable as exc:
        return _unavailable(request, exc.reason)
    return _finish(request, outcome, view, state)
