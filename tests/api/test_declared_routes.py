"""Routes declared by the routers are the app's own, each built once, by create_app."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Route

from finch_sandbox.api.cacheability import flat_routes
from finch_sandbox.api.declared_routes import DeclaredRouter, build_routes
from finch_sandbox.app import create_app
from finch_sandbox.settings import Settings
from finch_sandbox.testing import ThreadedServer


def _api_routes(app: FastAPI) -> dict[str, APIRoute]:
    return {route.path: route for route in flat_routes(app.routes) if isinstance(route, APIRoute)}


def test_every_route_is_the_apps_own_and_answers(settings: Settings) -> None:
    app = create_app(settings)
    providers = _api_routes(app)["/providers"]
    # Built by create_app for the app itself: its dependency overrides reach every route.
    assert providers.dependency_overrides_provider is app
    assert all(r.dependency_overrides_provider is app for r in _api_routes(app).values())
    with ThreadedServer(app) as server:
        answer = httpx.get(
            f"{server.base_url}/providers", headers={"Finch-API-Version": "2020-09-17"}
        )
    assert answer.status_code == 200


def test_the_router_tags_dependencies_and_schema_flag_reach_the_route() -> None:
    def hidden() -> None:
        pass

    def listed() -> None:
        pass

    app = FastAPI()
    quiet = DeclaredRouter(include_in_schema=False)
    quiet.get("/hidden")(hidden)
    tagged = DeclaredRouter(tags=["Tagged"], dependencies=[])
    tagged.get("/listed", tags=["More"])(listed)
    build_routes(app, [quiet, tagged])
    routes = _api_routes(app)
    assert routes["/hidden"].include_in_schema is False
    assert routes["/listed"].tags == ["Tagged", "More"]
    assert list(app.openapi()["paths"]) == ["/listed"]


def test_a_declared_router_takes_api_routes_only() -> None:
    router = DeclaredRouter()
    router.routes.append(Route("/plain", lambda _request: None))
    with pytest.raises(TypeError):
        router.declarations()
