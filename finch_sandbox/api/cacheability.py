"""How each route's answers may be reused, declared where the route is declared.

Every route carries one of two declarations, put right under its `@router.<method>(...)`:

    @router.get("/employer/directory")
    @reads(cached=True)
    def get_directory(...): ...

    @router.put("/sandbox/company")
    @writes()
    def update_company(...): ...

- `reads(cached=False)`: changes nothing. `cached=True`: a 200 answer may be replayed byte for
  byte to the same bearer token asking the same question (method, path, query, body and the
  `vary` headers) until the connection it belongs to changes (its stamp moves; see
  storage/changes.py). Only bearer-authenticated routes can be cached.
- `writes()`: may change what some caller sees. Its service marks what it changed through the
  unit of work; nothing else is needed for caches to stay true. `replay=True`: a repeat of
  the same request, while the connection has not changed since the write's own change, gets
  the same answer (POST /sandbox/jobs while its job is running); `replay_if` narrows that per
  caller.

`vary` names every request header, besides the bearer token, that can change a cached answer
(`host` for answers holding URLs built from the base URL; `content-type` where a body is
parsed). `period` adds a value that bounds the answer in time (a quota window).

The fast path (api/fastpath.py) is built from these declarations and the app's own routes;
tests/api/test_coherence.py fails for any route without one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from finch_sandbox.services import Services
    from finch_sandbox.services.principal import Principal

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__finch_route_policy__"


@dataclass(frozen=True, slots=True)
class RoutePolicy:
    writes: bool
    cached: bool = False
    vary: tuple[str, ...] = ()
    replay_if: Callable[[Principal], bool] | None = None
    period: Callable[[Services], Hashable] | None = None

    def __post_init__(self) -> None:
        lowered = tuple(name.lower() for name in self.vary)
        object.__setattr__(self, "vary", lowered)


def _declare(policy: RoutePolicy) -> Callable[[F], F]:
    def mark(endpoint: F) -> F:
        setattr(endpoint, ATTRIBUTE, policy)
        return endpoint

    return mark


def reads(
    *,
    cached: bool = False,
    vary: tuple[str, ...] = (),
    period: Callable[[Services], Hashable] | None = None,
) -> Callable[[F], F]:
    return _declare(RoutePolicy(writes=False, cached=cached, vary=vary, period=period))


def writes(
    *,
    replay: bool = False,
    vary: tuple[str, ...] = (),
    replay_if: Callable[[Principal], bool] | None = None,
    period: Callable[[Services], Hashable] | None = None,
) -> Callable[[F], F]:
    return _declare(
        RoutePolicy(writes=True, cached=replay, vary=vary, replay_if=replay_if, period=period)
    )


def policy_of(endpoint: Callable[..., Any]) -> RoutePolicy | None:
    found = getattr(endpoint, ATTRIBUTE, None)
    return found if isinstance(found, RoutePolicy) else None


def flat_routes(routes: Iterable[BaseRoute]) -> list[BaseRoute]:
    """The app's routes in the order the router tries them. Recent FastAPI keeps each included
    router as one lazy route; its routes are taken out of it (our routers have no prefix, so
    each keeps its own path)."""
    out: list[BaseRoute] = []
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is None:
            out.append(route)
            continue
        for context in contexts():
            original = context.original_route
            if getattr(context, "path", "") not in ("", getattr(original, "path", None)):
                raise RuntimeError(f"routers are included without a prefix: {context.path}")
            out.append(context.starlette_route or original)
    return out
