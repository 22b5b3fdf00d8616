"""Benefits (`/employer/benefits…`): company deductions and contributions, enrollments, and
the manual jobs that report each write.

Rules: the token needs the `benefits` product (or its old name `deduction`) and a usable
connection; the provider catalog's `benefits_support` decides which types and operations are
allowed (services/benefit_support.py). Writes take effect in the request's transaction, as
Finch's live requests to the provider do; each also inserts a manual job that the worker moves
`pending → in_progress → complete` and whose `body` (GET /jobs/manual/{job_id}) holds the
per-item results computed by the write. Benefits live on one side only (see
storage/models/benefits.py), so `/employer/benefits*` answers them without a sync.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from finch_sandbox.clock import Clock
from finch_sandbox.errors import (
    FinchError,
    InsufficientScope,
    InvalidRequest,
    NotFound,
    UnprocessableRequest,
)
from finch_sandbox.ids import new_uuid
from finch_sandbox.services.benefit_payroll import (
    Enrolled,
    age_at_year_end,
    apply_enrollments,
    deduct_from_history,
)
from finch_sandbox.services.benefit_support import BenefitSupport, refusal, unsupported_type
from finch_sandbox.services.connections import statement_record_id
from finch_sandbox.services.employer_data import STATUS_ERRORS
from finch_sandbox.services.entities import sandbox_scope
from finch_sandbox.services.job_types import JobContext, JobOutcome, JobType, JobTypes, new_job
from finch_sandbox.services.principal import Principal
from finch_sandbox.services.providers import ProviderCatalog
from finch_sandbox.storage.db import Database
from finch_sandbox.storage.models import Benefit, BenefitEnrollment
from finch_sandbox.storage.repositories.benefits import BenefitRepository
from finch_sandbox.storage.uow import UnitOfWork

BENEFIT_CREATE = "benefit_create"
BENEFIT_UPDATE = "benefit_update"
BENEFIT_REGISTER = "benefit_register"
BENEFIT_ENROLL = "benefit_enroll"
BENEFIT_UNENROLL = "benefit_unenroll"
BENEFIT_JOB_TYPES = (
    BENEFIT_CREATE,
    BENEFIT_UPDATE,
    BENEFIT_REGISTER,
    BENEFIT_ENROLL,
    BENEFIT_UNENROLL,
)
BENEFIT_PRODUCTS = ("benefits", "deduction")
CONFIGURATION_KEYS = (
    "employee_deduction",
    "company_contribution",
    "annual_maximum",
    "catch_up",
    "hsa_contribution_limit",
    "effective_date",
)


def run_benefit_job(context: JobContext) -> JobOutcome:
    """Every benefit job: the write happened when it was asked for (a live provider request);
    finishing publishes the per-item results it produced as the job's `body`."""
    params = context.job.params or {}
    return JobOutcome("complete", result=params.get("results", []))


def register_job_types(types: JobTypes) -> None:
    for name in BENEFIT_JOB_TYPES:
        types.register(JobType(name, "manual", run_benefit_job))


def benefit_not_found(benefit_id: str) -> NotFound:
    return NotFound(f"Benefit not found: '{benefit_id}'", finch_code="benefit_not_found")


class Outcome(NamedTuple):
    """How one item of a benefit write ended, as Finch reports batch outcomes."""

    code: int
    name: str
    finch_code: str
    message: str

    def of(self, key: str, item_id: str, message: str | None = None) -> dict[str, Any]:
        """The per-item result: `{<key>: id, code, body: {name, finch_code, message}}`."""
        return {
            key: item_id,
            "code": self.code,
            "body": {
                "name": self.name,
                "finch_code": self.finch_code,
                "message": message or self.message,
            },
        }


