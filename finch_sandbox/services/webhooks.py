"""Webhooks: domain events -> outbox rows (in the writer's transaction), payloads as Finch
sends them (behavior.md §5.3), endpoints and secrets, and delivery bookkeeping for the worker.

Delivery follows Finch's schedule on the sandbox clock: the first attempt at once, then after
5 s, 5 min, 30 min and 2 h; a delivery whose fifth attempt fails is `failed`. One event keeps
its `finch-event-id` across every attempt and replay (receivers dedupe on it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from finch_sandbox.clock import Clock
from finch_sandbox.errors import BadRequest, NotFound
from finch_sandbox.ids import new_event_id, new_uuid, new_webhook_secret
from finch_sandbox.services.events import (
    AccountUpdated,
    DataChanged,
    InitialSyncSucceeded,
    JobCompleted,
)
from finch_sandbox.services.signing import check_secret
from finch_sandbox.settings import Settings
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.models import WebhookAttempt, WebhookEndpoint
from finch_sandbox.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, 4th and 5th attempts (the 1st is at once).
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = 1 + len(RETRY_DELAYS)
# How long a rotated-out secret still signs (Finch keeps the old one ~24 h).
DEFAULT_GRACE = timedelta(hours=24)
# A claimed delivery whose worker is silent this long (sandbox time) may be taken again.
DELIVERY_LEASE = timedelta(minutes=1)
EVENTS_MAX_LIMIT = 500
# The domain events that become webhook events.
WEBHOOK_SOURCES = (JobCompleted, InitialSyncSucceeded, DataChanged, AccountUpdated)


def next_attempt_delay(attempts_made: int) -> timedelta | None:
    """After `attempts_made` failed attempts, the wait before the next; None: give up."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    return RETRY_DELAYS[attempts_made - 1]


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    endpoint_id: str
    url: str
    status: str
    next_attempt_at: datetime | None
    last_status_code: int | None
    delivered_at: datetime | None
    attempts: tuple[Attempt, ...]


@dataclass(frozen=True, slots=True)
class EventLog:
    id: str
    connection_id: str | None
    event_type: str
    created_at: datetime
    payload: dict[str, Any]
    deliveries: tuple[Delivery, ...]


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """What the worker needs for one POST."""

    delivery_id: int
    event_id: str
    url: str
    body: bytes
    secrets: tuple[str, ...]


