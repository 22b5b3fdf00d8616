"""Company benefits (deductions and contributions) and who is enrolled in them.

Which side they live on: one side only. Finch's benefit writes are live requests to the
provider, and its benefit reads ask the provider at request time (no sync in between), so a
benefit and an enrollment are one fact that both the provider (it deducts them from the next
pay statements it runs) and Finch (`/employer/benefits*` answers from them) see at once. They
are therefore not `records` documents with a provider and a synced side: these rows are the
provider's configuration, read live by `/employer/benefits*` and by the provider's payroll run
(`POST /sandbox/payment`); the pay statements that payroll produces are ordinary `records` and
reach `/employer/pay-statement` with the next sync, like any other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finch_sandbox.storage.models.base import Base, JsonDoc, UtcDateTime


class Benefit(Base):
    """A company-wide deduction or contribution (`CompanyBenefit`)."""

    __tablename__ = "benefits"

    connection_id: Mapped[str] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    frequency: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # `{"type": "match", "tiers": [...]}` or null.
    company_contribution: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc, nullable=True)
    # How Finch learned of it: `created` (POST /employer/benefits) or `registered`.
    origin: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Listing order (creation order; several benefits may share a frozen-clock instant).
    position: Mapped[int] = mapped_column(Integer)


class BenefitEnrollment(Base):
    """One individual's enrollment in one benefit: the configuration last enrolled with."""

    __tablename__ = "benefit_enrollments"

    connection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    benefit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    individual_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # employee_deduction, company_contribution, annual_maximum, catch_up,
    # hsa_contribution_limit, effective_date: as enrolled (services/benefit_rules.py).
    configuration: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # What the provider's payroll has taken so far, kept as payroll systems keep year-to-date
    # figures per deduction: {"years": {"2026": {"employee": cents, "company": cents}},
    # "last_month": "2026-11"} (the annual maximum and `monthly` frequency read it).
    totals: Mapped[dict[str, Any]] = mapped_column(JsonDoc)

    __table_args__ = (
        ForeignKeyConstraint(
            ["connection_id", "benefit_id"],
            ["benefits.connection_id", "benefits.id"],
            ondelete="CASCADE",
        ),
    )