BENEFIT_CREATED = Outcome(201, "created", "benefit_created", "Successfully created the benefit")
BENEFIT_REGISTERED = Outcome(
    201, "created", "benefit_registered", "Successfully registered the benefit"
)
BENEFIT_UPDATED = Outcome(200, "ok", "benefit_updated", "Successfully updated the benefit")
INDIVIDUAL_NOT_FOUND = Outcome(
    404, "not_found_error", "individual_not_found", "Individual not found"
)
INVALID_ENROLLMENT = Outcome(
    422, "unprocessable_request_error", "invalid_employee_enrollment", "Invalid enrollment"
)
ENROLLED = Outcome(
    201, "created", "enrolled_new_benefit", "Successfully enrolled individual in benefit"
)
ENROLLMENT_UPDATED = Outcome(
    200, "ok", "updated_existing_enrollment", "Successfully updated the individual's enrollment"
)
UNENROLLED = Outcome(
    200, "ok", "unenrolled_individual_benefit", "Successfully unenrolled individual from benefit"
)
NOT_ENROLLED = Outcome(
    404, "bad_request", "enrollment_not_found", "The individual is not enrolled in this benefit"
)


@dataclass(frozen=True, slots=True)
class Enrollment:
    """What to enroll one individual with (the request's `configuration`, validated for
    shape by the API layer; amounts in cents or basis points)."""

    individual_id: str
    configuration: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WriteResult:
    benefit_id: str
    job_id: str


@dataclass(frozen=True, slots=True)
class DeclaredBenefit:
    """A company benefit a scenario starts with (services/scenarios.py), with its
    enrollments as (individual id, stored configuration)."""

    id: str
    type: str | None
    description: str | None
    frequency: str | None
    company_contribution: dict[str, Any] | None
    enrollments: list[tuple[str, dict[str, Any]]]


