"""GET /providers: Finch's catalog, without authentication."""

from __future__ import annotations

from finch import Finch

from tests.spec import SpecRecorder


def test_catalog_lists_real_providers(app_client: Finch, spec_recorder: SpecRecorder) -> None:
    providers = list(app_client.providers.list())
    assert len(providers) == 207
    gusto = next(p for p in providers if p.id == "gusto")
    assert gusto.display_name == "Gusto"
    assert "directory" in (gusto.products or [])
    assert gusto.authentication_methods
    assert spec_recorder.checked == ["GET /providers 200"]


def test_generated_data_honours_field_support(client: Finch) -> None:
    # Gusto's catalog entry marks gender, ethnicity and class_code unsupported.
    person = client.hris.directory.list(limit=1).individuals[0]
    (individual,) = client.hris.individuals.retrieve_many(requests=[{"individual_id": person.id}])
    assert individual.body.gender is None and individual.body.ethnicity is None  # type: ignore[union-attr]
    assert individual.body.dob is not None  # type: ignore[union-attr]
    (employment,) = client.hris.employments.retrieve_many(requests=[{"individual_id": person.id}])
    assert employment.body.class_code is None  # type: ignore[union-attr]
    assert employment.body.title is not None  # type: ignore[union-attr]