def event_body(payload: dict[str, Any]) -> bytes:
    """The POSTed body: compact and key-sorted, so it is the same on every attempt whatever
    the database did to the document's key order."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


class WebhookService:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        # Set after a commit that wrote deliveries, so an in-process delivery loop looks at once.
        self.wake = threading.Event()

    # --- the outbox hook --------------------------------------------------------------------

    def install(self) -> None:
        """Write the webhook events of every unit of work in its own transaction. One outbox
        per database: a later service built on the same database replaces an earlier one's
        hook (two would write every event twice)."""
        hooks = self._db.hooks.before_commit
        hooks[:] = [
            h for h in hooks if not isinstance(getattr(h, "__self__", None), WebhookService)
        ]
        hooks.append(self.write_outbox)

    def write_outbox(
        self, uow: UnitOfWork, _changed: frozenset[str], events: tuple[object, ...]
    ) -> None:
        ours = [e for e in events if isinstance(e, WEBHOOK_SOURCES)]
        if not ours:
            return
        repo = uow.webhooks
        endpoints = repo.endpoints()
        now = self._clock.now()
        contexts: dict[str, tuple[str, str, str | None, str | None] | None] = {}
        for domain_event in ours:
            cid = domain_event.connection_id
            if cid not in contexts:
                contexts[cid] = repo.connection_context(cid)
            context = contexts[cid]
            if context is None:  # the connection is gone
                continue
            company_id, entity_id, account_id, auth_type = context
            event_type, data = self._describe(domain_event, auth_type or "credential")
            repo.add_event(
                event_id=new_event_id(),
                connection_id=cid,
                event_type=event_type,
                payload={
                    # Deprecated by Finch; before the first account exists, the connection's id.
                    "account_id": account_id or cid,
                    "company_id": company_id,
                    "connection_id": cid,
                    "entity_id": entity_id,
                    "event_type": event_type,
                    "data": data,
                },
                now=now,
                endpoints=endpoints,
            )
        if endpoints:
            sa_event.listen(uow.session, "after_commit", self._committed, once=True)

    def _committed(self, _session: Session) -> None:
        self.wake.set()

    def _describe(self, event: object, auth_type: str) -> tuple[str, dict[str, Any] | None]:
        if isinstance(event, JobCompleted):
            kind = "manual" if event.job_kind == "manual" else "automated"
            data = {"job_id": event.job_id, "job_url": self._job_url(kind, event.job_id)}
            return f"job.{event.job_type}.completed", data
        if isinstance(event, InitialSyncSucceeded):
            data = {"job_id": event.job_id, "job_url": self._job_url("automated", event.job_id)}
            return f"job.initial_data_sync_{event.scope}.succeeded", data
        if isinstance(event, AccountUpdated):
            method = {"type": event.authentication_type or auth_type}
            return "account.updated", {"status": event.status, "authentication_method": method}
        assert isinstance(event, DataChanged)
        return event.event_type, event.data

    def _job_url(self, kind: str, job_id: str) -> str:
        base = self._settings.public_url or f"http://{self._settings.host}:{self._settings.port}"
        return f"{base.rstrip('/')}/jobs/{kind}/{job_id}"

    # --- start-up ---------------------------------------------------------------------------

    def setup(self) -> str | None:
        """Register the endpoints and the secret the settings name. Returns the secret if one
        had to be generated (nobody knows it yet: the caller prints it)."""
        urls = [u.strip() for u in self._settings.webhook_urls.split(",") if u.strip()]
        for url in urls:
            self.add_endpoint(url)
        wanted = self._settings.webhook_secret
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            current = uow.webhooks.current_secret()
            generated = None
            if wanted is not None and wanted != current:
                # A secret changed in the settings replaces the old one outright.
                uow.webhooks.replace_secret(wanted, now, old_expires_at=now)
            elif wanted is None and current is None:
                generated = new_webhook_secret()
                uow.webhooks.replace_secret(generated, now, old_expires_at=now)
            uow.commit()
        return generated

    # --- endpoints --------------------------------------------------------------------------

    def add_endpoint(self, url: str) -> Endpoint:
        """Register a URL (again: answers the one already registered)."""
        _check_url(url)
        with UnitOfWork(self._db, write=True) as uow:
            found = uow.webhooks.endpoint_by_url(url)
            if found is None:
                found = WebhookEndpoint(id=new_uuid(), url=url, created_at=self._clock.now())
                uow.webhooks.add_endpoint(found)
                uow.commit()
            return _endpoint(found)

    def endpoints(self) -> list[Endpoint]:
        with UnitOfWork(self._db) as uow:
            return [_endpoint(e) for e in uow.webhooks.endpoints()]

    def remove_endpoint(self, endpoint_id: str) -> None:
        with UnitOfWork(self._db, write=True) as uow:
            if not uow.webhooks.remove_endpoint(endpoint_id):
                raise NotFound(f"could not find webhook endpoint with id '{endpoint_id}'")
            uow.commit()

    # --- secrets ----------------------------------------------------------------------------

    def secrets(self) -> list[str]:
        """The secrets that sign now, current first."""
        with UnitOfWork(self._db) as uow:
            return uow.webhooks.valid_secrets(self._clock.now())

    def rotate_secret(
        self, secret: str | None = None, *, grace_seconds: float | None = None
    ) -> str:
        """A new current secret; the old one keeps signing (both signatures are sent) for the
        grace period, 24 h unless told otherwise."""
        if secret is not None:
            try:
                check_secret(secret)
            except ValueError as exc:
                raise BadRequest(f"[body:secret]: {exc}") from exc
        if grace_seconds is not None and grace_seconds < 0:
            raise BadRequest("[body:grace_seconds]: must be 0 or more")
        grace = DEFAULT_GRACE if grace_seconds is None else timedelta(seconds=grace_seconds)
        new = secret or new_webhook_secret()
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            uow.webhooks.replace_secret(new, now, old_expires_at=now + grace)
            uow.commit()
        return new

    # --- the log ----------------------------------------------------------------------------

    def events(
        self,
        *,
        connection_id: str | None = None,
        event_type: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[EventLog]:
        """Newest first, with every delivery and attempt."""
        limit = 100 if limit is None else limit
        offset = 0 if offset is None else offset
        if not 1 <= limit <= EVENTS_MAX_LIMIT:
            raise BadRequest(f"[query:limit]: must be between 1 and {EVENTS_MAX_LIMIT}")
        if offset < 0:
            raise BadRequest("[query:offset]: must be 0 or more")
        with UnitOfWork(self._db) as uow:
            repo = uow.webhooks
            rows = repo.events(
                connection_id=connection_id, event_type=event_type, limit=limit, offset=offset
            )
            deliveries = repo.deliveries_of([r.seq for r in rows])
            attempts = repo.attempts_of([d.id for d in deliveries])
        by_delivery: dict[int, list[Attempt]] = {}
        for a in attempts:
            by_delivery.setdefault(a.delivery_id, []).append(
                Attempt(a.attempted_at, a.status_code, a.latency_ms, a.error, a.next_attempt_at)
            )
        by_event: dict[int, list[Delivery]] = {}
        for d in deliveries:
            by_event.setdefault(d.event_seq, []).append(
                Delivery(
                    d.id,
                    d.endpoint_id,
                    d.url,
                    d.status,
                    d.next_attempt_at if d.status == "pending" else None,
                    d.last_status_code,
                    d.delivered_at,
                    tuple(by_delivery.get(d.id, ())),
                )
            )
        return [
            EventLog(
                r.id,
                r.connection_id,
                r.event_type,
                r.created_at,
                r.payload,
                tuple(by_event.get(r.seq, ())),
            )
            for r in rows
        ]

    def replay(self, event_id: str) -> None:
        """Send the event again, now, to every endpoint (same event id, fresh schedule)."""
        with UnitOfWork(self._db, write=True) as uow:
            found = uow.webhooks.event(event_id)
            if found is None:
                raise NotFound(f"could not find webhook event with id '{event_id}'")
            endpoints = uow.webhooks.endpoints()
            uow.webhooks.restart_deliveries(found.seq, self._clock.now(), endpoints)
            uow.commit()
        self.wake.set()

    # --- the worker's side ------------------------------------------------------------------

    def claim_due(
        self, owner: str, limit: int, *, busy: Sequence[int] = ()
    ) -> list[ClaimedDelivery]:
        """Take up to `limit` due deliveries under a lease (none of those in `busy`)."""
        now = self._clock.now()
        claimed: list[ClaimedDelivery] = []
        with UnitOfWork(self._db) as uow:
            if not uow.webhooks.due_deliveries(now, 1, lock=False):
                return []  # nothing due: no write transaction (and no write lock)
        with UnitOfWork(self._db, write=True) as uow:
            repo = uow.webhooks
            secrets = tuple(repo.valid_secrets(now))
            for delivery_id in repo.due_deliveries(now, limit + len(busy)):
                if len(claimed) >= limit:
                    break
                if delivery_id in busy:
                    continue
                if not repo.claim(
                    delivery_id, owner=owner, now=now, lease_until=now + DELIVERY_LEASE
                ):
                    continue
                found = repo.delivery_with_event(delivery_id)
                assert found is not None
                delivery, event = found
                claimed.append(
                    ClaimedDelivery(
                        delivery_id, event.id, delivery.url, event_body(event.payload), secrets
                    )
                )
            uow.commit()
        return claimed

    def settle(
        self,
        claimed: ClaimedDelivery,
        *,
        owner: str,
        status_code: int | None,
        latency_ms: int,
        error: str | None,
    ) -> None:
        """Log the attempt; the delivery is delivered (2xx), due again later, or failed."""
        now = self._clock.now()
        ok = status_code is not None and 200 <= status_code < 300
        with UnitOfWork(self._db, write=True) as uow:
            repo = uow.webhooks
            found = repo.delivery_with_event(claimed.delivery_id)
            if found is None:  # its endpoint was removed meanwhile
                return
            delivery = found[0]
            attempts = delivery.attempts + 1
            values: dict[str, Any] = {"attempts": attempts, "last_status_code": status_code}
            next_at: datetime | None = None
            if ok:
                values.update(status="delivered", delivered_at=now, next_attempt_at=None)
            else:
                delay = next_attempt_delay(attempts)
                if delay is None:
                    values.update(status="failed", next_attempt_at=None)
                else:
                    next_at = now + delay
                    values.update(status="pending", next_attempt_at=next_at)
            repo.add_attempt(
                WebhookAttempt(
                    delivery_id=claimed.delivery_id,
                    attempted_at=now,
                    status_code=status_code,
                    latency_ms=latency_ms,
                    error=error,
                    next_attempt_at=next_at,
                )
            )
            if not repo.settle(claimed.delivery_id, owner=owner, values=values):
                # Another worker took it over (our lease ran out): its outcome counts, but
                # this attempt was made and stays in the log.
                log.info("webhook delivery %s was taken over", claimed.delivery_id)
            uow.commit()

    def next_due_at(self) -> datetime | None:
        with UnitOfWork(self._db) as uow:
            return uow.webhooks.next_due_at()


def _endpoint(row: WebhookEndpoint) -> Endpoint:
    return Endpoint(row.id, row.url, row.created_at)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest(f"[body:url]: {url!r} is not an http(s) URL")