class BenefitService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalog: ProviderCatalog,
        *,
        job_types: JobTypes,
        wake_worker: threading.Event,
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalog = catalog
        self._job_types = job_types
        self._wake = wake_worker

    # --- checks -----------------------------------------------------------------------------

    def support(self, principal: Principal) -> BenefitSupport:
        """The checks every benefits endpoint makes, then what the provider supports."""
        if not any(p in principal.products for p in BENEFIT_PRODUCTS):
            raise InsufficientScope(
                "The access token does not have access to the `benefits` product"
            )
        error = STATUS_ERRORS.get(principal.status)
        if error is not None:
            raise error()
        return BenefitSupport.of(
            self._catalog, principal.provider_id, principal.authentication_type
        )

    def _benefit(self, uow: UnitOfWork, principal: Principal, benefit_id: str) -> Benefit:
        benefit = uow.benefits(principal.connection_id).get(benefit_id)
        if benefit is None:
            raise benefit_not_found(benefit_id)
        return benefit

    def _job(
        self, uow: UnitOfWork, principal: Principal, job_type: str, params: dict[str, Any]
    ) -> str:
        registered = self._job_types.get(job_type)
        assert registered is not None, f"{job_type} is registered in default_job_types()"
        job = new_job(uow, registered, principal.connection_id, self._clock.now(), params=params)
        uow.jobs.notify_enqueued()
        return job.id

    def _commit(self, uow: UnitOfWork) -> None:
        uow.commit()
        self._wake.set()

    # --- company benefits -------------------------------------------------------------------

    def supported_benefits(self, principal: Principal) -> list[dict[str, Any]]:
        """GET /employer/benefits/meta: the types the provider supports, with their features."""
        return self.support(principal).supported_benefits()

    def list_benefits(self, principal: Principal) -> list[Benefit]:
        """GET /employer/benefits: the company's benefits whose type Finch can read."""
        support = self.support(principal)
        support.require_offered()
        if not support.automated:
            raise _read_refusal(support)
        with UnitOfWork(self._db) as uow:
            benefits = list(uow.benefits(principal.connection_id).list())
        return [b for b in benefits if support.allows(b.type, "company_benefits", "read")]

    def get_benefit(self, principal: Principal, benefit_id: str) -> Benefit:
        support = self.support(principal)
        with UnitOfWork(self._db) as uow:
            benefit = self._benefit(uow, principal, benefit_id)
        support.require(benefit.type, "company_benefits", "read")
        return benefit

    def create_benefit(
        self,
        principal: Principal,
        *,
        benefit_type: str | None,
        description: str | None,
        frequency: str | None,
        company_contribution: dict[str, Any] | None,
    ) -> WriteResult:
        """POST /employer/benefits."""
        support = self.support(principal)
        support.require(benefit_type, "company_benefits", "create")
        _check_frequency(support, benefit_type, frequency)
        return self._add(
            principal,
            BENEFIT_CREATE,
            benefit_type=benefit_type,
            description=description,
            frequency=frequency,
            company_contribution=company_contribution,
            origin="created",
        )

    def register_benefit(
        self,
        principal: Principal,
        *,
        benefit_type: str | None,
        description: str | None,
        frequency: str | None,
    ) -> WriteResult:
        """POST /employer/benefits/register: a benefit the employer already set up on the
        provider, made known to Finch. Only for assisted benefits (Finch cannot read the
        provider's benefits itself, so it has to be told)."""
        support = self.support(principal)
        support.require_offered()
        if support.automated:
            raise InvalidRequest("This adapter does not support assisted benefits.")
        if benefit_type is not None and not support.has_type(benefit_type):
            raise unsupported_type(benefit_type)
        _check_frequency(support, benefit_type, frequency)
        return self._add(
            principal,
            BENEFIT_REGISTER,
            benefit_type=benefit_type,
            description=description,
            frequency=frequency,
            company_contribution=None,
            origin="registered",
        )

    def _add(
        self,
        principal: Principal,
        job_type: str,
        *,
        benefit_type: str | None,
        description: str | None,
        frequency: str | None,
        company_contribution: dict[str, Any] | None,
        origin: str,
    ) -> WriteResult:
        with UnitOfWork(self._db, write=True) as uow:
            repo = uow.benefits(principal.connection_id)
            # Finch's docs: a create repeating the type, frequency and description of an
            # existing benefit makes no new one and answers that benefit's id. Two such creates
            # at once agree as well: taking the repository locks the connection (uow.py).
            same = (benefit_type, frequency, description)
            existing = next(
                (
                    b
                    for b in repo.list()
                    if origin == "created" and (b.type, b.frequency, b.description) == same
                ),
                None,
            )
            if existing is not None:
                benefit_id = existing.id
            else:
                benefit_id = new_uuid()
                repo.add(
                    benefit_id,
                    type=benefit_type,
                    description=description,
                    frequency=frequency,
                    company_contribution=company_contribution,
                    origin=origin,
                    now=self._clock.now(),
                )
            outcome = BENEFIT_CREATED if origin == "created" else BENEFIT_REGISTERED
            results = [outcome.of("benefit_id", benefit_id)]
            job_id = self._job(
                uow, principal, job_type, {"benefit_id": benefit_id, "results": results}
            )
            self._commit(uow)
        return WriteResult(benefit_id, job_id)

    def update_benefit(
        self, principal: Principal, benefit_id: str, *, description: str | None
    ) -> WriteResult:
        """POST /employer/benefits/{benefit_id}: only the description can change."""
        support = self.support(principal)
        with UnitOfWork(self._db, write=True) as uow:
            benefit = self._benefit(uow, principal, benefit_id)
            support.require(benefit.type, "company_benefits", "update")
            if description is not None:
                uow.benefits(principal.connection_id).set_description(benefit_id, description)
            results = [BENEFIT_UPDATED.of("benefit_id", benefit_id)]
            job_id = self._job(
                uow, principal, BENEFIT_UPDATE, {"benefit_id": benefit_id, "results": results}
            )
            self._commit(uow)
        return WriteResult(benefit_id, job_id)

    # --- scenarios ---------------------------------------------------------------------------

    def check_declared(
        self, provider_id: str, authentication_type: str, benefits: Sequence[DeclaredBenefit]
    ) -> None:
        """Raise Finch's error for a declared benefit the provider could not have: a type it
        does not have, a frequency or an enrollment configuration it cannot take."""
        if not benefits:
            return
        support = BenefitSupport.of(self._catalog, provider_id, authentication_type)
        support.require_offered()
        seen: set[str] = set()
        for benefit in benefits:
            if benefit.id in seen:
                raise InvalidRequest(f"benefit '{benefit.id}' is declared twice")
            seen.add(benefit.id)
            if benefit.type is not None and not support.has_type(benefit.type):
                raise unsupported_type(benefit.type)
            _check_frequency(support, benefit.type, benefit.frequency)
            if benefit.enrollments and benefit.type is None:
                support.require(None, "individual_benefits", "create")
            for _, configuration in benefit.enrollments:
                # Finch takes effective dates only for assisted benefits, but a declared
                # enrollment is history, which may well have started on a given day.
                history = {k: v for k, v in configuration.items() if k != "effective_date"}
                problem = configuration_problem(support, benefit.type, history)
                if problem is not None:
                    raise UnprocessableRequest(problem, finch_code="invalid_employee_enrollment")

    def declare(self, principal: Principal, benefits: Sequence[DeclaredBenefit]) -> None:
        """The scenario's benefits and enrollments, as the employer already had them: no jobs
        (nothing was written through Finch), and the generated pay history already shows the
        enrollments (from their effective date, else from the start). check_declared() has
        passed."""
        if not benefits:
            return
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            repo = uow.benefits(principal.connection_id)
            enrolled: dict[str, list[Enrolled]] = {}
            for benefit in benefits:
                added = repo.add(
                    benefit.id,
                    type=benefit.type,
                    description=benefit.description,
                    frequency=benefit.frequency,
                    company_contribution=benefit.company_contribution,
                    origin="declared",
                    now=now,
                )
                for individual_id, configuration in benefit.enrollments:
                    stored = {k: configuration.get(k) for k in CONFIGURATION_KEYS}
                    repo.enroll(added.id, individual_id, stored, now)
                    enrolled.setdefault(individual_id, []).append(_enrolled(added, stored, {}))
            totals = _deduct_from_history(uow, principal, enrolled)
            for benefit_row, enrollment in repo.enrollments_of(list(enrolled)):
                key = (benefit_row.id, enrollment.individual_id)
                if key in totals:
                    repo.set_totals(enrollment, totals[key])
            uow.commit()

    # --- enrollments ------------------------------------------------------------------------

    def enroll(
        self, principal: Principal, benefit_id: str, enrollments: Sequence[Enrollment]
    ) -> str:
        """POST /employer/benefits/{benefit_id}/individuals: an overwrite per individual.
        Returns the job id; unknown individuals and configurations the provider cannot take
        are per-item results in the job's body, not a failed request."""
        support = self.support(principal)
        now = self._clock.now()
        with UnitOfWork(self._db, write=True) as uow:
            benefit = self._benefit(uow, principal, benefit_id)
            support.require(benefit.type, "individual_benefits", "create")
            known = set(uow.records(principal.connection_id).provider_ids("employee"))
            repo = uow.benefits(principal.connection_id)
            results = []
            for item in enrollments:
                results.append(self._enroll_one(repo, support, benefit, item, known=known, now=now))
            job_id = self._job(
                uow, principal, BENEFIT_ENROLL, {"benefit_id": benefit_id, "results": results}
            )
            self._commit(uow)
        return job_id

    def _enroll_one(
        self,
        repo: BenefitRepository,
        support: BenefitSupport,
        benefit: Benefit,
        item: Enrollment,
        *,
        known: set[str],
        now: datetime,
    ) -> dict[str, Any]:
        iid = item.individual_id
        if iid not in known:
            return INDIVIDUAL_NOT_FOUND.of("individual_id", iid)
        problem = configuration_problem(support, benefit.type, item.configuration)
        if problem is not None:
            return INVALID_ENROLLMENT.of("individual_id", iid, problem)
        configuration = {k: item.configuration.get(k) for k in CONFIGURATION_KEYS}
        outcome = (
            ENROLLED if repo.enroll(benefit.id, iid, configuration, now) else ENROLLMENT_UPDATED
        )
        return outcome.of("individual_id", iid)

    def unenroll(self, principal: Principal, benefit_id: str, individual_ids: Sequence[str]) -> str:
        """DELETE /employer/benefits/{benefit_id}/individuals."""
        support = self.support(principal)
        with UnitOfWork(self._db, write=True) as uow:
            benefit = self._benefit(uow, principal, benefit_id)
            support.require(benefit.type, "individual_benefits", "delete")
            known = set(uow.records(principal.connection_id).provider_ids("employee"))
            repo = uow.benefits(principal.connection_id)
            results = []
            for iid in individual_ids:
                if iid not in known:
                    outcome = INDIVIDUAL_NOT_FOUND
                elif repo.unenroll(benefit_id, iid):
                    outcome = UNENROLLED
                else:
                    outcome = NOT_ENROLLED
                results.append(outcome.of("individual_id", iid))
            job_id = self._job(
                uow, principal, BENEFIT_UNENROLL, {"benefit_id": benefit_id, "results": results}
            )
            self._commit(uow)
        return job_id

    def enrolled_ids(self, principal: Principal, benefit_id: str) -> list[str]:
        """GET /employer/benefits/{benefit_id}/enrolled."""
        support = self.support(principal)
        with UnitOfWork(self._db) as uow:
            benefit = self._benefit(uow, principal, benefit_id)
            support.require(benefit.type, "individual_benefits", "read")
            return [
                e.individual_id
                for e in uow.benefits(principal.connection_id).enrollments(benefit_id)
            ]

    def individual_benefits(
        self, principal: Principal, benefit_id: str, individual_ids: Sequence[str] | None
    ) -> list[tuple[str, BenefitEnrollment | None, bool]]:
        """GET /employer/benefits/{benefit_id}/individuals: per individual asked for (every
        individual when none are named), (id, enrollment or None, whether the id is known)."""
        support = self.support(principal)
        with UnitOfWork(self._db) as uow:
            benefit = self._benefit(uow, principal, benefit_id)
            support.require(benefit.type, "individual_benefits", "read")
            everyone = list(uow.records(principal.connection_id).provider_ids("employee"))
            enrolled = {
                e.individual_id: e
                for e in uow.benefits(principal.connection_id).enrollments(benefit_id)
            }
        known = set(everyone)
        asked = list(dict.fromkeys(individual_ids)) if individual_ids else everyone
        return [(iid, enrolled.get(iid), iid in known) for iid in asked]


