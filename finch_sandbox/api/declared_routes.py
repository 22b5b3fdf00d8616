"""Routes declared at import and built once, by the app that serves them.

A FastAPI route is expensive to build (its dependencies analysed, a pydantic adapter per
parameter and body). A plain `APIRouter` builds each route at import, and recent FastAPI
builds it again when the router is included in the app, for the app's context. Our routers
have no prefix and the app adds nothing to them, so the first build is thrown away: about a
third of the routing work at start-up. Here the router only records what its decorators were
given (with its own tags, dependencies and schema flag merged in by FastAPI itself), and the app
builds each route once, as its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, params
from fastapi.routing import APIRoute


class DeclaredRoute(APIRoute):
    """What a route was declared with, not yet built; `DeclaredRouter` keeps these only."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        # Deliberately no super().__init__(): building is what this class puts off.
        self.path = path
        self.endpoint = endpoint
        self.options = options


class DeclaredRouter(APIRouter):
    """An APIRouter for a module's routes, declared with the usual decorators."""

    def __init__(
        self,
        *,
        tags: list[str] | None = None,
        dependencies: Sequence[params.Depends] | None = None,
        include_in_schema: bool = True,
    ) -> None:
        super().__init__(
            tags=list(tags or []),
            dependencies=dependencies,
            include_in_schema=include_in_schema,
            route_class=DeclaredRoute,
        )

    def declarations(self) -> list[DeclaredRoute]:
        found = [route for route in self.routes if isinstance(route, DeclaredRoute)]
        if len(found) != len(self.routes):
            raise TypeError("a DeclaredRouter holds API routes only")
        return found


def build_routes(app: FastAPI, routers: Iterable[DeclaredRouter]) -> None:
    """Build every declared route into the app, in order, as `app.include_router` would have
    (the app's dependency overrides apply to them; the app adds no prefix, tags or
    dependencies of its own)."""
    for router in routers:
        for declared in router.declarations():
            options = {**declared.options, "dependency_overrides_provider": app}
            app.router.routes.append(APIRoute(declared.path, declared.endpoint, **options))
