"""The webhook delivery loop: its own thread and its own small pool of POSTing threads, so a
slow or dead receiver holds up neither API requests nor the job worker.

It claims due deliveries under a lease (services/webhooks.py keeps the books), POSTs each
signed as Finch signs, and settles the attempt. It sleeps until the next delivery is due on
the sandbox clock, and wakes at once when a commit writes deliveries or the clock is moved.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from finch_sandbox import __version__
from finch_sandbox.clock import Clock, read_scope, wall_time
from finch_sandbox.services.signing import signature_header
from finch_sandbox.services.webhooks import ClaimedDelivery, WebhookService

if TYPE_CHECKING:
    # Imported when the first webhook is sent: httpx's import pulls in its CLI (rich,
    # pygments), a quarter of a second that a server start should not pay for.
    import httpx

log = logging.getLogger(__name__)

POST_THREADS = 4
POST_TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0
POLL_INTERVAL = 0.5


class WebhookDeliverer:
    def __init__(
        self,
        webhooks: WebhookService,
        clock: Clock,
        *,
        transport: httpx.BaseTransport | None = None,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self._webhooks = webhooks
        self._clock = clock
        self._poll = poll_interval
        self._wake = webhooks.wake
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(POST_THREADS, thread_name_prefix="finch-sandbox-webhook")
        self._transport = transport
        self._http: httpx.Client | None = None
        self._http_lock = threading.Lock()
        self._busy: set[int] = set()
        self._busy_lock = threading.Lock()
        self._stop_listening = clock.on_move(self._wake.set)
        self.owner = f"{os.getpid()}-wh-{uuid.uuid4().hex[:12]}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="finch-sandbox-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Leave the loop; POSTs in flight finish (or time out). Unsettled deliveries stay
        claimed only until their lease runs out, then any worker takes them again."""
        self._stop.set()
        self._stop_listening()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._http is not None:
            self._http.close()

    def run(self) -> None:
        while not self._stop.is_set():
            # Each pass sees the clock as it stands, whichever process moved it.
            with read_scope():
                try:
                    self.run_once()
                except Exception:
                    log.exception("webhook delivery pass failed")
                sleep = self._sleep_time()
            self._wake.wait(sleep)
            self._wake.clear()

    def run_once(self) -> int:
        """Claim what is due (as many as there are free POST threads) and hand it out."""
        with self._busy_lock:
            free = POST_THREADS - len(self._busy)
            busy = tuple(self._busy)
        if free <= 0:
            return 0
        claimed = self._webhooks.claim_due(self.owner, free, busy=busy)
        for delivery in claimed:
            with self._busy_lock:
                self._busy.add(delivery.delivery_id)
            self._pool.submit(self._deliver, delivery)
        return len(claimed)

    def _deliver(self, delivery: ClaimedDelivery) -> None:
        try:
            status, latency_ms, error = self.post(delivery)
            self._webhooks.settle(
                delivery, owner=self.owner, status_code=status, latency_ms=latency_ms, error=error
            )
        except Exception:
            log.exception("webhook delivery %s failed to settle", delivery.delivery_id)
        finally:
            with self._busy_lock:
                self._busy.discard(delivery.delivery_id)
            self._wake.set()

    def post(self, delivery: ClaimedDelivery) -> tuple[int | None, int, str | None]:
        """One signed POST: (status code or None, latency in ms, error text or None)."""
        import httpx

        # The timestamp is the receiver's kind of time (wall time), not the sandbox clock: the
        # SDKs reject signatures more than 5 minutes from their own clock.
        timestamp = int(wall_time().timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": f"finch-sandbox/{__version__}",
            "finch-event-id": delivery.event_id,
            "finch-timestamp": str(timestamp),
            "finch-signature": signature_header(
                delivery.secrets, delivery.event_id, timestamp, delivery.body
            ),
        }
        started = time.monotonic()
        try:
            response = self._client().post(delivery.url, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            return None, _ms(started), f"{type(exc).__name__}: {exc}"[:500]
        return response.status_code, _ms(started), None

    def _client(self) -> httpx.Client:
        with self._http_lock:
            if self._http is None:
                import httpx

                timeout = httpx.Timeout(POST_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
                self._http = httpx.Client(timeout=timeout, transport=self._transport)
            return self._http

    def _sleep_time(self) -> float:
        next_due = self._webhooks.next_due_at()
        if next_due is None:
            return self._poll
        until = (next_due - self._clock.now()).total_seconds()
        return max(0.0, min(self._poll, until))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
