"""/employer/benefits…: company benefits, enrollments and the benefits metadata."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body
from starlette.responses import Response

from finch_sandbox.api.cacheability import reads, writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.routers.hris import EntityIds
from finch_sandbox.api.schemas.benefits import (
    BenefitCreateParams,
    BenefitRegisterParams,
    BenefitUpdateParams,
    EnrollItem,
    UnenrollParams,
    company_benefit,
    individual_benefit,
)
from finch_sandbox.services.benefits import Enrollment
from finch_sandbox.services.entities import entity_scope

router = DeclaredRouter(tags=["Deductions"])


@router.get("/employer/benefits/meta")
@reads()
def list_supported_benefits(
    principal: CurrentPrincipal, services: ServicesDep, entity_ids: EntityIds = None
) -> Response:
    entity_scope(principal, entity_ids)
    return json_response(services.benefits.supported_benefits(principal))


@router.get("/employer/benefits")
@reads()
def list_benefits(
    principal: CurrentPrincipal, services: ServicesDep, entity_ids: EntityIds = None
) -> Response:
    entity_scope(principal, entity_ids)
    return json_response([company_benefit(b) for b in services.benefits.list_benefits(principal)])


@router.post("/employer/benefits")
@writes()
def create_benefit(
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[BenefitCreateParams | None, Body()] = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity_scope(principal, entity_ids)
    params = body or BenefitCreateParams()
    result = services.benefits.create_benefit(
        principal,
        benefit_type=params.type,
        description=params.description,
        frequency=params.frequency,
        company_contribution=(
            params.company_contribution.model_dump() if params.company_contribution else None
        ),
    )
    return json_response({"benefit_id": result.benefit_id, "job_id": result.job_id}, 201)


@router.post("/employer/benefits/register")
@writes()
def register_benefit(
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[BenefitRegisterParams | None, Body()] = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity_scope(principal, entity_ids)
    params = body or BenefitRegisterParams()
    result = services.benefits.register_benefit(
        principal,
        benefit_type=params.type,
        description=params.description,
        frequency=params.frequency,
    )
    return json_response({"benefit_id": result.benefit_id, "job_id": result.job_id}, 201)


@router.get("/employer/benefits/{benefit_id}")
@reads()
def get_benefit(
    benefit_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    entity_ids: EntityIds = None,
) -> Response:
    entity_scope(principal, entity_ids)
    return json_response(company_benefit(services.benefits.get_benefit(principal, benefit_id)))


@router.post("/employer/benefits/{benefit_id}")
@writes()
def update_benefit(
    benefit_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[BenefitUpdateParams | None, Body()] = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity_scope(principal, entity_ids)
    params = body or BenefitUpdateParams()
    result = services.benefits.update_benefit(principal, benefit_id, description=params.description)
    return json_response({"benefit_id": result.benefit_id, "job_id": result.job_id})


@router.get("/employer/benefits/{benefit_id}/enrolled")
@reads()
def enrolled_ids(
    benefit_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    entity_ids: EntityIds = None,
) -> Response:
    entity_scope(principal, entity_ids)
    ids = services.benefits.enrolled_ids(principal, benefit_id)
    return json_response({"benefit_id": benefit_id, "individual_ids": ids})


@router.get("/employer/benefits/{benefit_id}/individuals")
@reads()
def individual_benefits(
    benefit_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    individual_ids: str | None = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity_scope(principal, entity_ids)
    asked = [i.strip() for i in (individual_ids or "").split(",") if i.strip()] or None
    found = services.benefits.individual_benefits(principal, benefit_id, asked)
    # Per-individual outcomes: Finch answers 207 Multi-Status (the only status it documents).
    return json_response([individual_benefit(*item) for item in found], 207)


@router.post("/employer/benefits/{benefit_id}/individuals")
@writes()
def enroll_individuals(
    benefit_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[list[EnrollItem] | None, Body()] = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity_scope(principal, entity_ids)
    enrollments = [
        Enrollment(item.individual_id, item.configuration.stored() if item.configuration else {})
        for item in body or []
    ]
    job_id = services.benefits.enroll(principal, benefit_id, enrollments)
    return json_response({"job_id": job_id})


@router.delete("/employer/benefits/{benefit_id}/individuals")
@writes()
def unenroll_individuals(
    benefit_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[UnenrollParams | None, Body()] = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity_scope(principal, entity_ids)
    ids = (body or UnenrollParams()).individual_ids
    return json_response({"job_id": services.benefits.unenroll(principal, benefit_id, ids)})
