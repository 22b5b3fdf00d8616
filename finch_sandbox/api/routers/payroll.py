"""/employer/pay-groups and /employer/pay-statement-item (+ /rule)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Body, Query
from starlette.responses import Response

from finch_sandbox.api.cacheability import reads, writes
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.routers.hris import EntityIds
from finch_sandbox.api.schemas.common import IsoDate, WireModel, query_list
from finch_sandbox.services.entities import entity_scope
from finch_sandbox.services.pay_statement_items import ItemQuery

router = DeclaredRouter(tags=["Payroll"])


class Condition(WireModel):
    field: str | None = None
    operator: Literal["equals"] | None = None
    value: str | None = None


class RuleAttributes(WireModel):
    metadata: dict[str, Any] | None = None


class RuleParams(WireModel):
    attributes: RuleAttributes | None = None
    conditions: list[Condition] | None = None
    effective_end_date: str | None = None
    effective_start_date: str | None = None
    entity_type: Literal["pay_statement_item"] | None = None


def _fields(body: RuleParams | None) -> dict[str, Any]:
    return {} if body is None else body.model_dump(exclude_unset=True)


@router.get("/employer/pay-groups")
@reads(cached=True)
def list_pay_groups(
    principal: CurrentPrincipal,
    services: ServicesDep,
    individual_id: str | None = None,
    pay_frequencies: Annotated[list[str] | None, Query(alias="pay_frequencies[]")] = None,
    pay_frequencies_plain: Annotated[list[str] | None, Query(alias="pay_frequencies")] = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    frequencies = query_list(pay_frequencies, pay_frequencies_plain)
    return json_response(
        services.pay_groups.list(
            principal, individual_id=individual_id, pay_frequencies=frequencies, entity_id=entity
        )
    )


@router.get("/employer/pay-groups/{pay_group_id}")
@reads(cached=True)
def get_pay_group(
    pay_group_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    return json_response(services.pay_groups.get(principal, pay_group_id, entity_id=entity))


@router.get("/employer/pay-statement-item")
@reads(cached=True)
def list_pay_statement_items(
    principal: CurrentPrincipal,
    services: ServicesDep,
    categories: Annotated[list[str] | None, Query(alias="categories[]")] = None,
    categories_plain: Annotated[list[str] | None, Query(alias="categories")] = None,
    start_date: Annotated[IsoDate | None, Query()] = None,
    end_date: Annotated[IsoDate | None, Query()] = None,
    name: str | None = None,
    type: str | None = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    query = ItemQuery(
        categories=query_list(categories, categories_plain),
        start_date=start_date,
        end_date=end_date,
        name=name,
        type=type,
    )
    return json_response(services.pay_statement_items.items(principal, query, entity_id=entity))


@router.get("/employer/pay-statement-item/rule")
@reads(cached=True)
def list_rules(
    principal: CurrentPrincipal, services: ServicesDep, entity_ids: EntityIds = None
) -> Response:
    entity = entity_scope(principal, entity_ids)
    return json_response(services.pay_statement_items.rules(principal, entity_id=entity))


@router.post("/employer/pay-statement-item/rule")
@writes()
def create_rule(
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[RuleParams | None, Body()] = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    rule = services.pay_statement_items.create_rule(principal, _fields(body), entity_id=entity)
    return json_response(rule, status_code=201)


@router.put("/employer/pay-statement-item/rule/{rule_id}")
@writes()
def update_rule(
    rule_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[RuleParams | None, Body()] = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    return json_response(
        services.pay_statement_items.update_rule(
            principal, rule_id, _fields(body), entity_id=entity
        )
    )


@router.delete("/employer/pay-statement-item/rule/{rule_id}")
@writes()
def delete_rule(
    rule_id: str, principal: CurrentPrincipal, services: ServicesDep, entity_ids: EntityIds = None
) -> Response:
    entity = entity_scope(principal, entity_ids)
    return json_response(
        services.pay_statement_items.delete_rule(principal, rule_id, entity_id=entity)
    )
