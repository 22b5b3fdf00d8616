"""A real webhook receiver on loopback: records every POST (raw body and headers) and answers
with the statuses it is told to (200 once the script runs out), optionally holding requests."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from finch import Finch

from finch_sandbox.testing import free_port


@dataclass(frozen=True)
class Received:
    body: bytes
    headers: dict[str, str]
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def event_id(self) -> str:
        return self.headers["finch-event-id"]


class Receiver:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.script: list[int] = []  # statuses to answer, in order; 200 after
        self.hold = threading.Event()  # cleared: requests wait until it is set again
        self.hold.set()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.hold.wait(30)
                with receiver._changed:
                    status = receiver.script.pop(0) if receiver.script else 200
                    receiver.received.append(
                        Received(body, {k.lower(): v for k, v in self.headers.items()}, status)
                    )
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/finch-webhooks"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.hold.set()
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, *, timeout: float = 15) -> list[Received]:
        """Block until at least `count` requests have arrived; returns all of them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} webhook requests, got {len(self.received)}: "
                        f"{[r.event.get('event_type') for r in self.received]}"
                    )
                self._changed.wait(left)
            return list(self.received)

    def quiet_for(self, seconds: float) -> list[Received]:
        """What arrived, after `seconds` in which nothing more did (to show none is missing
        or extra once the expected ones are in)."""
        with self._changed:
            seen = len(self.received)
            while True:
                self._changed.wait(seconds)
                if len(self.received) == seen:
                    return list(self.received)
                seen = len(self.received)

    def clear(self) -> None:
        with self._changed:
            self.received.clear()


def unwrap_all(received: list[Received], secret: str) -> list[dict[str, Any]]:
    """Verify every request with the official SDK (raises if any fails); their events."""
    sdk = Finch(access_token="unused")
    try:
        events = []
        for item in received:
            event = sdk.webhooks.unwrap(item.body, headers=item.headers, secret=secret)
            events.append(event.to_dict())
        return events
    finally:
        sdk.close()
