"""What a provider lets Finch do with benefits, from the catalog's `benefits_support`.

The catalog gives, per authentication method and benefit type, the supported features
(deduction and contribution kinds, annual maximum, catch-up, HSA limits) and a matrix of
operations (`company_benefits` / `individual_benefits` x create/read/update/delete) whose values
are `supported`, `not_supported_by_finch`, `not_supported_by_provider` or `client_access_only`.
This module turns that into yes/no answers and Finch's errors; it reads no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from finch_sandbox.errors import (
    FinchError,
    NotImplementedByProvider,
    UnprocessableRequest,
)
from finch_sandbox.services.providers import AUTOMATED_TYPES, ProviderCatalog

Level = Literal["company_benefits", "individual_benefits"]
Operation = Literal["create", "read", "update", "delete"]

# The catalog never documents `update` (providers-sources.md): an update is allowed where the
# matching create is, since both write the same configuration to the provider.
_FALLBACK = {"update": "create"}
# Frequencies are not in the catalog either; every benefit the sandbox's payroll deducts is
# taken from each paycheck unless it says otherwise.
DEFAULT_FREQUENCIES = ("every_paycheck",)
_WHAT = {
    ("company_benefits", "create"): "creating company benefits",
    ("company_benefits", "read"): "reading company benefits",
    ("company_benefits", "update"): "updating company benefits",
    ("individual_benefits", "create"): "enrolling individuals",
    ("individual_benefits", "read"): "reading individual enrollments",
    ("individual_benefits", "update"): "updating enrollments",
    ("individual_benefits", "delete"): "unenrolling individuals",
}


def unsupported_type(benefit_type: str) -> UnprocessableRequest:
    return UnprocessableRequest(
        f"Provider does not support benefit type '{benefit_type}'",
        finch_code="unsupported_parameters",
    )


@dataclass(frozen=True)
class BenefitSupport:
    """Benefit support of one connection (provider and authentication method)."""

    provider_name: str
    # None: the method lists no benefits support at all.
    types: dict[str, dict[str, Any] | None] | None

    @classmethod
    def of(
        cls, catalog: ProviderCatalog, provider_id: str, authentication_type: str
    ) -> BenefitSupport:
        """The connection's method, else (as `supported_fields` does) the provider's first
        automated method for automated connections: the sandbox lets any provider be connected
        by any method, while the catalog lists only the provider's real ones."""
        provider = catalog.get(provider_id) or {}
        name = str(provider.get("display_name") or provider_id)
        methods = [
            m for m in provider.get("authentication_methods") or [] if "benefits_support" in m
        ]
        chosen = next((m for m in methods if m["type"] == authentication_type), None)
        if chosen is None and authentication_type in AUTOMATED_TYPES:
            chosen = next((m for m in methods if m["type"] in AUTOMATED_TYPES), None)
        types = None if chosen is None else chosen.get("benefits_support")
        return cls(name, dict(types) if types else None)

    @property
    def offered(self) -> bool:
        return bool(self.types)

    def operation(self, benefit_type: str | None, level: Level, op: Operation) -> str:
        """The catalog's value for this type and operation (`not_supported_by_provider` for
        a type the provider does not have)."""
        entry = (self.types or {}).get(benefit_type or "")
        matrix = ((entry or {}).get("supported_operations") or {}).get(level) or {}
        value = matrix.get(op) or matrix.get(_FALLBACK.get(op, ""))
        return str(value) if value else "not_supported_by_provider"

    def has_type(self, benefit_type: str | None) -> bool:
        """The provider has this type: it is listed and some operation on it is possible."""
        entry = (self.types or {}).get(benefit_type or "")
        if not entry:
            return False
        matrix = entry.get("supported_operations") or {}
        return any(
            value != "not_supported_by_provider"
            for level in matrix.values()
            for value in (level or {}).values()
        )

    def features(self, benefit_type: str | None) -> dict[str, Any]:
        entry = (self.types or {}).get(benefit_type or "") or {}
        return dict(entry.get("supported_features") or {})

    def require_offered(self) -> None:
        if not self.offered:
            raise UnprocessableRequest(
                "Provider does not support benefits", finch_code="not_supported_by_provider"
            )

    def require(self, benefit_type: str | None, level: Level, op: Operation) -> None:
        """Raise Finch's error unless this operation on this type is `supported`."""
        self.require_offered()
        if benefit_type is None:
            self._require_untyped(level, op)
            return
        if not self.has_type(benefit_type):
            raise unsupported_type(benefit_type)
        value = self.operation(benefit_type, level, op)
        if value != "supported":
            raise refusal(value, f"{_WHAT[(level, op)]} of type '{benefit_type}'", self)

    def _require_untyped(self, level: Level, op: Operation) -> None:
        """A benefit without a type (the spec lets `type` be omitted or null): the company
        operation is possible where the provider supports it for some type; enrollments need
        a type, since the type decides how the payroll treats the deduction."""
        if level == "individual_benefits":
            raise UnprocessableRequest(
                "This benefit has no type, and only a benefit of one of the provider's types "
                "(GET /employer/benefits/meta) takes enrollments",
                finch_code="unsupported_parameters",
            )
        values = [self.operation(t, level, op) for t in self.types or {} if self.has_type(t)]
        if "supported" not in values:
            value = next((v for v in values if v != "not_supported_by_provider"), None)
            raise refusal(value or "not_supported_by_provider", _WHAT[(level, op)], self)

    def allows(self, benefit_type: str | None, level: Level, op: Operation) -> bool:
        if benefit_type is None:
            return level == "company_benefits" and any(
                self.allows(t, level, op) for t in self.types or {}
            )
        return (
            self.has_type(benefit_type) and self.operation(benefit_type, level, op) == "supported"
        )

    @property
    def automated(self) -> bool:
        """Finch reads this provider's benefits itself (some type's company read is
        supported); otherwise benefits are assisted: written through Finch, never read back."""
        return any(self.allows(t, "company_benefits", "read") for t in self.types or {})

    def supported_benefits(self) -> list[dict[str, Any]]:
        """`GET /employer/benefits/meta`: a `SupportedBenefit` per type the provider has."""
        out = []
        for benefit_type in self.types or {}:
            if not self.has_type(benefit_type):
                continue
            features = self.features(benefit_type)
            item: dict[str, Any] = {
                "type": benefit_type,
                "description": features.get("description"),
                "employee_deduction": features.get("employee_deduction"),
                "company_contribution": features.get("company_contribution"),
                "annual_maximum": features.get("annual_maximum"),
                "catch_up": features.get("catch_up"),
                "frequencies": list(features.get("frequencies") or DEFAULT_FREQUENCIES),
            }
            if "hsa_contribution_limit" in features:
                item["hsa_contribution_limit"] = features["hsa_contribution_limit"]
            out.append(item)
        return out


def refusal(value: str, what: str, support: BenefitSupport) -> FinchError:
    """Finch's answer for an operation the catalog does not mark `supported`."""
    if value == "not_supported_by_finch":
        return NotImplementedByProvider(
            f"Finch does not support {what} for {support.provider_name}",
            finch_code="not_supported_by_finch",
        )
    if value == "client_access_only":
        return UnprocessableRequest(
            f"{support.provider_name} allows only the employer to do {what}; once the employer "
            "has set the benefit up, register it with POST /employer/benefits/register",
            finch_code="client_access_only",
        )
    return UnprocessableRequest(
        f"{support.provider_name} does not support {what}", finch_code="not_supported_by_provider"
    )
