"""Scenarios: connections declared up front, with a fixed access token and fixed ids.

A scenario is a JSON document (README, "Scenarios") naming, per connection, what
`POST /sandbox/connections` takes plus what a test suite needs to find by a known value:

    {"connections": [{
        "access_token": "My Access Token",        # the token the connection answers to
        "provider_id": "gusto", "employee_size": 5, "products": [...],
        "entity_id": "550e8400-e29b-41d4-a716-446655440000",
        "ids": {"employee": ["individual_id"], "pay_group": ["pay_group_id"],
                "document": ["document_id"], "payment": ["payment_id"]},
        "rules": [{"id": "rule_id", "conditions": [...], "attributes": {...}}],
        "jobs": [{"id": "job_id", "type": "data_sync_all", "status": "complete"}]}]}

Applying it creates each connection afresh: the connection that held the token before is
disconnected and emptied, so a suite can re-apply the scenario before every test and give each
test a connection of its own. Nothing here knows any particular suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finch_sandbox.errors import BadRequest
from finch_sandbox.services.connections import ConnectionFixture, ConnectionService
from finch_sandbox.services.pay_statement_items import PayStatementItemService
from finch_sandbox.services.sync_jobs import SyncJobService

ID_KINDS = ("employee", "pay_group", "document", "payment")


@dataclass(frozen=True, slots=True)
class ScenarioService:
    connections: ConnectionService
    pay_statement_items: PayStatementItemService
    sync_jobs: SyncJobService

    def apply(self, scenario: dict[str, Any]) -> list[dict[str, Any]]:
        """Create the scenario's connections; returns, per connection, its identifiers."""
        declared = scenario.get("connections")
        if not isinstance(declared, list) or not declared:
            raise BadRequest("[body:connections]: a scenario declares at least one connection")
        applied = []
        for index, spec in enumerate(declared):
            if not isinstance(spec, dict):
                raise BadRequest(f"[body:connections.{index}]: must be an object")
            applied.append(self._apply_one(index, spec))
        return applied

    def _apply_one(self, index: int, spec: dict[str, Any]) -> dict[str, Any]:
        where = f"[body:connections.{index}"
        ids = spec.get("ids") or {}
        if not isinstance(ids, dict) or any(
            kind not in ID_KINDS
            or not isinstance(v, list)
            or not all(isinstance(x, str) for x in v)
            for kind, v in ids.items()
        ):
            raise BadRequest(f"{where}.ids]: kinds are {', '.join(ID_KINDS)}, each a list of ids")
        token = spec.get("access_token")
        if token is not None and (not isinstance(token, str) or not token):
            raise BadRequest(f"{where}.access_token]: must be a non-empty string")
        provider_id = spec.get("provider_id")
        if not isinstance(provider_id, str):
            raise BadRequest(f"{where}.provider_id]: required")
        # Checked before anything is created, so a bad scenario leaves nothing behind.
        for key in ("rules", "jobs"):
            entries = spec.get(key) or []
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise BadRequest(f"{where}.{key}]: must be a list of objects")
        for job in spec.get("jobs") or ():
            if str(job.get("type", "data_sync_all")) not in self.sync_jobs.job_types:
                raise BadRequest(f"{where}.jobs]: unknown job type '{job.get('type')}'")
        issued = self.connections.create_connection(
            provider_id=provider_id,
            authentication_type=spec.get("authentication_type"),
            products=spec.get("products"),
            employee_size=spec.get("employee_size"),
            fixture=ConnectionFixture(
                access_token=token, entity_id=spec.get("entity_id"), ids=dict(ids)
            ),
        )
        principal = issued.principal
        for rule in spec.get("rules") or ():
            fields = {k: v for k, v in rule.items() if k != "id"}
            self.pay_statement_items.create_rule(principal, fields, rule_id=rule.get("id"))
        for job in spec.get("jobs") or ():
            self.sync_jobs.add_finished(
                principal.connection_id,
                job_id=str(job.get("id")),
                job_type=str(job.get("type", "data_sync_all")),
                status=str(job.get("status", "complete")),
                params=job.get("params"),
            )
        return {
            "access_token": issued.access_token,
            "connection_id": principal.connection_id,
            "entity_id": principal.entity_id,
            "company_id": principal.company_id,
            "provider_id": principal.provider_id,
        }
