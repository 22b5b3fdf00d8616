"""Employer data on the wire: the directory and the batch answers. Company, payment and pay
statement documents are stored in their wire shape and pass through unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from finch_sandbox.services.directory import stored_entry
from finch_sandbox.services.employer_data import BatchItem, DirectoryPage, PayStatementPage


def directory_entry(employee: dict[str, Any]) -> dict[str, Any]:
    """An `IndividualInDirectory`: the employee's own entry, nulled by the directory's catalog
    rules, or one derived from the individual and employment (services/directory.py)."""
    return stored_entry(employee)


def directory(page: DirectoryPage) -> dict[str, Any]:
    return {
        "paging": {"count": page.count, "offset": page.offset},
        "individuals": [directory_entry(e) for e in page.employees],
    }


def batch(items: Sequence[BatchItem], id_field: str = "individual_id") -> dict[str, Any]:
    """`{"responses": [...]}`: 200 with the document, or the item's error in Finch's envelope."""
    responses = []
    for item in items:
        body: dict[str, Any] | None
        if item.error is not None:
            code, body = item.error.status_code, item.error.body()
        else:
            code, body = 200, item.found
        responses.append({id_field: item.request_id, "code": code, "body": body})
    return {"responses": responses}


def pay_statements(pages: Sequence[PayStatementPage]) -> dict[str, Any]:
    responses = []
    for page in pages:
        if page.error is not None:
            code, body = page.error.status_code, page.error.body()
        else:
            code = 200
            body = {
                "paging": {"count": page.count, "offset": page.offset},
                "pay_statements": page.statements or [],
            }
        responses.append({"payment_id": page.payment_id, "code": code, "body": body})
    return {"responses": responses}
