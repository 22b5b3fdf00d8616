"""The employer data API: /employer/company|directory|individual|employment|payment|pay-statement."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from pydantic import Field
from starlette.responses import Response

from finch_sandbox.api.cacheability import reads
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas import hris as wire
from finch_sandbox.api.schemas.common import IsoDate, WireModel, query_list
from finch_sandbox.services.employer_data import PayStatementRequest
from finch_sandbox.services.entities import entity_scope

router = DeclaredRouter(tags=["Organization", "Payroll"])


def entity_ids_query(
    bracketed: Annotated[list[str] | None, Query(alias="entity_ids[]")] = None,
    plain: Annotated[list[str] | None, Query(alias="entity_ids")] = None,
) -> list[str] | None:
    # The SDKs send `entity_ids[]=`; the spec's own array form (and so curl users, and any
    # client generated from the spec) sends `entity_ids=`, repeated or comma-separated.
    return query_list(bracketed, plain)


EntityIds = Annotated[list[str] | None, Depends(entity_ids_query)]


class IndividualRequest(WireModel):
    individual_id: str


class IndividualOptions(WireModel):
    include: list[str] = Field(default_factory=list)


class IndividualBatchParams(WireModel):
    requests: list[IndividualRequest] = Field(max_length=10_000)
    options: IndividualOptions | None = None


class EmploymentBatchParams(WireModel):
    requests: list[IndividualRequest] = Field(max_length=10_000)


class PayStatementItem(WireModel):
    payment_id: str
    limit: int | None = None
    offset: int | None = None


class PayStatementBatchParams(WireModel):
    requests: list[PayStatementItem]


@router.get("/employer/company")
@reads(cached=True)
def get_company(
    principal: CurrentPrincipal, services: ServicesDep, entity_ids: EntityIds = None
) -> Response:
    entity = entity_scope(principal, entity_ids)
    return json_response(services.employer_data.company(principal, entity_id=entity))


@router.get("/employer/directory")
@reads(cached=True)
def get_directory(
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: int | None = None,
    offset: int | None = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    page = services.employer_data.directory(principal, limit=limit, offset=offset, entity_id=entity)
    return json_response(wire.directory(page))


@router.post("/employer/individual")
@reads(cached=True, vary=("content-type",))
def get_individuals(
    body: IndividualBatchParams,
    principal: CurrentPrincipal,
    services: ServicesDep,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    include_ssn = body.options is not None and "ssn" in body.options.include
    ids = [item.individual_id for item in body.requests]
    return json_response(
        wire.batch(
            services.employer_data.individuals(
                principal, ids, include_ssn=include_ssn, entity_id=entity
            )
        )
    )


@router.post("/employer/employment")
@reads(cached=True, vary=("content-type",))
def get_employments(
    body: EmploymentBatchParams,
    principal: CurrentPrincipal,
    services: ServicesDep,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    ids = [item.individual_id for item in body.requests]
    return json_response(
        wire.batch(services.employer_data.employments(principal, ids, entity_id=entity))
    )


@router.get("/employer/payment")
@reads(cached=True)
def get_payments(
    principal: CurrentPrincipal,
    services: ServicesDep,
    start_date: Annotated[IsoDate, Query()],
    end_date: Annotated[IsoDate, Query()],
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    return json_response(
        services.employer_data.payments(
            principal, start_date=start_date, end_date=end_date, entity_id=entity
        )
    )


@router.post("/employer/pay-statement")
@reads(cached=True, vary=("content-type",))
def get_pay_statements(
    body: PayStatementBatchParams,
    principal: CurrentPrincipal,
    services: ServicesDep,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    requests = [PayStatementRequest(r.payment_id, r.limit, r.offset) for r in body.requests]
    return json_response(
        wire.pay_statements(
            services.employer_data.pay_statements(principal, requests, entity_id=entity)
        )
    )
