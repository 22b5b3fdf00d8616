"""Reads of the synced side: the /employer/* data endpoints.

Rules here: which product each read needs, what the connection status allows, paging and
batch semantics (an unknown id is a per-item error, not a failed call).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from finch_sandbox.errors import (
    AccountSetupRequired,
    BadRequest,
    DataNotReady,
    FinchError,
    InsufficientPermissions,
    InsufficientScope,
    NotFound,
    NotImplementedByProvider,
    ReauthenticateUser,
)
from finch_sandbox.services.principal import Principal
from finch_sandbox.services.providers import ProviderCatalog
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.uow import UnitOfWork

STATUS_ERRORS: dict[str, type[FinchError]] = {
    "pending": DataNotReady,
    "processing": DataNotReady,
    "reauth": ReauthenticateUser,
    "error_no_account_setup": AccountSetupRequired,
    "error_permissions": InsufficientPermissions,
}

DIRECTORY_MAX_LIMIT = 10_000
PAY_STATEMENT_MAX_LIMIT = 5_000
MAX_PAYMENT_IDS = 10


@dataclass(frozen=True, slots=True)
class PayStatementRequest:
    payment_id: str
    limit: int | None
    offset: int | None


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    """A page of employees (each `{"individual": ..., "employment": ...}`) and the total."""

    count: int
    offset: int
    employees: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One answer of a batch read: the document found, or the per-item error."""

    request_id: str
    found: dict[str, Any] | None
    error: FinchError | None = None


@dataclass(frozen=True, slots=True)
class PayStatementPage:
    """One payment's pay statements, or why there are none."""

    payment_id: str
    count: int = 0
    offset: int = 0
    statements: list[dict[str, Any]] | None = None
    error: FinchError | None = None


