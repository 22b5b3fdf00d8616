"""Finch's provider catalog (GET /providers), shipped as data, and what it says a provider supports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import orjson

AUTOMATED_TYPES = ("credential", "api_token", "oauth", "api", "api_credential")
# Token products that are part of a catalog product (the catalog lists `individual`, not
# `ssn`; `deduction` is benefits' old name). Products the catalog never lists (documents,
# plans, ...) are not limited by it.
CATALOG_PRODUCT = {
    "company": "company",
    "directory": "directory",
    "individual": "individual",
    "ssn": "individual",
    "employment": "employment",
    "payment": "payment",
    "pay_statement": "pay_statement",
    "benefits": "benefits",
    "deduction": "benefits",
}
PAYROLL_PRODUCTS = ("payment", "pay_statement")


@dataclass(frozen=True)
class ProviderCatalog:
    """The 207 providers Finch publishes, in the `GET /providers` wire shape."""

    providers: tuple[dict[str, Any], ...]

    @classmethod
    def load(cls) -> ProviderCatalog:
        text = resources.files("finch_sandbox.data").joinpath("providers.json").read_text("utf-8")
        return cls(tuple(json.loads(text)))

    @cached_property
    def _by_id(self) -> dict[str, dict[str, Any]]:
        return {p["id"]: p for p in self.providers}

    @cached_property
    def wire_bytes(self) -> bytes:
        # The catalog never changes while the server runs: serialize it once.
        return orjson.dumps(list(self.providers))

    def get(self, provider_id: str) -> dict[str, Any] | None:
        return self._by_id.get(provider_id)

    def offers(self, provider_id: str, authentication_type: str, product: str) -> bool:
        """Whether the provider's integration for this method offers `product` at all.

        The catalog lists products per provider; a method whose field map marks every field
        of a product unsupported (square_payroll's API token reads no payments) does not
        offer it either.
        """
        provider = self._by_id.get(provider_id)
        listed = CATALOG_PRODUCT.get(product)
        if provider is None or listed is None:
            return True
        if listed not in (provider.get("products") or ()):
            return False
        fields = self.supported_fields(provider_id, authentication_type)
        section = (fields or {}).get(listed)
        return section is None or _any_true(section)

    def offers_payroll(self, provider_id: str, authentication_type: str) -> bool:
        return any(self.offers(provider_id, authentication_type, p) for p in PAYROLL_PRODUCTS)

    def supported_fields(self, provider_id: str, authentication_type: str) -> dict[str, Any] | None:
        """Field support for the method the connection uses, or the closest automated one.

        The sandbox lets any provider be connected by any method, while the catalog lists only
        the provider's real methods; an API integration (`api`) stands in for the others.
        """
        provider = self._by_id.get(provider_id)
        if provider is None:
            return None
        methods = provider.get("authentication_methods") or []
        with_fields = [m for m in methods if m.get("supported_fields")]
        for method in with_fields:
            if method["type"] == authentication_type:
                return dict(method["supported_fields"])
        automated = [m for m in with_fields if m["type"] in AUTOMATED_TYPES]
        return dict(automated[0]["supported_fields"]) if automated else None


def _any_true(rule: Any) -> bool:
    if isinstance(rule, dict):
        return any(_any_true(r) for r in rule.values())
    return rule is True
