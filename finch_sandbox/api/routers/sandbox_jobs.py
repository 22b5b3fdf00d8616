"""POST /sandbox/jobs and GET/PUT /sandbox/jobs/configuration."""

from __future__ import annotations

from typing import Literal

from fastapi import Request
from starlette.responses import Response

from finch_sandbox.api.cacheability import reads, writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.common import WireModel
from finch_sandbox.api.schemas.jobs import enqueue_answer
from finch_sandbox.api.urls import base_url

router = DeclaredRouter(tags=["Sandbox"])


class SandboxJobCreateParams(WireModel):
    type: Literal["data_sync_all"]


class SandboxJobConfiguration(WireModel):
    type: Literal["data_sync_all"]
    completion_status: Literal["complete", "reauth_error", "permissions_error", "error"]


@router.post("/sandbox/jobs")
@writes(
    # While the connection's job runs, asking again answers that job and uses no quota;
    # assisted connections publish on every call, so theirs is never replayed.
    replay=True,
    vary=("host", "content-type"),
    replay_if=lambda principal: not principal.is_assisted,
    period=lambda services: services.sync_jobs.quota_window(),
)
def create_sandbox_job(
    body: SandboxJobCreateParams,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    """Analogous to POST /jobs/automated, but always 200, and assisted connections are synced
    on the spot (no job: `job_id` and `job_url` are null)."""
    if principal.is_assisted:
        result = services.sync_jobs.sync_assisted(principal)
    else:
        result = services.sync_jobs.enqueue_data_sync(principal)
    return json_response(enqueue_answer(result, base_url(request, services.settings)))


@router.get("/sandbox/jobs/configuration")
@reads()
def get_configuration(principal: CurrentPrincipal, services: ServicesDep) -> Response:
    status = services.sync_jobs.configuration(principal)
    return json_response([{"type": "data_sync_all", "completion_status": status}])


@router.put("/sandbox/jobs/configuration")
@writes()
def put_configuration(
    body: SandboxJobConfiguration, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    status = services.sync_jobs.configure(principal, body.completion_status)
    return json_response({"type": "data_sync_all", "completion_status": status})