def _read_refusal(support: BenefitSupport) -> FinchError:
    values = [support.operation(t, "company_benefits", "read") for t in support.types or {}]
    chosen = next((v for v in values if v != "not_supported_by_provider"), values[0])
    return refusal(chosen, "reading company benefits", support)


def _check_frequency(
    support: BenefitSupport, benefit_type: str | None, frequency: str | None
) -> None:
    if frequency is None:
        return
    allowed = support.supported_benefits()
    for entry in allowed:
        if entry["type"] == benefit_type and frequency not in entry["frequencies"]:
            raise UnprocessableRequest(
                f"Provider does not support frequency '{frequency}' for benefit type "
                f"'{benefit_type}'",
                finch_code="unsupported_parameters",
            )


def configuration_problem(
    support: BenefitSupport, benefit_type: str | None, configuration: dict[str, Any]
) -> str | None:
    """Why the provider cannot take this enrollment configuration, or None if it can."""
    features = support.features(benefit_type)
    deduction = configuration.get("employee_deduction")
    if deduction is not None:
        allowed = features.get("employee_deduction")
        if allowed is not None and deduction.get("type") not in allowed:
            return (
                f"Provider does not support employee deductions of type "
                f"'{deduction.get('type')}' for benefit type '{benefit_type}'"
            )
    contribution = configuration.get("company_contribution")
    if contribution is not None:
        allowed = features.get("company_contribution")
        if allowed is not None and contribution.get("type") not in allowed:
            return (
                f"Provider does not support company contributions of type "
                f"'{contribution.get('type')}' for benefit type '{benefit_type}'"
            )
    if configuration.get("annual_maximum") is not None and not features.get("annual_maximum"):
        return f"Provider does not support an annual maximum for benefit type '{benefit_type}'"
    if configuration.get("catch_up") and not features.get("catch_up"):
        return f"Provider does not support catch up for benefit type '{benefit_type}'"
    limit = configuration.get("hsa_contribution_limit")
    if limit is not None and limit not in (features.get("hsa_contribution_limit") or ()):
        return (
            f"Provider does not support an HSA contribution limit for benefit type '{benefit_type}'"
        )
    if configuration.get("effective_date") and support.automated:
        return "effective_date is supported only for assisted benefits"
    return None


