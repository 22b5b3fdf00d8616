"""/employer/documents and /employer/documents/{document_id} (W-4 forms)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from finch_sandbox.api.cacheability import reads
from finch_sandbox.api.declared_routes import DeclaredRouter
from finch_sandbox.api.deps import CurrentPrincipal, ServicesDep
from finch_sandbox.api.responses import json_response
from finch_sandbox.api.routers.hris import EntityIds
from finch_sandbox.api.schemas.common import query_list
from finch_sandbox.api.urls import base_url
from finch_sandbox.services.entities import entity_scope

router = DeclaredRouter(tags=["Documents"])


@router.get("/employer/documents")
@reads(cached=True, vary=("host",))
def list_documents(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    individual_ids: Annotated[list[str] | None, Query(alias="individual_ids[]")] = None,
    individual_ids_plain: Annotated[list[str] | None, Query(alias="individual_ids")] = None,
    types: Annotated[list[str] | None, Query(alias="types[]")] = None,
    types_plain: Annotated[list[str] | None, Query(alias="types")] = None,
    limit: int | None = None,
    offset: int | None = None,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    return json_response(
        services.documents.list(
            principal,
            base_url=base_url(request, services.settings),
            individual_ids=query_list(individual_ids, individual_ids_plain),
            types=query_list(types, types_plain),
            limit=limit,
            offset=offset,
            entity_id=entity,
        )
    )


@router.get("/employer/documents/{document_id}")
@reads(cached=True)
def get_document(
    document_id: str,
    principal: CurrentPrincipal,
    services: ServicesDep,
    entity_ids: EntityIds = None,
) -> Response:
    entity = entity_scope(principal, entity_ids)
    return json_response(services.documents.get(principal, document_id, entity_id=entity))
