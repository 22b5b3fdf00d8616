"""Which data-change events a sync's changes make: the rule, without a database."""

from __future__ import annotations

from typing import Any

from finch_sandbox.services.data_changes import data_change_events
from finch_sandbox.storage.repositories.records import RecordChange


def employee(first: str = "Ada", title: str = "Engineer", ssn: str = "1") -> dict[str, Any]:
    return {
        "individual": {"id": "i1", "first_name": first, "ssn": ssn},
        "employment": {"id": "i1", "first_name": first, "title": title, "is_active": True},
    }


def events(*changes: RecordChange) -> list[tuple[str, Any]]:
    return [(e.event_type, e.data) for e in data_change_events("c1", changes)]


def test_a_renamed_employee_changes_all_three_views() -> None:
    change = RecordChange("employee", "i1", None, employee(), employee(first="Grace"))
    assert events(change) == [
        ("individual.updated", {"individual_id": "i1"}),
        ("employment.updated", {"individual_id": "i1"}),
        ("directory.updated", {"individual_id": "i1"}),
    ]


def test_a_field_outside_the_directory_changes_only_its_part() -> None:
    assert events(RecordChange("employee", "i1", None, employee(), employee(ssn="2"))) == [
        ("individual.updated", {"individual_id": "i1"})
    ]
    assert events(RecordChange("employee", "i1", None, employee(), employee(title="CTO"))) == [
        ("employment.updated", {"individual_id": "i1"})
    ]


def test_deleted_records() -> None:
    gone = events(
        RecordChange("employee", "i1", None, employee(), None),
        RecordChange("payment", "p1", None, {"id": "p1", "pay_date": "2026-11-15"}, None),
        RecordChange("pay_statement", "p1:i1", "p1", {"individual_id": "i1"}, None),
    )
    assert gone == [
        ("directory.deleted", {"individual_id": "i1"}),
        ("individual.deleted", {"individual_id": "i1"}),
        ("employment.deleted", {"individual_id": "i1"}),
        ("payment.deleted", {"payment_id": "p1", "pay_date": "2026-11-15"}),
        ("pay_statement.deleted", {"payment_id": "p1", "individual_id": "i1"}),
    ]


def test_nothing_changed_nothing_sent() -> None:
    assert events() == []
