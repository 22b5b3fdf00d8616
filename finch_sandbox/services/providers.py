"""Finch's provider catalog (GET /providers), shipped as data, and what it says a provider supports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import orjson

AUTOMATED_TYPES = ("credential", "api_token", "oauth", "api", "api_credential")


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
