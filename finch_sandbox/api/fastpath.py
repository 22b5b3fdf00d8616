"""Answers repeated reads from prepared bytes, in front of FastAPI's routing and threadpool.

The synced side of a connection changes only when a sync publishes, and its status, tokens
and jobs only through a handful of writes; each of those marks the connection changed in its
unit of work, which moves the connection's stamp (storage/changes.py, storage/tracking.py). So a successful answer to a read, captured once
from the full app, can be replayed byte for byte to the same token asking the same question
until the connection's stamp moves. Only the plain success case is replayed: first requests,
errors and everything else go through the full app, which owns every rule.

POST /sandbox/jobs is a write, not a read, but while a job is already running for the
connection its answer is that job: that case is answered here too, from the service's record.

When a stamp moves, every client of that connection misses at the same moment; the token
lookup, each answer's capture and the enqueue are then done once for the burst (api/flights.py).
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio.to_thread
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finch_sandbox.api.deps import Edge
from finch_sandbox.api.enqueues import enqueue_body
from finch_sandbox.api.flights import Flights
from finch_sandbox.api.principals import bearer_token
from finch_sandbox.services.principal import Principal

# Reads whose answer depends only on the token, the request and the connection's state.
CACHEABLE_GET = frozenset(
    {
        "/employer/company",
        "/employer/directory",
        "/employer/payment",
        "/employer/pay-groups",
        "/employer/documents",
        "/employer/pay-statement-item",
        "/employer/pay-statement-item/rule",
        "/introspect",
    }
)
CACHEABLE_POST = frozenset(
    {"/employer/individual", "/employer/employment", "/employer/pay-statement"}
)
JOB_PREFIX = "/jobs/automated/"
SANDBOX_JOB_BODY = {"type": "data_sync_all"}
MAX_CACHED_BODY = 8 * 1024 * 1024


class FastPath:
    def __init__(self, app: ASGIApp, *, edge: Edge) -> None:
        self.app = app
        self.edge = edge
        self.services = edge.services
        self.caches = edge.caches
        self.flights = Flights()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        path = scope["path"]
        if method == "GET" and (path in CACHEABLE_GET or _is_job_path(path)):
            await self._replay_or_capture(scope, receive, send, b"")
        elif method == "POST" and path in CACHEABLE_POST:
            await self._replay_or_capture(scope, receive, send, await _read_body(receive))
        elif method == "POST" and path == "/sandbox/jobs":
            await self._sandbox_job(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _replay_or_capture(
        self, scope: Scope, receive: Receive, send: Send, body: bytes
    ) -> None:
        seen: dict[str, int] = {}
        token, principal = await self._principal_or_forward(scope, receive, send, body, seen)
        if principal is None:
            return
        key = (scope["method"], scope["path"], scope["query_string"], token, body, _host(scope))
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
            # The stamp is taken before the app reads anything, so a write that lands
            # meanwhile leaves this capture stale rather than wrong.
            stamp = self.caches.tracker.stamp(principal.connection_id)
            captured = _Captured()
            await self.app(scope, _replay(body, receive), captured.tee(send))
            if captured.cacheable:
                responses.put(key, principal.connection_id, stamp, captured)

        hit = await self.flights.look_or_lead(key, look, capture)
        if hit is not None:
            await hit.send(send)

    async def _sandbox_job(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        if not _is_data_sync_body(body):
            await self.app(scope, _replay(body, receive), send)
            return
        seen: dict[str, int] = {}
        _, principal = await self._principal_or_forward(scope, receive, send, body, seen)
        if principal is None:
            return
        cached_enqueue = self.edge.enqueues.cached
        result = cached_enqueue(principal, seen)
        if result is None:
            # One enqueue per connection goes to the database at a time; the ones that waited
            # usually find the job it made (or found) active, which is the answer they would
            # have got one after another.
            result = await self.flights.look_or_lead(
                ("enqueue", principal.connection_id),
                lambda: cached_enqueue(principal),
                lambda: self.app(scope, _replay(body, receive), send),
            )
        if result is not None:
            payload = orjson.dumps(enqueue_body(result, self._base_url(scope)))
            await _Captured.of(payload).send(send)

    async def _principal_or_forward(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, seen: dict[str, int]
    ) -> tuple[str, Principal | None]:
        """The caller's principal, from the cache or looked up once for a burst of callers
        with the same token. Without one (a bad token, a lookup that could not be cached), the
        request goes to the full app, which answers it, and None comes back."""
        token = bearer_token(scope["headers"])
        principals = self.caches.principals
        principal = principals.get(token, seen) if token else None
        if token and principal is None:

            async def authenticate() -> None:
                # Only the lookup is shared, not the leader's request: the others should not
                # wait on a slow report it happens to be asking for.
                with contextlib.suppress(Exception):  # the full app answers failures itself
                    await anyio.to_thread.run_sync(self.edge.authenticator.authenticate, token)

            # Looks after a wait read the stamp afresh: the leader's fill is newer than `seen`.
            found = await self.flights.look_or_lead(
                ("token", token), lambda: principals.get(token), authenticate
            )
            principal = found if found is not None else principals.get(token)
        if principal is None:
            await self.app(scope, _replay(body, receive), send)
        return token or "", principal

    def _base_url(self, scope: Scope) -> str:
        configured = self.services.settings.public_url
        if configured:
            return configured
        return f"{scope.get('scheme', 'http')}://{_host(scope)}/"


class _Captured:
    """A successful answer, kept to be sent again."""

    __slots__ = ("body", "cacheable", "chunks", "headers", "status")

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[Any] = []
        self.chunks: list[bytes] = []
        self.body = b""
        self.cacheable = False

    @classmethod
    def of(cls, body: bytes) -> _Captured:
        captured = cls()
        captured.status = 200
        captured.headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        captured.body = body
        return captured

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
                self.chunks.append(chunk)
                if not message.get("more_body", False):
                    self.body = b"".join(self.chunks)
                    self.chunks = []
                    self.cacheable = self.status == 200 and size <= MAX_CACHED_BODY
            await send(message)

        return tee_send

    async def send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


def _is_job_path(path: str) -> bool:
    return path.startswith(JOB_PREFIX) and "/" not in path[len(JOB_PREFIX) :]


def _host(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            return str(value.decode("latin-1"))
    server = scope.get("server") or ("127.0.0.1", 80)
    return f"{server[0]}:{server[1]}"


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


def _is_data_sync_body(raw: bytes) -> bool:
    try:
        return bool(orjson.loads(raw) == SANDBOX_JOB_BODY)
    except orjson.JSONDecodeError:
        return False
