"""/jobs/automated (create, list, retrieve) and /jobs/manual/{job_id}."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from finch_sandbox.api.deps import CurrentPrincipal, EdgeDep, ServicesDep
from finch_sandbox.api.enqueues import enqueue_body
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.common import WireModel
from finch_sandbox.services import Services
from finch_sandbox.services.sync_jobs import job_wire

router = APIRouter(tags=["Management"])


class AutomatedCreateParams(WireModel):
    type: Literal["data_sync_all", "w4_form_employee_sync"]
    params: dict[str, Any] | None = None


def base_url(request: Request, services: Services) -> str:
    """Where job URLs point: the configured public URL, else the host the client called."""
    return services.settings.public_url or str(request.base_url)


@router.post("/jobs/automated")
def create_automated_job(
    body: AutomatedCreateParams,
    request: Request,
    principal: CurrentPrincipal,
    edge: EdgeDep,
) -> Response:
    if body.type == "w4_form_employee_sync":
        result = edge.services.sync_jobs.enqueue_w4_sync(principal, body.params)
    else:
        result = edge.enqueues.enqueue(principal)
    return json_response(
        enqueue_body(result, base_url(request, edge.services)),
        status_code=201 if result.created else 202,
    )


@router.get("/jobs/automated")
def list_automated_jobs(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: int | None = None,
    offset: int | None = None,
) -> Response:
    jobs, allowed, remaining = services.sync_jobs.list_automated(
        principal, limit=limit, offset=offset
    )
    base = base_url(request, services)
    return json_response(
        {
            "data": [job_wire(job, base) for job in jobs],
            "meta": {
                "quotas": {
                    "data_sync_all": {
                        "allowed_refreshes": allowed,
                        "remaining_refreshes": remaining,
                    }
                }
            },
        }
    )


@router.get("/jobs/automated/{job_id}")
def get_automated_job(
    job_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    job = services.sync_jobs.get_automated(principal, job_id)
    return json_response(job_wire(job, base_url(request, services)))


@router.get("/jobs/manual/{job_id}")
def get_manual_job(job_id: str, principal: CurrentPrincipal, services: ServicesDep) -> Response:
    job = services.sync_jobs.get_manual(principal, job_id)
    return json_response({"job_id": job.id, "status": job.status, "body": job.result})
