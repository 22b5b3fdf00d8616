"""Which data-change webhook events a sync's changes make (behavior.md §5.3).

An employee document holds an individual and an employment, so one changed employee can make
`individual.*`, `employment.*` and `directory.*` events: created and deleted employees make all
three; an update makes those whose part (or whose directory fields) changed. Payments, pay
statements and the company map one to one. Nothing changed, nothing sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from finch_sandbox.services.events import DataChanged
from finch_sandbox.storage.repositories.records import RecordChange

# The employment fields an `IndividualInDirectory` shows (services/employer_data.py).
DIRECTORY_EMPLOYMENT_KEYS = ("manager", "department", "is_active")
DIRECTORY_INDIVIDUAL_KEYS = ("first_name", "middle_name", "last_name")


def data_change_events(
    connection_id: str, changes: Iterable[RecordChange]
) -> Iterator[DataChanged]:
    for change in changes:
        verb = _verb(change)
        if change.kind == "employee":
            yield from _employee_events(connection_id, change, verb)
        elif change.kind == "payment":
            doc = change.after or change.before or {}
            data = {"payment_id": change.record_id, "pay_date": doc.get("pay_date")}
            yield DataChanged(connection_id, f"payment.{verb}", data)
        elif change.kind == "pay_statement":
            doc = change.after or change.before or {}
            data = {"payment_id": change.parent_id, "individual_id": doc.get("individual_id")}
            yield DataChanged(connection_id, f"pay_statement.{verb}", data)
        elif change.kind == "company":
            yield DataChanged(connection_id, f"company.{verb}", None)


def _verb(change: RecordChange) -> str:
    if change.before is None:
        return "created"
    if change.after is None:
        return "deleted"
    return "updated"


def _employee_events(connection_id: str, change: RecordChange, verb: str) -> Iterator[DataChanged]:
    data = {"individual_id": change.record_id}
    if verb != "updated":
        for kind in ("directory", "individual", "employment"):
            yield DataChanged(connection_id, f"{kind}.{verb}", data)
        return
    before, after = change.before or {}, change.after or {}
    if _part(before, "individual") != _part(after, "individual"):
        yield DataChanged(connection_id, "individual.updated", data)
    if _part(before, "employment") != _part(after, "employment"):
        yield DataChanged(connection_id, "employment.updated", data)
    if _directory(before) != _directory(after):
        yield DataChanged(connection_id, "directory.updated", data)


def _part(doc: dict[str, Any], name: str) -> dict[str, Any]:
    part = doc.get(name)
    return part if isinstance(part, dict) else {}


def _directory(doc: dict[str, Any]) -> tuple[Any, ...]:
    individual, employment = _part(doc, "individual"), _part(doc, "employment")
    return (
        *(individual.get(k) for k in DIRECTORY_INDIVIDUAL_KEYS),
        *(employment.get(k) for k in DIRECTORY_EMPLOYMENT_KEYS),
    )
