"""The emulator's control plane, under /_finch-sandbox/ (no Finch path can start so), for the
application's own client credentials (HTTP Basic): webhook endpoints, the signing secret,
the delivery log and replays, the sandbox clock, and scenarios (fixed tokens and ids)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from finch_sandbox.api.cacheability import reads, writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import ClientAuth, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.control import (
    ClockAdvanceParams,
    ClockFreezeParams,
    EndpointCreateParams,
    ScenarioParams,
    SecretRotateParams,
)
from finch_sandbox.services.clock_control import ClockControl, ClockState
from finch_sandbox.services.webhooks import Endpoint, EventLog

PREFIX = "/_finch-sandbox"

# No router prefix (api/cacheability.flat_routes wants each route to keep its own path).
router = DeclaredRouter(tags=["Control plane"], dependencies=[ClientAuth])


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _endpoint(endpoint: Endpoint) -> dict[str, Any]:
    return {"id": endpoint.id, "url": endpoint.url, "created_at": _iso(endpoint.created_at)}


def _event(event: EventLog) -> dict[str, Any]:
    return {
        "id": event.id,
        "event_type": event.event_type,
        "connection_id": event.connection_id,
        "created_at": _iso(event.created_at),
        "payload": event.payload,
        "deliveries": [
            {
                "id": d.id,
                "endpoint_id": d.endpoint_id,
                "url": d.url,
                "status": d.status,
                "next_attempt_at": _iso(d.next_attempt_at),
                "last_status_code": d.last_status_code,
                "delivered_at": _iso(d.delivered_at),
                "attempts": [
                    {
                        "attempted_at": _iso(a.attempted_at),
                        "status_code": a.status_code,
                        "latency_ms": a.latency_ms,
                        "error": a.error,
                        "next_attempt_at": _iso(a.next_attempt_at),
                    }
                    for a in d.attempts
                ],
            }
            for d in event.deliveries
        ],
    }


def _clock(state: ClockState) -> dict[str, Any]:
    return {
        "now": _iso(state.now),
        "frozen": state.frozen,
        # Frozen, it has no fixed distance from wall time.
        "offset_seconds": None if state.frozen else round(state.offset.total_seconds(), 3),
    }


# --- webhook endpoints and secret ---------------------------------------------------------


@router.get(PREFIX + "/webhooks/endpoints")
@reads()
def list_endpoints(services: ServicesDep) -> Response:
    return json_response({"endpoints": [_endpoint(e) for e in services.webhooks.endpoints()]})


@router.post(PREFIX + "/webhooks/endpoints")
@writes()
def add_endpoint(body: EndpointCreateParams, services: ServicesDep) -> Response:
    return json_response(_endpoint(services.webhooks.add_endpoint(body.url)), 201)


@router.delete(PREFIX + "/webhooks/endpoints/{endpoint_id}")
@writes()
def remove_endpoint(endpoint_id: str, services: ServicesDep) -> Response:
    services.webhooks.remove_endpoint(endpoint_id)
    return json_response({"id": endpoint_id, "deleted": True})


@router.get(PREFIX + "/webhooks/secret")
@reads()
def get_secret(services: ServicesDep) -> Response:
    secrets = services.webhooks.secrets()
    return json_response({"secret": secrets[0] if secrets else None, "previous": secrets[1:]})


@router.post(PREFIX + "/webhooks/secret/rotate")
@writes()
def rotate_secret(body: SecretRotateParams, services: ServicesDep) -> Response:
    secret = services.webhooks.rotate_secret(body.secret, grace_seconds=body.grace_seconds)
    return json_response({"secret": secret, "previous": services.webhooks.secrets()[1:]})


# --- the delivery log -------------------------------------------------------------------------


@router.get(PREFIX + "/webhooks/events")
@reads()
def list_events(
    services: ServicesDep,
    connection_id: str | None = None,
    event_type: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Response:
    events = services.webhooks.events(
        connection_id=connection_id, event_type=event_type, limit=limit, offset=offset
    )
    return json_response({"events": [_event(e) for e in events]})


@router.post(PREFIX + "/webhooks/events/{event_id}/replay")
@writes()
def replay_event(event_id: str, services: ServicesDep) -> Response:
    services.webhooks.replay(event_id)
    return json_response({"id": event_id, "replayed": True}, 202)


# --- the sandbox clock ------------------------------------------------------------------------


@router.get(PREFIX + "/clock")
@reads()
def get_clock(services: ServicesDep) -> Response:
    return json_response(_clock(ClockControl(services.clock).state()))


@router.post(PREFIX + "/clock/advance")
@writes()
def advance_clock(body: ClockAdvanceParams, services: ServicesDep) -> Response:
    return json_response(_clock(ClockControl(services.clock).advance(body.seconds)))


@router.post(PREFIX + "/clock/freeze")
@writes()
def freeze_clock(body: ClockFreezeParams, services: ServicesDep) -> Response:
    return json_response(_clock(ClockControl(services.clock).freeze(body.at)))


@router.post(PREFIX + "/clock/unfreeze")
@writes()
def unfreeze_clock(services: ServicesDep) -> Response:
    return json_response(_clock(ClockControl(services.clock).unfreeze()))


@router.post(PREFIX + "/clock/reset")
@writes()
def reset_clock(services: ServicesDep) -> Response:
    return json_response(_clock(ClockControl(services.clock).reset()))


# --- scenarios ----------------------------------------------------------------------------


@router.post(PREFIX + "/scenario")
@writes()
def apply_scenario(services: ServicesDep, body: ScenarioParams) -> Response:
    """Create the scenario's connections afresh (services/scenarios.py)."""
    applied = services.scenarios.apply([c.declared() for c in body.connections])
    return json_response({"connections": applied}, status_code=201)
