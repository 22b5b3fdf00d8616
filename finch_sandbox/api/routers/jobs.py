"""/jobs/automated (create, list, retrieve) and /jobs/manual/{job_id}."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from starlette.responses import Response

from finch_sandbox.api.cacheability import reads, writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.common import WireModel
from finch_sandbox.api.schemas.jobs import automated_job, enqueue_answer, job_list, manual_job
from finch_sandbox.api.urls import base_url

router = DeclaredRouter(tags=["Management"])


class AutomatedCreateParams(WireModel):
    type: Literal["data_sync_all", "w4_form_employee_sync"]
    params: dict[str, Any] | None = None


@router.post("/jobs/automated")
@writes()
def create_automated_job(
    body: AutomatedCreateParams,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    if body.type == "w4_form_employee_sync":
        result = services.sync_jobs.enqueue_w4_sync(principal, body.params)
    else:
        result = services.sync_jobs.enqueue_data_sync(principal)
    return json_response(
        enqueue_answer(result, base_url(request, services.settings)),
        status_code=201 if result.created else 202,
    )


@router.get("/jobs/automated")
@reads()
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
    return json_response(job_list(jobs, base_url(request, services.settings), allowed, remaining))


@router.get("/jobs/automated/{job_id}")
@reads(cached=True, vary=("host",))
def get_automated_job(
    job_id: str, request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    job = services.sync_jobs.get_automated(principal, job_id)
    return json_response(automated_job(job, base_url(request, services.settings)))


@router.get("/jobs/manual/{job_id}")
@reads(cached=True)
def get_manual_job(job_id: str, principal: CurrentPrincipal, services: ServicesDep) -> Response:
    job = services.sync_jobs.get_manual(principal, job_id)
    return json_response(manual_job(job))
