"""SQL for one connection's company benefits and enrollments; no business rules.

Every write changes what `/employer/benefits*` answers, so each marks the connection changed
through the unit of work's `mark_changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from finch_sandbox.storage.models import Benefit, BenefitEnrollment


def _ignore(*_connection_ids: str) -> None:
    pass


class BenefitRepository:
    """Scoped to one connection: every query is filtered by it."""

    def __init__(
        self, session: Session, connection_id: str, mark_changed: Callable[..., None] = _ignore
    ) -> None:
        self._session = session
        self._connection_id = connection_id
        self._mark_changed = mark_changed

    # --- company benefits -------------------------------------------------------------------

    def list(self) -> Sequence[Benefit]:
        return self._session.scalars(
            select(Benefit)
            .where(Benefit.connection_id == self._connection_id)
            .order_by(Benefit.position)
        ).all()

    def get(self, benefit_id: str) -> Benefit | None:
        return self._session.get(Benefit, (self._connection_id, benefit_id))

    def add(
        self,
        benefit_id: str,
        *,
        type: str | None,
        description: str | None,
        frequency: str | None,
        company_contribution: dict[str, Any] | None,
        origin: str,
        now: datetime,
    ) -> Benefit:
        position = self._session.scalar(
            select(func.coalesce(func.max(Benefit.position), -1)).where(
                Benefit.connection_id == self._connection_id
            )
        )
        benefit = Benefit(
            connection_id=self._connection_id,
            id=benefit_id,
            type=type,
            description=description,
            frequency=frequency,
            company_contribution=company_contribution,
            origin=origin,
            created_at=now,
            position=int(position if position is not None else -1) + 1,
        )
        self._session.add(benefit)
        self._session.flush()
        self._mark_changed(self._connection_id)
        return benefit

    def set_description(self, benefit_id: str, description: str) -> None:
        self._session.execute(
            update(Benefit)
            .where(Benefit.connection_id == self._connection_id, Benefit.id == benefit_id)
            .values(description=description)
            .execution_options(synchronize_session=False)
        )
        self._mark_changed(self._connection_id)

    # --- enrollments ------------------------------------------------------------------------

    def enrollments(self, benefit_id: str) -> Sequence[BenefitEnrollment]:
        return self._session.scalars(
            select(BenefitEnrollment)
            .where(
                BenefitEnrollment.connection_id == self._connection_id,
                BenefitEnrollment.benefit_id == benefit_id,
            )
            .order_by(BenefitEnrollment.enrolled_at, BenefitEnrollment.individual_id)
        ).all()

    def enrollments_of(
        self, individual_ids: Sequence[str]
    ) -> Sequence[tuple[Benefit, BenefitEnrollment]]:
        """Every enrollment of these individuals with its benefit, in benefit order."""
        found: list[tuple[Benefit, BenefitEnrollment]] = []
        unique = list(dict.fromkeys(individual_ids))
        # Chunked so a large payroll stays under SQLite's bound-parameter limit.
        for start in range(0, len(unique), 500):
            rows = self._session.execute(
                select(Benefit, BenefitEnrollment)
                .join(
                    BenefitEnrollment,
                    (BenefitEnrollment.connection_id == Benefit.connection_id)
                    & (BenefitEnrollment.benefit_id == Benefit.id),
                )
                .where(
                    Benefit.connection_id == self._connection_id,
                    BenefitEnrollment.individual_id.in_(unique[start : start + 500]),
                )
                .order_by(Benefit.position, BenefitEnrollment.individual_id)
            ).all()
            found.extend((row[0], row[1]) for row in rows)
        return found

    def enroll(
        self, benefit_id: str, individual_id: str, configuration: dict[str, Any], now: datetime
    ) -> bool:
        """Insert or overwrite an enrollment. True if the individual was newly enrolled."""
        existing = self._session.get(
            BenefitEnrollment, (self._connection_id, benefit_id, individual_id)
        )
        self._mark_changed(self._connection_id)
        if existing is not None:
            existing.configuration = configuration
            self._session.flush()
            return False
        self._session.add(
            BenefitEnrollment(
                connection_id=self._connection_id,
                benefit_id=benefit_id,
                individual_id=individual_id,
                configuration=configuration,
                enrolled_at=now,
                totals={},
            )
        )
        self._session.flush()
        return True

    def set_totals(self, enrollment: BenefitEnrollment, totals: dict[str, Any]) -> None:
        """What payroll has taken so far (the provider's figures; not shown by /employer/*)."""
        self._session.execute(
            update(BenefitEnrollment)
            .where(
                BenefitEnrollment.connection_id == self._connection_id,
                BenefitEnrollment.benefit_id == enrollment.benefit_id,
                BenefitEnrollment.individual_id == enrollment.individual_id,
            )
            .values(totals=totals)
            .execution_options(synchronize_session=False)
        )

    def unenroll(self, benefit_id: str, individual_id: str) -> bool:
        """True if the individual was enrolled (and no longer is)."""
        result = self._session.execute(
            delete(BenefitEnrollment)
            .where(
                BenefitEnrollment.connection_id == self._connection_id,
                BenefitEnrollment.benefit_id == benefit_id,
                BenefitEnrollment.individual_id == individual_id,
            )
            .execution_options(synchronize_session=False)
        )
        removed = bool(result.rowcount)  # type: ignore[attr-defined]
        if removed:
            self._mark_changed(self._connection_id)
        return removed