def _enrolled(benefit: Benefit, configuration: dict[str, Any], totals: dict[str, Any]) -> Enrolled:
    return Enrolled(
        benefit_id=benefit.id,
        benefit_type=benefit.type,
        description=benefit.description,
        frequency=benefit.frequency,
        benefit_match=benefit.company_contribution,
        configuration=configuration,
        totals=totals,
    )


def _deduct_from_history(
    uow: UnitOfWork, principal: Principal, enrolled: dict[str, list[Enrolled]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Enrollments that predate the connection's generated pay history, applied to it on both
    sides (it is history: no sync is needed to see it). Returns the year-to-date totals."""
    if not enrolled:
        return {}
    records = uow.records(principal.connection_id, sandbox_scope(principal))
    payments = list(records.synced_docs("payment"))
    # (payment id, individual id) -> record id, for the enrolled people each payment paid.
    paid = {
        (p["id"], i): statement_record_id(p["id"], i)
        for p in payments
        for i in p.get("individual_ids") or ()
        if i in enrolled
    }
    found = records.synced_docs_by_id("pay_statement", list(paid.values()))
    statements = {key: found[rid] for key, rid in paid.items() if rid in found}
    people = {i: records.provider_doc("employee", i) or {} for i in enrolled}
    born = {i: (doc.get("individual") or {}).get("dob") for i, doc in people.items()}
    changed, totals = deduct_from_history(payments, statements, enrolled, born)
    for payment in payments:
        if payment["id"] in changed:
            records.put_both_sides("payment", payment["id"], payment)
    for (payment_id, _), record_id in paid.items():
        if payment_id in changed and record_id in found:
            records.put_both_sides("pay_statement", record_id, found[record_id])
    return totals


def deduct_enrolled_benefits(
    uow: UnitOfWork, connection_id: str, statements: Sequence[dict[str, Any]], *, pay_date: date
) -> None:
    """The provider's payroll run, for benefits: add each individual's enrolled deductions and
    contributions to their statement (in place) and keep the year-to-date figures that the
    annual maximums read. Called by every builder of new pay statements, in its transaction."""
    repo = uow.benefits(connection_id)
    by_individual: dict[str, list[tuple[Benefit, BenefitEnrollment]]] = {}
    for benefit, enrollment in repo.enrollments_of([s["individual_id"] for s in statements]):
        by_individual.setdefault(enrollment.individual_id, []).append((benefit, enrollment))
    if not by_individual:
        return
    records = uow.records(connection_id)
    for statement in statements:
        pairs = by_individual.get(statement["individual_id"])
        if not pairs:
            continue
        person = records.provider_doc("employee", statement["individual_id"]) or {}
        dob = (person.get("individual") or {}).get("dob")
        enrolled = [
            _enrolled(benefit, enrollment.configuration, enrollment.totals or {})
            for benefit, enrollment in pairs
        ]
        changed = apply_enrollments(
            statement, enrolled, pay_date=pay_date, age=age_at_year_end(dob, pay_date.year)
        )
        rows = {(b.id, e.individual_id): e for b, e in pairs}
        for item, totals in changed:
            repo.set_totals(rows[(item.benefit_id, statement["individual_id"])], totals)
