"""Scenarios: connections declared up front, with a fixed access token and fixed ids.

A scenario is a JSON document (README, "Scenarios") naming, per connection, what
`POST /sandbox/connections` takes plus what a test suite needs to find by a known value:

    {"connections": [{
        "access_token": "My Access Token",        # the token the connection answers to
        "provider_id": "gusto", "employee_size": 5, "products": [...],
        "status": "connected",                    # optional; assisted ones start pending
        "entity_id": "550e8400-e29b-41d4-a716-446655440000",
        "entities": [{"id": "550e8400-…"}, {"id": "3c90c3cc-…", "employee_size": 3}],
        "ids": {"employee": ["individual_id"], "pay_group": ["pay_group_id"],
                "document": ["document_id"], "payment": ["payment_id"]},
        "rules": [{"id": "rule_id", "conditions": [...], "attributes": {...}}],
        "jobs": [{"id": "job_id", "type": "data_sync_all", "status": "complete"}],
        "benefits": [{"id": "benefit_id", "type": "401k", "description": "401(k)",
                      "enrollments": [{"individual_id": "individual_id",
                                       "configuration": {...}}]}]}]}

`entities` makes a multi-entity connection: the first entity is the company the connection's
own `employee_size` and `ids` describe, each further one a company of its own. Benefits are
the company's existing ones, checked against the provider's benefits support as a create
would be. The HTTP layer (api/schemas/control.py) checks the document's shape.

Applying it creates each connection afresh: the connection that held the token before is
disconnected and emptied, so a suite can re-apply the scenario before every test and give each
test a connection of its own. Nothing here knows any particular suite.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from finch_sandbox.errors import BadRequest, FinchError
from finch_sandbox.services.benefits import BenefitService, DeclaredBenefit
from finch_sandbox.services.connections import (
    ConnectionFixture,
    ConnectionService,
    ExtraEntity,
)
from finch_sandbox.services.entities import sandbox_scope
from finch_sandbox.services.pay_statement_items import PayStatementItemService
from finch_sandbox.services.sync_jobs import SyncJobService

# A further entity's employees when the scenario does not say.
DEFAULT_ENTITY_SIZE = 5


@dataclass(frozen=True, slots=True)
class ScenarioService:
    connections: ConnectionService
    pay_statement_items: PayStatementItemService
    sync_jobs: SyncJobService
    benefits: BenefitService

    def apply(self, declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Create the scenario's connections; returns, per connection, its identifiers."""
        if not declared:
            raise BadRequest("[body:connections]: a scenario declares at least one connection")
        return [self._apply_one(index, spec) for index, spec in enumerate(declared)]

    def _apply_one(self, index: int, spec: dict[str, Any]) -> dict[str, Any]:
        where = f"[body:connections.{index}"
        # Checked before anything is created, so a bad scenario leaves nothing behind.
        for job in spec["jobs"]:
            if str(job.get("type", "data_sync_all")) not in self.sync_jobs.job_types:
                raise BadRequest(f"{where}.jobs]: unknown job type '{job.get('type')}'")
        benefits = [DeclaredBenefit(**b) for b in spec["benefits"]]
        # Generated ids are not known before the company is made: enrollments name the
        # people the scenario fixed.
        fixed = set(spec["ids"].get("employee") or ())
        for benefit in benefits:
            for individual_id, _ in benefit.enrollments:
                if individual_id not in fixed:
                    raise BadRequest(
                        f"{where}.benefits]: enrollments name individuals by the ids the "
                        f"scenario fixes in ids.employee; '{individual_id}' is not one of them"
                    )
        auth_type = spec["authentication_type"] or self.connections.default_auth_type(
            spec["provider_id"]
        )
        try:
            self.benefits.check_declared(spec["provider_id"], auth_type, benefits)
        except FinchError as exc:
            raise BadRequest(f"{where}.benefits]: {exc.message}") from None
        entities = spec["entities"]
        issued = self.connections.create_connection(
            provider_id=spec["provider_id"],
            authentication_type=spec["authentication_type"],
            products=spec["products"],
            employee_size=spec["employee_size"],
            fixture=ConnectionFixture(
                access_token=spec["access_token"],
                entity_id=entities[0]["id"] if entities else spec["entity_id"],
                ids=dict(spec["ids"]),
                status=spec["status"],
                extra_entities=[
                    ExtraEntity(e["id"], e["employee_size"] or DEFAULT_ENTITY_SIZE)
                    for e in entities[1:]
                ],
            ),
        )
        principal = issued.principal
        # The scenario's records are what the provider already had: they are written whatever
        # status the connection starts in (an assisted one is `pending`), on its first entity.
        setup = replace(principal, status="connected")
        for rule in spec["rules"]:
            fields = {k: v for k, v in rule.items() if k != "id"}
            self.pay_statement_items.create_rule(
                setup, fields, rule_id=rule.get("id"), entity_id=sandbox_scope(principal)
            )
        for job in spec["jobs"]:
            self.sync_jobs.add_finished(
                principal.connection_id,
                job_id=str(job.get("id")),
                job_type=str(job.get("type", "data_sync_all")),
                status=str(job.get("status", "complete")),
                params=job.get("params"),
            )
        self.benefits.declare(principal, benefits)
        return {
            "access_token": issued.access_token,
            "connection_id": principal.connection_id,
            "entity_id": principal.entity_id,
            "entity_ids": list(principal.entity_ids),
            "company_id": principal.company_id,
            "provider_id": principal.provider_id,
        }
