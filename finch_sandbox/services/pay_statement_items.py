"""Pay-statement items (/employer/pay-statement-item) and the rules that label them
(/employer/pay-statement-item/rule).

An item is a distinct (category, name, type) among the connection's synced pay statements:
its earnings, taxes, employee deductions and employer contributions. Its `attributes` carry
what the statements say about it (`pre_tax` for deductions, `employer` for taxes) and the
`metadata` its rules attach. A rule matches an item when every condition holds
(`operator: equals` on the item's `name`, `type` or `category`; other fields match nothing)
and the item was last seen within the rule's effective dates, where they are dates; rules
apply in priority order (their creation order, 1 first), later keys overriding earlier ones.
Rules are the employer's own data in Finch, not the provider's: a write shows at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from finch_sandbox.clock import Clock
from finch_sandbox.errors import BadRequest, NotFound
from finch_sandbox.ids import new_uuid
from finch_sandbox.services.employer_data import EmployerDataService
from finch_sandbox.services.principal import Principal
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.repositories.records import NewRecord
from finch_sandbox.storage.uow import UnitOfWork

PRODUCT = "pay_statement"
RULE = "rule"
CATEGORIES = ("earnings", "taxes", "employee_deductions", "employer_contributions")
RULE_FIELDS = ("attributes", "conditions", "effective_start_date", "effective_end_date")
MATCHABLE = ("name", "type", "category")


@dataclass(frozen=True, slots=True)
class ItemQuery:
    categories: Sequence[str] | None = None
    start_date: str | None = None
    end_date: str | None = None
    name: str | None = None
    type: str | None = None


def _iso(moment: Any) -> str:
    return str(moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def _as_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None  # Finch types these as free strings; one that is not a date bounds nothing


def rule_matches(rule: dict[str, Any], item: dict[str, Any], last_seen: str) -> bool:
    for condition in rule.get("conditions") or ():
        field = condition.get("field")
        if field not in MATCHABLE or condition.get("operator", "equals") != "equals":
            return False
        if str(item.get(field)) != str(condition.get("value")):
            return False
    seen = date.fromisoformat(last_seen)
    start, end = (
        _as_date(rule.get("effective_start_date")),
        _as_date(rule.get("effective_end_date")),
    )
    return (start is None or start <= seen) and (end is None or seen <= end)


def collect_items(
    statements: Sequence[tuple[str, dict[str, Any]]],
) -> list[tuple[dict[str, Any], str]]:
    """Distinct items with the pay date they were last seen on, in first-seen order."""
    found: dict[tuple[str, str, str], tuple[dict[str, Any], str]] = {}
    for pay_date, statement in statements:
        for category in CATEGORIES:
            for line in statement.get(category) or ():
                key = (category, str(line.get("name")), str(line.get("type")))
                item = {"category": category, "name": line.get("name"), "type": line.get("type")}
                if category == "taxes":
                    item["employer"] = line.get("employer")
                if category == "employee_deductions":
                    item["pre_tax"] = line.get("pre_tax")
                found[key] = (found[key][0] if key in found else item, pay_date)
    return list(found.values())


class PayStatementItemService:
    def __init__(self, db: Database, clock: Clock, employer_data: EmployerDataService) -> None:
        self._db = db
        self._clock = clock
        self._employer_data = employer_data

    # --- items ------------------------------------------------------------------------------

    def items(
        self, principal: Principal, query: ItemQuery, *, entity_id: str | None = None
    ) -> dict[str, Any]:
        self._employer_data.require(principal, PRODUCT)
        for category in query.categories or ():
            if category not in CATEGORIES:
                raise BadRequest(f"[query:categories]: unknown category '{category}'")
        with UnitOfWork(self._db) as uow:
            records = uow.records(principal.connection_id, entity_id)
            statements = records.synced_statements_with_pay_dates()
            rules = sorted(records.synced_docs(RULE), key=lambda r: int(r["priority"]))
        responses = []
        for item, last_seen in collect_items(statements):
            if query.categories and item["category"] not in query.categories:
                continue
            if query.start_date and last_seen < query.start_date:
                continue
            if query.end_date and last_seen > query.end_date:
                continue
            if query.name and query.name.lower() not in str(item["name"]).lower():
                continue
            if query.type and item["type"] != query.type:
                continue
            metadata: dict[str, Any] = {}
            for rule in rules:
                if rule_matches(rule, item, last_seen):
                    metadata.update((rule.get("attributes") or {}).get("metadata") or {})
            responses.append(
                {
                    "attributes": {
                        "employer": item.get("employer"),
                        "metadata": metadata or None,
                        "pre_tax": item.get("pre_tax"),
                        "type": item["type"],
                    },
                    "category": item["category"],
                    "name": item["name"],
                }
            )
        return {"responses": responses}

    # --- rules ------------------------------------------------------------------------------

    def rules(self, principal: Principal, *, entity_id: str | None = None) -> dict[str, Any]:
        self._employer_data.require(principal, PRODUCT)
        with UnitOfWork(self._db) as uow:
            rules = uow.records(principal.connection_id, entity_id).synced_docs(RULE)
        return {"responses": sorted(rules, key=lambda r: int(r["priority"]))}

    def create_rule(
        self,
        principal: Principal,
        fields: dict[str, Any],
        *,
        rule_id: str | None = None,
        entity_id: str | None = None,
    ) -> dict[str, Any]:
        """A new rule, last in priority; a scenario may fix its id."""
        self._employer_data.require(principal, PRODUCT)
        now = _iso(self._clock.now())
        with UnitOfWork(self._db, write=True) as uow:
            records = uow.records(principal.connection_id, entity_id)
            existing = records.synced_docs(RULE)
            new_id = rule_id or new_uuid()
            rule: dict[str, Any] = {
                "id": new_id,
                "attributes": {"metadata": {}},
                "conditions": [],
                "created_at": now,
                "effective_end_date": None,
                "effective_start_date": None,
                "entity_type": "pay_statement_item",
                "priority": max((int(r["priority"]) for r in existing), default=0) + 1,
                "updated_at": now,
            }
            rule.update(_rule_fields(fields))
            position = records.max_position(RULE) + 1
            records.insert([NewRecord(RULE, new_id, rule, position)], synced=True)
            uow.commit()
        return rule

    def update_rule(
        self,
        principal: Principal,
        rule_id: str,
        fields: dict[str, Any],
        *,
        entity_id: str | None = None,
    ) -> dict[str, Any]:
        """Fields sent replace the rule's; fields not sent are kept."""
        self._employer_data.require(principal, PRODUCT)
        with UnitOfWork(self._db, write=True) as uow:
            records = uow.records(principal.connection_id, entity_id)
            rule = records.synced_doc(RULE, rule_id)
            if rule is None:
                raise NotFound(f"could not find rule with id '{rule_id}'")
            rule = {**rule, **_rule_fields(fields), "updated_at": _iso(self._clock.now())}
            records.put_both_sides(RULE, rule_id, rule)
            uow.commit()
        return rule

    def delete_rule(
        self, principal: Principal, rule_id: str, *, entity_id: str | None = None
    ) -> dict[str, Any]:
        """The rule as it was, with `deleted_at`; it no longer labels anything."""
        self._employer_data.require(principal, PRODUCT)
        with UnitOfWork(self._db, write=True) as uow:
            records = uow.records(principal.connection_id, entity_id)
            rule = records.synced_doc(RULE, rule_id)
            if rule is None:
                raise NotFound(f"could not find rule with id '{rule_id}'")
            records.delete_both_sides(RULE, rule_id)
            uow.commit()
        return {**rule, "deleted_at": _iso(self._clock.now())}


def _rule_fields(fields: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k in RULE_FIELDS}
    if "attributes" in out:
        out["attributes"] = {"metadata": dict((out["attributes"] or {}).get("metadata") or {})}
    if "conditions" in out:
        out["conditions"] = [
            {k: c[k] for k in ("field", "operator", "value") if c.get(k) is not None}
            for c in out["conditions"] or ()
        ]
    return out
