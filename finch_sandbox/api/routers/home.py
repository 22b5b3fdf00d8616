"""GET / (what this server is, with links) and the API docs at /_docs, offline.

Swagger UI's script and stylesheet come from the `fastapi-offline` package, which bundles them,
and are served from here: a tool whose point is to work without a network must not load its
docs page from a CDN. None of these routes is part of Finch's API, so none is in the schema.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from finch_sandbox import __version__
from finch_sandbox.api.responses import json_response

DOCS_PATH = "/_docs"
ASSETS_PATH = "/_docs/assets"
OPENAPI_PATH = "/_openapi.json"
ABOUT = (
    "finch-sandbox is a self-hosted, offline, stateful emulator of the Finch HRIS API and its "
    "Sandbox. Point the official Finch SDKs at this base URL."
)

router = APIRouter(include_in_schema=False)


def docs_assets() -> StaticFiles:
    """The bundled Swagger UI files, to mount at ASSETS_PATH."""
    return StaticFiles(packages=[("fastapi_offline", "static")])


def _links(request: Request) -> dict[str, str]:
    base = str(request.base_url).rstrip("/")
    return {
        "docs": base + DOCS_PATH,
        "openapi": base + OPENAPI_PATH,
        "providers": base + "/providers",
    }


@router.get("/")
def home(request: Request) -> Response:
    """HTML for a browser, JSON for anything else (curl, scripts)."""
    links = _links(request)
    if "text/html" not in request.headers.get("accept", ""):
        return json_response(
            {"name": "finch-sandbox", "version": __version__, "about": ABOUT, "links": links}
        )
    items = "".join(
        f'<li><a href="{escape(url)}">{escape(label)}</a> <code>{escape(url)}</code></li>'
        for label, url in (
            ("API docs (Swagger UI)", links["docs"]),
            ("OpenAPI document", links["openapi"]),
            ("Provider list", links["providers"]),
        )
    )
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>finch-sandbox {escape(__version__)}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:3em auto;"
        "padding:0 1em}code{color:#555}</style></head><body>"
        f"<h1>finch-sandbox {escape(__version__)}</h1><p>{escape(ABOUT)}</p><ul>{items}</ul>"
        "</body></html>"
    )
    return HTMLResponse(page)


@router.get(DOCS_PATH)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=OPENAPI_PATH,
        title="finch-sandbox API docs",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
    )
