"""W-4 documents (/employer/documents) and the `w4_form_employee_sync` job that refreshes one.

Every person has one federal W-4 on file, drawn from what the payroll system knows about
them: people hired since 2020 filed the 2020 form (filing status, dependents in cents), people
hired before it the 2005 form (allowances). The filing status follows the person's marital
status, and the dependents and allowances are drawn from a stream seeded by the person's id,
so the same person always files the same form. Documents are stored as `document` records
(created with the company); `w4_form_employee_sync` rebuilds one person's form from the
provider side, which is how an edit of a person's marital status reaches their W-4.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from finch_sandbox.errors import BadRequest
from finch_sandbox.ids import derive_seed, seeded_rng
from finch_sandbox.services.employer_data import EmployerDataService
from finch_sandbox.services.job_types import JobContext, JobOutcome
from finch_sandbox.services.principal import Principal
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.repositories.records import NewRecord
from finch_sandbox.storage.uow import UnitOfWork

W4_SYNC = "w4_form_employee_sync"
PRODUCT = "documents"
DOCUMENT_TYPES = ("w4_2020", "w4_2005")
FIRST_2020_FORM_YEAR = 2020
CHILD_CREDIT = 2_000_00  # per qualifying child under 17, in cents (2020 form, step 3)
OTHER_DEPENDENT_CREDIT = 500_00

FILING_2020 = {
    "married": "married_filing_jointly_or_qualifying_surviving_spouse",
}
FILING_2005 = {"married": "married"}


def document_id(individual_id: str) -> str:
    """A stable id per person's W-4 (ids are per connection already: individual ids are)."""
    seed = derive_seed("w4-document", individual_id)
    return str(uuid.UUID(int=seed << 65 | seed, version=4))


def w4_document(individual: dict[str, Any], employment: dict[str, Any]) -> dict[str, Any]:
    """The stored document: `{id, individual_id, type, year, data}`."""
    individual_id = str(individual["id"])
    rng = seeded_rng("w4", individual_id)
    married = individual.get("marital_status") == "married"
    start = employment.get("start_date") or ""
    start_year = int(start[:4]) if start[:4].isdigit() else FIRST_2020_FORM_YEAR
    children = rng.choices((0, 1, 2, 3), (45, 25, 22, 8) if married else (80, 12, 6, 2))[0]
    others = rng.choices((0, 1), (90, 10))[0]
    extra = rng.choices((0, 25_00, 50_00, 100_00), (85, 7, 5, 3))[0]
    if start_year >= FIRST_2020_FORM_YEAR:
        if married:
            status = FILING_2020["married"]
        elif children:
            status = "head_of_household"  # unmarried and keeping a home for a child
        else:
            status = "single_or_married_filing_separately"
        children_amount = children * CHILD_CREDIT
        others_amount = others * OTHER_DEPENDENT_CREDIT
        data: dict[str, Any] = {
            "amount_for_other_dependents": others_amount,
            "amount_for_qualifying_children_under_17": children_amount,
            "deductions": rng.choices((0, 5_000_00, 12_000_00), (90, 6, 4))[0],
            "extra_withholding": extra,
            "filing_status": status,
            "individual_id": individual_id,
            "other_income": rng.choices((0, 2_500_00, 10_000_00), (88, 8, 4))[0],
            "total_claim_dependent_and_other_credits": children_amount + others_amount,
        }
        kind = "w4_2020"
    else:
        data = {
            "additional_withholding": extra,
            "exemption": "non_exempt",
            "filing_status": FILING_2005.get(str(individual.get("marital_status")), "single"),
            # One for the filer, one for a spouse, one per dependent (worksheet lines A-E).
            "total_number_of_allowances": 1 + int(married) + children + others,
            "individual_id": individual_id,
        }
        kind = "w4_2005"
    return {
        "id": document_id(individual_id),
        "individual_id": individual_id,
        "type": kind,
        "year": start_year,
        "data": data,
    }


def document_records(employees: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> list[NewRecord]:
    """The W-4 of every person of a new company, in directory order."""
    return [
        NewRecord("document", doc["id"], doc, position)
        for position, doc in enumerate(w4_document(i, e) for i, e in employees)
    ]


class DocumentService:
    def __init__(self, db: Database, employer_data: EmployerDataService) -> None:
        self._db = db
        self._employer_data = employer_data

    def list(
        self,
        principal: Principal,
        *,
        base_url: str,
        individual_ids: Sequence[str] | None,
        types: Sequence[str] | None,
        limit: int | None,
        offset: int | None,
        entity_id: str | None = None,
    ) -> dict[str, Any]:
        """GET /employer/documents: filtered, then paged (no limit means all, as Finch says)."""
        self._employer_data.require(principal, PRODUCT)
        offset = 0 if offset is None else offset
        if offset < 0:
            raise BadRequest("[query:offset]: must be 0 or more")
        if limit is not None and limit < 0:
            raise BadRequest("[query:limit]: must be 0 or more")
        for kind in types or ():
            if kind not in DOCUMENT_TYPES:
                raise BadRequest(f"[query:types]: unknown document type '{kind}'")
        with UnitOfWork(self._db) as uow:
            docs = list(uow.records(principal.connection_id, entity_id).synced_docs("document"))
        wanted = set(individual_ids or ())
        chosen = [
            d
            for d in docs
            if (not wanted or d["individual_id"] in wanted) and (not types or d["type"] in types)
        ]
        page = chosen[offset:] if limit is None else chosen[offset : offset + limit]
        root = base_url.rstrip("/")
        return {
            "documents": [
                {
                    "id": d["id"],
                    "individual_id": d["individual_id"],
                    "type": d["type"],
                    "url": f"{root}/employer/documents/{d['id']}",
                    "year": d["year"],
                }
                for d in page
            ],
            "paging": {"count": len(chosen), "offset": offset},
        }

    def get(
        self, principal: Principal, document_id: str, *, entity_id: str | None = None
    ) -> dict[str, Any]:
        """GET /employer/documents/{id}: the form itself (`W42020` or `W42005`)."""
        doc = self._employer_data.synced_record(
            principal, PRODUCT, "document", document_id, entity_id=entity_id, what="document"
        )
        return {"data": doc["data"], "type": doc["type"], "year": doc["year"]}


def check_w4_params(params: dict[str, Any] | None) -> dict[str, Any]:
    """`w4_form_employee_sync` needs `params.individual_id` (a string)."""
    individual_id = (params or {}).get("individual_id")
    if not isinstance(individual_id, str) or not individual_id:
        raise BadRequest("[body:params.individual_id]: required for w4_form_employee_sync")
    return {"individual_id": individual_id}


def run_w4_sync(context: JobContext) -> JobOutcome:
    """Rebuild one person's W-4 from the provider side and make it visible at once (Finch's
    W-4 job reads the form live). A person the provider does not know fails the job."""
    uow, job = context.uow, context.job
    individual_id = str((job.params or {}).get("individual_id") or "")
    records = uow.records(job.connection_id)
    employee = records.provider_doc("employee", individual_id)
    if employee is None:
        return JobOutcome("error")
    doc = w4_document(employee["individual"], employee["employment"])
    existing = [
        d for d in records.provider_docs("document") if d.get("individual_id") == individual_id
    ]
    if existing:
        doc["id"] = existing[0]["id"]  # the form keeps its id (a scenario may have named it)
        records.put_both_sides("document", doc["id"], doc)
    else:
        position = records.max_position("document") + 1
        records.insert([NewRecord("document", doc["id"], doc, position)], synced=True)
    return JobOutcome("complete")
