"""Every operation of the Finch OpenAPI document is routed (moto's coverage report,
stripe-mock's routing table). Responses are checked against the spec wherever the suite calls
the API: every SDK client of the suite carries tests/spec.py's SpecRecorder."""

from __future__ import annotations

import re

import pytest

from finch_sandbox.app import create_app
from finch_sandbox.settings import Settings
from tests.spec import load_spec


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def spec_operations() -> list[tuple[str, str]]:
    methods = ("get", "post", "put", "delete", "patch")
    return sorted(
        (method.upper(), _shape(path))
        for path, item in load_spec()["paths"].items()
        for method in methods
        if method in item
    )


def test_the_spec_has_48_operations() -> None:
    assert len(spec_operations()) == 48


@pytest.mark.parametrize("operation", spec_operations(), ids=" ".join)
def test_operation_is_routed(routed: set[tuple[str, str]], operation: tuple[str, str]) -> None:
    assert operation in routed


@pytest.fixture(scope="module")
def routed() -> set[tuple[str, str]]:
    """The app's own route table, as FastAPI publishes it (GET /_openapi.json)."""
    app = create_app(Settings(database_url="sqlite://", worker=False))
    return {
        (method.upper(), _shape(path))
        for path, item in app.openapi()["paths"].items()
        for method in item
    }