class EmployerDataService:
    def __init__(self, db: Database, catalog: ProviderCatalog) -> None:
        self._db = db
        self._catalog = catalog

    def require(self, principal: Principal, product: str) -> None:
        """The checks every data endpoint makes before it reads anything: the token's scope
        (403), then whether the provider offers the product at all (501, behavior.md §3.4)."""
        if product not in principal.products:
            raise InsufficientScope(
                f"The access token does not have access to the `{product}` product"
            )
        if not self._catalog.offers(principal.provider_id, principal.authentication_type, product):
            raise NotImplementedByProvider(
                f"The `{product}` product is not supported by {principal.provider_id} "
                f"({principal.authentication_type} connections)"
            )
        error = STATUS_ERRORS.get(principal.status)
        if error is not None:
            raise error()

    def synced_record(
        self,
        principal: Principal,
        product: str,
        kind: str,
        record_id: str,
        *,
        entity_id: str | None,
        what: str,
    ) -> dict[str, Any]:
        """One synced document of a kind the token may read, or Finch's 404 naming it."""
        self.require(principal, product)
        with UnitOfWork(self._db) as uow:
            doc = uow.records(principal.connection_id, entity_id).synced_doc(kind, record_id)
        if doc is None:
            raise NotFound(f"could not find {what} with id '{record_id}'")
        return doc

    def company(self, principal: Principal, *, entity_id: str | None = None) -> dict[str, Any]:
        self.require(principal, "company")
        with UnitOfWork(self._db) as uow:
            records = uow.records(principal.connection_id, entity_id)
            if entity_id is None:
                doc = records.synced_doc("company", principal.company_id)
            else:
                doc = records.only_synced("company")
        if doc is None:
            raise NotFound("Company not found")
        return doc

    def directory(
        self,
        principal: Principal,
        *,
        limit: int | None,
        offset: int | None,
        entity_id: str | None = None,
    ) -> DirectoryPage:
        self.require(principal, "directory")
        limit = 100 if limit is None else limit
        offset = 0 if offset is None else offset
        if not 0 <= limit <= DIRECTORY_MAX_LIMIT:
            raise BadRequest(f"[query:limit]: must be between 0 and {DIRECTORY_MAX_LIMIT}")
        if offset < 0:
            raise BadRequest("[query:offset]: must be 0 or more")
        with UnitOfWork(self._db) as uow:
            records = uow.records(principal.connection_id, entity_id)
            count = records.count_synced("employee")
            docs = records.page_synced("employee", limit=limit, offset=offset) if limit else []
        return DirectoryPage(count, offset, list(docs))

    def individuals(
        self,
        principal: Principal,
        individual_ids: Sequence[str],
        *,
        include_ssn: bool,
        entity_id: str | None = None,
    ) -> list[BatchItem]:
        self.require(principal, "individual")
        show_ssn = include_ssn and "ssn" in principal.products

        def body(doc: dict[str, Any]) -> dict[str, Any]:
            individual = dict(doc["individual"])
            if not show_ssn:
                individual["ssn"] = None
                individual["encrypted_ssn"] = None
            return individual

        return self._employee_batch(principal, individual_ids, body, entity_id)

    def employments(
        self, principal: Principal, individual_ids: Sequence[str], *, entity_id: str | None = None
    ) -> list[BatchItem]:
        self.require(principal, "employment")
        return self._employee_batch(
            principal, individual_ids, lambda doc: doc["employment"], entity_id
        )

    def _employee_batch(
        self,
        principal: Principal,
        individual_ids: Sequence[str],
        body: Callable[[dict[str, Any]], dict[str, Any]],
        entity_id: str | None,
    ) -> list[BatchItem]:
        """One answer per requested id, in order; an unknown id is a per-item 404."""
        with UnitOfWork(self._db) as uow:
            found = uow.records(principal.connection_id, entity_id).synced_docs_by_id(
                "employee", individual_ids
            )
        items = []
        for individual_id in individual_ids:
            doc = found.get(individual_id)
            if doc is None:
                items.append(BatchItem(individual_id, None, _missing_individual(individual_id)))
            else:
                items.append(BatchItem(individual_id, body(doc)))
        return items

    def payments(
        self,
        principal: Principal,
        *,
        start_date: str,
        end_date: str,
        entity_id: str | None = None,
    ) -> list[dict[str, Any]]:
        self.require(principal, "payment")
        if start_date > end_date:
            raise BadRequest("[query:start_date]: must not be after end_date")
        with UnitOfWork(self._db) as uow:
            return list(
                uow.records(principal.connection_id, entity_id).synced_between(
                    "payment", start_date, end_date
                )
            )

    def pay_statements(
        self,
        principal: Principal,
        requests: Sequence[PayStatementRequest],
        *,
        entity_id: str | None = None,
    ) -> list[PayStatementPage]:
        self.require(principal, "pay_statement")
        if len(requests) > MAX_PAYMENT_IDS:
            raise BadRequest(f"[body:requests]: at most {MAX_PAYMENT_IDS} payment_ids per request")
        pages: list[PayStatementPage] = []
        with UnitOfWork(self._db) as uow:
            records = uow.records(principal.connection_id, entity_id)
            for index, item in enumerate(requests):
                limit = 100 if item.limit is None else item.limit
                offset = 0 if item.offset is None else item.offset
                if not 0 <= limit <= PAY_STATEMENT_MAX_LIMIT:
                    raise BadRequest(
                        f"[body:requests.{index}.limit]: must be between 0 and "
                        f"{PAY_STATEMENT_MAX_LIMIT}"
                    )
                if offset < 0:
                    raise BadRequest(f"[body:requests.{index}.offset]: must be 0 or more")
                if records.synced_doc("payment", item.payment_id) is None:
                    missing = NotFound(
                        f"could not find payment with id '{item.payment_id}'",
                        finch_code="payment_not_found",
                    )
                    pages.append(PayStatementPage(item.payment_id, error=missing))
                    continue
                count = records.count_synced("pay_statement", parent_id=item.payment_id)
                page = (
                    records.page_synced(
                        "pay_statement", limit=limit, offset=offset, parent_id=item.payment_id
                    )
                    if limit
                    else []
                )
                pages.append(PayStatementPage(item.payment_id, count, offset, list(page)))
        return pages


def _missing_individual(individual_id: str) -> NotFound:
    return NotFound(
        f"could not find individual with id '{individual_id}'", finch_code="individual_not_found"
    )
