"""Wire models for /employer/benefits…: request bodies as the SDK sends them, and the mapping
of benefits and enrollments to `CompanyBenefit` and `IndividualBenefit`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from finch_sandbox.api.schemas.common import BenefitType, IsoDate, WireModel
from finch_sandbox.services.benefits import INDIVIDUAL_NOT_FOUND, NOT_ENROLLED
from finch_sandbox.storage.models import Benefit, BenefitEnrollment

BenefitFrequency = Literal["every_paycheck", "monthly", "one_time"]
MAX_BASIS_POINTS = 10_000


class MatchTier(WireModel):
    match: int = Field(ge=0, le=MAX_BASIS_POINTS)
    threshold: int = Field(ge=0, le=MAX_BASIS_POINTS)


class CompanyMatch(WireModel):
    tiers: list[MatchTier]
    type: Literal["match"]


class BenefitCreateParams(WireModel):
    company_contribution: CompanyMatch | None = None
    description: str | None = Field(default=None, max_length=255)
    frequency: BenefitFrequency | None = None
    type: BenefitType | None = None


class BenefitRegisterParams(WireModel):
    description: str | None = Field(default=None, max_length=255)
    frequency: BenefitFrequency | None = None
    type: BenefitType | None = None


class BenefitUpdateParams(WireModel):
    description: str | None = Field(default=None, max_length=255)


class _Amount(WireModel):
    amount: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _percent_in_range(self) -> _Amount:
        if getattr(self, "type", None) == "percent" and self.amount > MAX_BASIS_POINTS:
            raise ValueError("a percent amount is in basis points, at most 10000 (100%)")
        return self


class EmployeeDeduction(_Amount):
    type: Literal["fixed", "percent"]


class CompanyContribution(_Amount):
    tiers: list[MatchTier] | None = None
    type: Literal["fixed", "percent", "tiered"]

    @model_validator(mode="after")
    def _tiers_when_tiered(self) -> CompanyContribution:
        if self.type == "tiered" and not self.tiers:
            raise ValueError("a tiered contribution needs its tiers")
        return self


class EnrollmentConfiguration(WireModel):
    annual_contribution_limit: Literal["individual", "family"] | None = None
    annual_maximum: int | None = Field(default=None, ge=0)
    catch_up: bool | None = None
    company_contribution: CompanyContribution | None = None
    effective_date: IsoDate | None = None
    employee_deduction: EmployeeDeduction | None = None

    def stored(self) -> dict[str, Any]:
        """The configuration as services/benefit_payroll.py reads it."""
        contribution = self.company_contribution
        return {
            "employee_deduction": (
                self.employee_deduction.model_dump() if self.employee_deduction else None
            ),
            "company_contribution": (
                None
                if contribution is None
                else {
                    "type": contribution.type,
                    "tiers": [t.model_dump() for t in contribution.tiers or []],
                }
                if contribution.type == "tiered"
                else {"type": contribution.type, "amount": contribution.amount}
            ),
            "annual_maximum": self.annual_maximum,
            "catch_up": self.catch_up,
            "hsa_contribution_limit": self.annual_contribution_limit,
            "effective_date": self.effective_date,
        }


class EnrollItem(WireModel):
    individual_id: str = Field(min_length=1)
    configuration: EnrollmentConfiguration | None = None


class UnenrollParams(WireModel):
    individual_ids: list[str] = Field(default_factory=list)


def company_benefit(benefit: Benefit) -> dict[str, Any]:
    """A `CompanyBenefit`."""
    return {
        "benefit_id": benefit.id,
        "type": benefit.type,
        "description": benefit.description,
        "frequency": benefit.frequency,
        "company_contribution": benefit.company_contribution,
    }


def individual_benefit(
    individual_id: str, enrollment: BenefitEnrollment | None, known: bool
) -> dict[str, Any]:
    """An `IndividualBenefit`: the enrollment, or why there is none."""
    if not known or enrollment is None:
        # The same outcomes an enrollment job reports for these individuals.
        outcome = INDIVIDUAL_NOT_FOUND if not known else NOT_ENROLLED
        result = outcome.of("individual_id", individual_id)
        result["body"] = {"code": outcome.code, **result["body"]}
        return result
    config = enrollment.configuration
    return {
        "individual_id": individual_id,
        "code": 200,
        "body": {
            "employee_deduction": config.get("employee_deduction"),
            "company_contribution": config.get("company_contribution"),
            "annual_maximum": config.get("annual_maximum"),
            "catch_up": config.get("catch_up"),
            "hsa_contribution_limit": config.get("hsa_contribution_limit"),
        },
    }
