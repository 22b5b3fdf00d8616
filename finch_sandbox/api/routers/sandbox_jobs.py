"""POST /sandbox/jobs and GET/PUT /sandbox/jobs/configuration."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from finch_sandbox.api.deps import CurrentPrincipal, EdgeDep, ServicesDep
from finch_sandbox.api.enqueues import enqueue_body
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.routers.jobs import base_url
from finch_sandbox.api.schemas.common import WireModel

router = APIRouter(tags=["Sandbox"])


class SandboxJobCreateParams(WireModel):
    type: Literal["data_sync_all"]


class SandboxJobConfiguration(WireModel):
    type: Literal["data_sync_all"]
    completion_status: Literal["complete", "reauth_error", "permissions_error", "error"]


@router.post("/sandbox/jobs")
def create_sandbox_job(
    body: SandboxJobCreateParams,
    request: Request,
    principal: CurrentPrincipal,
    edge: EdgeDep,
) -> Response:
    """Analogous to POST /jobs/automated, but always 200, and assisted connections are synced
    on the spot (no job: `job_id` and `job_url` are null)."""
    if principal.is_assisted:
        result = edge.services.sync_jobs.sync_assisted(principal)
    else:
        result = edge.enqueues.cached(principal) or edge.enqueues.enqueue(principal)
    return json_response(enqueue_body(result, base_url(request, edge.services)))


@router.get("/sandbox/jobs/configuration")
def get_configuration(principal: CurrentPrincipal, services: ServicesDep) -> Response:
    status = services.sync_jobs.configuration(principal)
    return json_response([{"type": "data_sync_all", "completion_status": status}])


@router.put("/sandbox/jobs/configuration")
def put_configuration(
    body: SandboxJobConfiguration, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    status = services.sync_jobs.configure(principal, body.completion_status)
    return json_response({"type": "data_sync_all", "completion_status": status})
