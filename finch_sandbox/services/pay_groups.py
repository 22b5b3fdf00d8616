"""Pay groups (/employer/pay-groups): the synced side of the `pay_group` records that
generation draws per company (generation/pay_history.py) and sandbox edits keep current.

Rules here: the `payment` product decides access (pay groups are how payments are run), the
list filters by member and by frequency, and an unknown id is Finch's 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from finch_sandbox.services.employer_data import EmployerDataService
from finch_sandbox.services.principal import Principal
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.uow import UnitOfWork

PRODUCT = "payment"


class PayGroupService:
    def __init__(self, db: Database, employer_data: EmployerDataService) -> None:
        self._db = db
        self._employer_data = employer_data

    def list(
        self,
        principal: Principal,
        *,
        individual_id: str | None,
        pay_frequencies: Sequence[str] | None,
        entity_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """`PayGroupListResponse`s: groups with `individual_id` among their members, and with
        any of `pay_frequencies`, when given."""
        self._employer_data.require(principal, PRODUCT)
        with UnitOfWork(self._db) as uow:
            groups = uow.records(principal.connection_id, entity_id).synced_docs("pay_group")
        wanted = set(pay_frequencies or ())
        return [
            {"id": g["id"], "name": g["name"], "pay_frequencies": list(g["pay_frequencies"])}
            for g in groups
            if (individual_id is None or individual_id in g["individual_ids"])
            and (not wanted or wanted & set(g["pay_frequencies"]))
        ]

    def get(
        self, principal: Principal, pay_group_id: str, *, entity_id: str | None = None
    ) -> dict[str, Any]:
        """A `PayGroupRetrieveResponse`, members included."""
        return self._employer_data.synced_record(
            principal, PRODUCT, "pay_group", pay_group_id, entity_id=entity_id, what="pay group"
        )
