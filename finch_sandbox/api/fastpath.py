"""Answers repeated requests from prepared bytes, in front of FastAPI's routing and threadpool.

What may be replayed is declared on each route (api/cacheability.py); this module holds no
list of paths and no route's rules. It finds the route a request goes to with the routes' own
matching, and for a cached route replays a 200 answer captured from the full app to the same
bearer token asking the same question (method, path, query, body and the headers the route
declares it varies by), for as long as the connection's stamp has not moved. Every write marks
what it changed through its unit of work, which moves the stamp (storage/changes.py,
storage/tracking.py). First requests, errors and everything else go through the full app,
which owns every rule.

A write route declared `replay` (POST /sandbox/jobs) is captured the same way; the stamp it is
kept under is the one its own commit left (from the request's write log), so a repeat is
replayed only while nothing else has changed the connection since.

When a stamp moves, every client of that connection misses at the same moment; the token
lookup and each answer's capture are then done once for the burst (api/flights.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finch_sandbox.api.cacheability import RoutePolicy, policy_of
from finch_sandbox.api.deps import Edge
from finch_sandbox.api.flights import Flights
from finch_sandbox.api.principals import bearer_token
from finch_sandbox.services.principal import Principal
from finch_sandbox.storage.changes import record_writes

# Share of the response cache one answer may take: a huge answer is served, not kept.
LARGEST_SHARE = 4
# Counted beside an answer's body: its headers and the captured object.
ANSWER_OVERHEAD = 512


@dataclass(frozen=True, slots=True)
class _Cached:
    route: BaseRoute
    policy: RoutePolicy
    # Routes before this one that could take the same requests (first match wins).
    earlier: tuple[BaseRoute, ...]


class CachedRoutes:
    """The app's cached routes, found the way the router finds them (first full match)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._static: dict[tuple[str, str], _Cached] = {}
        self._dynamic: list[_Cached] = []
        for index, route in enumerate(routes):
            if not isinstance(route, APIRoute):
                continue
            policy = policy_of(route.endpoint)
            if policy is None or not policy.cached:
                continue
            entry = _Cached(route, policy, tuple(routes[:index]))
            if route.param_convertors:
                self._dynamic.append(entry)
            else:
                for method in route.methods or ():
                    probe = {"type": "http", "method": method, "path": route.path}
                    if not any(_full(e, probe) for e in entry.earlier):
                        self._static.setdefault((method, route.path), entry)

    def match(self, scope: Scope) -> _Cached | None:
        found = self._static.get((scope["method"], scope["path"]))
        if found is not None:
            return found
        for entry in self._dynamic:
            if _full(entry.route, scope):
                return None if any(_full(e, scope) for e in entry.earlier) else entry
        return None

    def __len__(self) -> int:
        return len(self._static) + len(self._dynamic)


def _full(route: BaseRoute, scope: Scope) -> bool:
    return route.matches(scope)[0] == Match.FULL


class FastPath:
    def __init__(self, app: ASGIApp, *, edge: Edge, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.edge = edge
        self.caches = edge.caches
        self.routes = CachedRoutes(routes)
        self.flights = Flights()
        self._largest = self.caches.responses.max_bytes // LARGEST_SHARE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = self.routes.match(scope) if scope["type"] == "http" else None
        if entry is None:
            await self.app(scope, receive, send)
            return
        body = b"" if scope["method"] in ("GET", "HEAD") else await _read_body(receive)
        seen: dict[str, int] = {}
        token, principal = await self._principal_or_forward(scope, receive, send, body, seen)
        if principal is None:
            return
        policy = entry.policy
        if policy.replay_if is not None and not policy.replay_if(principal):
            await self.app(scope, _replay(body, receive), send)
            return
        key = self._key(entry, scope, body, token)
        responses = self.caches.responses
        # First look under the stamp the principal was checked against: one check a request.
        first = responses.get(key, seen)
        if isinstance(first, _Captured):
            await first.send(send)
            return

        def look() -> _Captured | None:
            hit = responses.get(key)
            return hit if isinstance(hit, _Captured) else None

        async def capture() -> None:
            connection_id = principal.connection_id
            tracker = self.caches.tracker
            # Taken before the app reads anything, so a write that lands meanwhile leaves
            # this capture stale rather than wrong.
            before = tracker.stamp(connection_id)
            captured = _Captured(self._largest)
            with record_writes() as written:
                await self.app(scope, _replay(body, receive), captured.tee(send))
            if not captured.cacheable:
                return
            version = written.versions.get(connection_id)
            # A write keeps its answer under the stamp its own commit left, if nothing else
            # changed the connection since `before`.
            stamp = (
                before if version is None else tracker.written_stamp(connection_id, before, version)
            )
            if stamp is not None:
                size = len(captured.body) + ANSWER_OVERHEAD
                responses.put(key, connection_id, stamp, captured, size)

        hit = await self.flights.look_or_lead(key, look, capture)
        if hit is not None:
            await hit.send(send)

    def _key(self, entry: _Cached, scope: Scope, body: bytes, token: str) -> Hashable:
        policy = entry.policy
        varies: list[Any] = []
        if policy.vary:
            headers = dict(scope["headers"])
            varies = [headers.get(name.encode("latin-1")) for name in policy.vary]
            if "host" in policy.vary:
                # The base URL is the scheme and root path as well as the host.
                varies += [scope.get("scheme"), scope.get("root_path", "")]
        period = policy.period(self.edge.services) if policy.period is not None else None
        return (
            id(entry.route),
            scope["method"],
            scope["path"],
            scope["query_string"],
            body,
            token,
            tuple(varies),
            period,
        )

    async def _principal_or_forward(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, seen: dict[str, int]
    ) -> tuple[str, Principal | None]:
        """The caller's principal, from the cache or looked up once for a burst of callers
        with the same token. Without one (a bad token, a lookup that could not be cached), the
        request goes to the full app, which answers it, and None comes back."""
        token = bearer_token(scope["headers"])
        authenticator = self.edge.authenticator
        principal = authenticator.cached(token, seen) if token else None
        if token and principal is None:

            async def authenticate() -> None:
                # Only the lookup is shared, not the leader's request: the others should not
                # wait on a slow report it happens to be asking for.
                with contextlib.suppress(Exception):  # the full app answers failures itself
                    await anyio.to_thread.run_sync(authenticator.authenticate, token)

            # Looks after a wait read the stamp afresh: the leader's fill is newer than `seen`.
            found = await self.flights.look_or_lead(
                ("token", token), lambda: authenticator.cached(token), authenticate
            )
            principal = found if found is not None else authenticator.cached(token)
        if principal is None:
            await self.app(scope, _replay(body, receive), send)
        return token or "", principal


class _Captured:
    """A successful answer, kept to be sent again."""

    __slots__ = ("body", "cacheable", "chunks", "headers", "largest", "status")

    def __init__(self, largest: int) -> None:
        self.status = 0
        self.headers: list[Any] = []
        self.chunks: list[bytes] = []
        self.body = b""
        self.cacheable = False
        self.largest = largest

    def tee(self, send: Send) -> Send:
        size = 0

        async def tee_send(message: Message) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= self.largest:
                    self.chunks.append(chunk)
                if not message.get("more_body", False):
                    self.cacheable = self.status == 200 and size <= self.largest
                    self.body = b"".join(self.chunks) if self.cacheable else b""
                    self.chunks = []
            await send(message)

        return tee_send

    async def send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the already-read body to the app, then defers to the real one."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
