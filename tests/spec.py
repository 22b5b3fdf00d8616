"""The Finch OpenAPI document as a test oracle: validate any response against its operation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "finch-api" / "openapi.yaml"
SPEC_URI = "urn:finch-openapi"


def spec_path() -> Path:
    # CI lays shared/ beside the clone; a developer checkout has it at ../shared too.
    if SPEC_PATH.exists():
        return SPEC_PATH
    raise FileNotFoundError(f"the Finch OpenAPI document is expected at {SPEC_PATH}")


@cache
def load_spec() -> dict[str, Any]:
    with spec_path().open() as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return spec


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = DRAFT202012.create_resource(load_spec())
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@cache
def _routes() -> list[tuple[re.Pattern[str], str]]:
    routes = []
    for template in load_spec()["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        routes.append((re.compile(f"^{pattern}$"), template))
    return routes


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for regex, template in _routes():
        if regex.match(path):
            op = load_spec()["paths"][template].get(method.lower())
            if op is not None:
                return template, op
    return None


def validator_for(ref: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$ref": f"{SPEC_URI}#{ref}"}, registry=_registry())


def schema_validator(name: str) -> jsonschema.Draft202012Validator:
    return validator_for(f"/components/schemas/{name}")


class SpecMismatch(AssertionError):
    pass


def validate_response(method: str, path: str, status: int, body: Any) -> str:
    """Validate `body` against the spec; returns what it was checked against."""
    found = operation_for(method, path)
    if found is None:
        raise SpecMismatch(f"{method} {path} is not an operation in the Finch spec")
    template, op = found
    responses = op.get("responses", {})
    key = str(status) if str(status) in responses else None
    content = (responses.get(key) or {}).get("content", {}).get("application/json")
    if key is not None and content and "schema" in content:
        ref = "/" + _pointer(
            "paths",
            template,
            method.lower(),
            "responses",
            key,
            "content",
            "application/json",
            "schema",
        )
        target = f"{method} {template} {key}"
    elif status >= 400:
        ref, target = "/components/schemas/Error", f"Error ({status})"
        _check_error_envelope(body, status)
    else:
        raise SpecMismatch(f"{method} {template} documents no JSON body for status {status}")
    errors = sorted(validator_for(ref).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        detail = "; ".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:5])
        raise SpecMismatch(f"{target}: {detail}")
    return target


def _check_error_envelope(body: Any, status: int) -> None:
    if not isinstance(body, dict) or body.get("code") != status or not body.get("name"):
        raise SpecMismatch(f"error body is not in Finch's format: {body!r}")
    if not isinstance(body.get("message"), str) or not body["message"]:
        raise SpecMismatch(f"error body has no message: {body!r}")


@dataclass
class SpecRecorder:
    """An httpx response hook that validates every JSON response against the spec."""

    checked: list[str] = field(default_factory=list)

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        if not response.headers.get("content-type", "").startswith("application/json"):
            return
        body = response.json()
        self.checked.append(
            validate_response(request.method, request.url.path, response.status_code, body)
        )
