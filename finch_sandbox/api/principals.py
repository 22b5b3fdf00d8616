"""Who is calling: the one bearer-token parser, and token lookups cached per connection stamp.

Both the routes (through `api/deps.py`) and the fast path resolve callers here, so a token is
parsed one way and a resolved token is trusted for exactly as long as its connection is
unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

from finch_sandbox.api.caches import PRINCIPAL_BYTES, Caches
from finch_sandbox.services.connections import ConnectionService
from finch_sandbox.services.principal import Principal

Headers = Iterable[tuple[bytes, bytes]]


def authorization(headers: Headers) -> tuple[str, str] | None:
    """(scheme in lower case, credentials) of the Authorization header, None without one."""
    for name, value in headers:
        if name == b"authorization":
            text = value.decode("latin-1")
            scheme, _, credentials = text.partition(" ")
            return scheme.lower(), credentials.strip()
    return None


def bearer_token(headers: Headers) -> str | None:
    """The access token of a `Bearer` Authorization header; None if there is none."""
    found = authorization(headers)
    if found is None or found[0] != "bearer" or not found[1]:
        return None
    return found[1]


class Authenticator:
    """Resolves access tokens through the connection service, caching each principal under
    the stamp its connection had when it was read."""

    def __init__(self, connections: ConnectionService, caches: Caches) -> None:
        self._connections = connections
        self._caches = caches

    def cached(self, token: str, seen: dict[str, int] | None = None) -> Principal | None:
        return self._caches.principals.get(token, seen)

    def authenticate(self, token: str) -> Principal:
        """The token's principal; raises InvalidToken for unknown and disconnected tokens."""
        cached = self._caches.principals.get(token)
        if cached is not None:
            return cached
        tracker = self._caches.tracker
        begun = tracker.begin()
        principal = self._connections.authenticate(token)
        stamp = tracker.fill_stamp(principal.connection_id, begun, principal.change_version)
        if stamp is not None:
            self._caches.principals.put(
                token, principal.connection_id, stamp, principal, PRINCIPAL_BYTES
            )
        return principal
