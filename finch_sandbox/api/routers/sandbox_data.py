"""Sandbox edits of the provider side: /sandbox/company|directory|individual|employment|payment."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body
from starlette.responses import Response

from finch_sandbox.api.cacheability import writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.schemas.common import sent_fields
from finch_sandbox.api.schemas.sandbox import (
    CompanyUpdateParams,
    DirectoryItem,
    EmploymentFields,
    IndividualFields,
    PaymentCreateParams,
)
from finch_sandbox.api.schemas.wire import wire_date

router = DeclaredRouter(tags=["Sandbox"])


@router.put("/sandbox/company")
@writes()
def update_company(
    body: CompanyUpdateParams, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    return json_response(services.data_edits.update_company(principal, body.model_dump()))


@router.put("/sandbox/individual/{individual_id}")
@writes()
def update_individual(
    individual_id: str,
    body: IndividualFields,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    fields = sent_fields(body)
    return json_response(services.data_edits.update_individual(principal, individual_id, fields))


@router.put("/sandbox/employment/{individual_id}")
@writes()
def update_employment(
    individual_id: str,
    body: EmploymentFields,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> Response:
    fields = sent_fields(body)
    return json_response(services.data_edits.update_employment(principal, individual_id, fields))


@router.post("/sandbox/directory")
@writes()
def create_directory(
    principal: CurrentPrincipal,
    services: ServicesDep,
    # The SDK treats the body as optional and sends none at all without one: no one to add.
    body: Annotated[list[DirectoryItem] | None, Body()] = None,
) -> Response:
    items = [sent_fields(item) for item in body or []]
    return json_response(services.data_edits.create_directory(principal, items))


@router.post("/sandbox/payment")
@writes()
def create_payment(
    body: PaymentCreateParams, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    created = services.data_edits.create_payment(
        principal,
        start_date=body.start_date,
        end_date=body.end_date,
        pay_statements=[s.model_dump() for s in body.pay_statements],
    )
    return json_response(
        {"payment_id": created.payment_id, "pay_date": wire_date(created.pay_date)}
    )
