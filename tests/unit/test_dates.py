"""Dates in the forms Finch accepts are stored as YYYY-MM-DD; anything else is refused."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from finch_sandbox.api.schemas.common import IsoDate

dates = TypeAdapter(IsoDate)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2020-03-04", "2020-03-04"),
        ("2020-03-04T00:00:00Z", "2020-03-04"),
        ("2020-03-04 12:30:00", "2020-03-04"),
        ("3/4/2020", "2020-03-04"),
        ("03/04/2020", "2020-03-04"),
    ],
)
def test_accepted_forms(sent: str, stored: str) -> None:
    assert dates.validate_python(sent) == stored


@pytest.mark.parametrize("sent", ["dob", "2020-13-01", "13/40/2020", "3/4/20", "20200304"])
def test_refused(sent: str) -> None:
    with pytest.raises(ValidationError):
        dates.validate_python(sent)
