"""Request bodies of the /sandbox/* endpoints (SDK types/sandbox/*_params.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from finch_sandbox.api.schemas.common import (
    AuthenticationType,
    BenefitType,
    ConnectionStatus,
    IsoDate,
    Location,
    Uuid,
    WireModel,
)
from finch_sandbox.api.schemas.constraints import TenDigitPhone, check_total


class ConnectionCreateParams(WireModel):
    provider_id: str
    authentication_type: AuthenticationType | None = None
    employee_size: int | None = None
    products: list[str] | None = None


class AccountCreateParams(WireModel):
    company_id: Uuid
    provider_id: str
    authentication_type: AuthenticationType | None = None
    products: list[str] | None = None


class AccountUpdateParams(WireModel):
    connection_status: ConnectionStatus | None = None


class Department(WireModel):
    name: str | None = None
    parent: DepartmentParent | None = None


class DepartmentParent(WireModel):
    name: str | None = None


class Entity(WireModel):
    type: (
        Literal[
            "llc",
            "lp",
            "corporation",
            "sole_proprietor",
            "non_profit",
            "partnership",
            "cooperative",
        ]
        | None
    ) = None
    subtype: Literal["s_corporation", "c_corporation", "b_corporation"] | None = None


class BankAccount(WireModel):
    account_name: str | None = None
    account_number: str | None = None
    account_type: Literal["checking", "savings"] | None = None
    institution_name: str | None = None
    routing_number: str | None = None


class CompanyUpdateParams(WireModel):
    """PUT /sandbox/company: the SDK sends all eight keys, so the company is replaced whole."""

    accounts: list[BankAccount] | None
    departments: list[Department | None] | None
    ein: str | None
    entity: Entity | None
    legal_name: str | None
    locations: list[Location | None] | None
    primary_email: str | None
    primary_phone_number: TenDigitPhone | None


class Email(WireModel):
    data: str
    type: Literal["work", "personal"] | None = None


class PhoneNumber(WireModel):
    data: str | None = None
    type: Literal["work", "personal"] | None = None


Gender = Literal["female", "male", "other", "decline_to_specify"]
Ethnicity = Literal[
    "asian",
    "white",
    "black_or_african_american",
    "native_hawaiian_or_pacific_islander",
    "american_indian_or_alaska_native",
    "hispanic_or_latino",
    "two_or_more_races",
    "decline_to_specify",
]
MaritalStatus = Literal["single", "married", "divorced", "widowed", "domestic_partner", "unknown"]


class IndividualFields(WireModel):
    """PUT /sandbox/individual/{id}: only the keys sent are changed."""

    dob: IsoDate | None = None
    emails: list[Email] | None = None
    encrypted_ssn: str | None = None
    ethnicity: Ethnicity | None = None
    first_name: str | None = None
    gender: Gender | None = None
    last_name: str | None = None
    marital_status: MaritalStatus | None = None
    middle_name: str | None = None
    phone_numbers: list[PhoneNumber | None] | None = None
    preferred_name: str | None = None
    residence: Location | None = None
    ssn: str | None = None


class EmploymentKind(WireModel):
    type: Literal["employee", "contractor"] | None = None
    subtype: (
        Literal["full_time", "intern", "part_time", "temp", "seasonal", "individual_contractor"]
        | None
    ) = None


class Income(WireModel):
    amount: int | None = None
    currency: str | None = None
    effective_date: IsoDate | None = None
    unit: (
        Literal[
            "yearly",
            "quarterly",
            "monthly",
            "semi_monthly",
            "bi_weekly",
            "weekly",
            "daily",
            "hourly",
            "fixed",
        ]
        | None
    ) = None


class CustomField(WireModel):
    name: str | None = None
    value: Any = None


class ManagerRef(WireModel):
    id: Uuid


class DepartmentRef(WireModel):
    name: str | None = None


class EmploymentFields(WireModel):
    """PUT /sandbox/employment/{id}: only the keys sent are changed."""

    class_code: str | None = None
    custom_fields: list[CustomField] | None = None
    department: DepartmentRef | None = None
    employment: EmploymentKind | None = None
    employment_status: (
        Literal["active", "deceased", "leave", "onboarding", "prehire", "retired", "terminated"]
        | None
    ) = None
    end_date: IsoDate | None = None
    first_name: str | None = None
    flsa_status: Literal["exempt", "non_exempt", "unknown"] | None = None
    highly_compensated_employee: bool | None = None
    income: Income | None = None
    income_history: list[Income | None] | None = None
    is_active: bool | None = None
    key_employee: bool | None = None
    last_name: str | None = None
    latest_rehire_date: IsoDate | None = None
    location: Location | None = None
    manager: ManagerRef | None = None
    middle_name: str | None = None
    source_id: str | None = None
    start_date: IsoDate | None = None
    title: str | None = None
    union_code: str | None = None
    union_local: str | None = None
    benefit_eligibility_class: str | None = None


class DirectoryItem(IndividualFields, EmploymentFields):
    """One item of POST /sandbox/directory: the union of individual and employment fields."""


class Earning(WireModel):
    amount: int | None = None
    hours: float | int | None = None
    name: str | None = None
    type: (
        Literal[
            "bonus",
            "commission",
            "double_overtime",
            "other",
            "overtime",
            "pto",
            "reimbursement",
            "salary",
            "severance",
            "sick",
            "tips",
            "wage",
            "1099",
        ]
        | None
    ) = None


class Deduction(WireModel):
    amount: int | None = None
    name: str | None = None
    pre_tax: bool | None = None
    type: BenefitType | None = None


class Contribution(WireModel):
    amount: int | None = None
    name: str | None = None
    type: BenefitType | None = None


class Tax(WireModel):
    amount: int | None = None
    employer: bool | None = None
    name: str | None = None
    type: Literal["federal", "fica", "local", "state"] | None = None


class PayStatementInput(WireModel):
    individual_id: Uuid
    earnings: list[Earning] = Field(default_factory=list)
    employee_deductions: list[Deduction] = Field(default_factory=list)
    employer_contributions: list[Contribution] = Field(default_factory=list)
    taxes: list[Tax] = Field(default_factory=list)
    gross_pay: int | None = None
    net_pay: int | None = None
    payment_method: Literal["check", "direct_deposit", "other"] | None = None
    total_hours: float | int | None = None
    type: Literal["off_cycle_payroll", "one_time_payment", "regular_payroll"] | None = None

    def totals(self) -> dict[str, list[int | None]]:
        """The amounts that add up to each of the payment's totals (and the pay statement
        items' totals): gross pay; net pay with taxes and contributions (company debit);
        deductions."""
        return {
            "gross pay": [self.gross_pay, *(e.amount for e in self.earnings)],
            "net pay, taxes and contributions": [
                self.net_pay,
                *(t.amount for t in self.taxes),
                *(c.amount for c in self.employer_contributions),
            ],
            "deductions": [d.amount for d in self.employee_deductions],
        }


class PaymentCreateParams(WireModel):
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    pay_statements: list[PayStatementInput] = Field(default_factory=list)

    @model_validator(mode="after")
    def _totals_fit(self) -> PaymentCreateParams:
        # The payment's totals are sums over every statement's lines (and hours likewise).
        sums: dict[str, list[int | None]] = {}
        for statement in self.pay_statements:
            for what, amounts in statement.totals().items():
                sums.setdefault(what, []).extend(amounts)
        for what, amounts in sums.items():
            check_total(amounts, f"the amounts of {what}")
        hours = [e.hours for s in self.pay_statements for e in s.earnings]
        hours += [s.total_hours for s in self.pay_statements]
        check_total([round(h) if h is not None else None for h in hours], "the hours")
        return self
