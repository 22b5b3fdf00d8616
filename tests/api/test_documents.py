"""W-4 documents agree with each person's data; the w4_form_employee_sync job refreshes one."""

from __future__ import annotations

from typing import Any

import finch
import pytest
from finch import Finch

from finch_sandbox.services.documents import w4_document
from tests.api.test_jobs import wait_for_status


def _people(client: Finch) -> dict[str, Any]:
    ids = [p.id for p in client.hris.directory.list().individuals]
    individuals = client.hris.individuals.retrieve_many(
        requests=[{"individual_id": i} for i in ids]
    )
    employments = client.hris.employments.retrieve_many(
        requests=[{"individual_id": i} for i in ids]
    )
    return {
        i.individual_id: (i.body, e.body) for i, e in zip(individuals, employments, strict=True)
    }


def test_every_person_has_a_w4_consistent_with_their_data(client: Finch) -> None:
    people = _people(client)
    listing = client.hris.documents.list()
    assert listing.paging.count == len(people) == len(listing.documents)
    assert {d.individual_id for d in listing.documents} == set(people)
    kinds = set()
    for summary in listing.documents:
        individual, employment = people[summary.individual_id]  # type: ignore[index]
        assert summary.url.endswith(f"/employer/documents/{summary.id}")
        form = client.hris.documents.retreive(summary.id)
        assert form.type == summary.type and form.year == summary.year
        assert form.data.individual_id == summary.individual_id
        started = int(employment.start_date[:4])
        kinds.add(form.type)
        married = individual.marital_status == "married"
        if form.type == "w4_2020":
            assert started >= 2020, "the 2020 form is filed by people hired since 2020"
            data = form.data
            assert data.total_claim_dependent_and_other_credits == (
                data.amount_for_qualifying_children_under_17 + data.amount_for_other_dependents
            )
            assert (
                data.filing_status == "married_filing_jointly_or_qualifying_surviving_spouse"
            ) == married
        else:
            assert started < 2020
            assert (form.data.filing_status == "married") == married
            assert form.data.total_number_of_allowances >= 1 + married
    assert kinds, "documents of at least one kind"


def test_document_filters_and_paging(client: Finch) -> None:
    everyone = client.hris.documents.list().documents
    first = everyone[0]
    mine = client.hris.documents.list(individual_ids=[first.individual_id])  # type: ignore[list-item]
    assert [d.id for d in mine.documents] == [first.id]
    page = client.hris.documents.list(limit=2, offset=1)
    assert [d.id for d in page.documents] == [d.id for d in everyone[1:3]]
    assert page.paging.count == len(everyone) and page.paging.offset == 1
    of_type = client.hris.documents.list(types=[first.type])
    assert of_type.documents and all(d.type == first.type for d in of_type.documents)
    with pytest.raises(finch.NotFoundError):
        client.hris.documents.retreive("no-such-document")
    with pytest.raises(finch.BadRequestError):
        client.hris.documents.list(types=["w2"])  # type: ignore[list-item]


def test_w4_job_completes_and_brings_the_persons_new_filing_status(client: Finch) -> None:
    summary = client.hris.documents.list(types=["w4_2020"]).documents[0]
    person = summary.individual_id
    assert person is not None
    before = client.hris.documents.retreive(summary.id)
    becomes = "single" if before.data.filing_status.startswith("married") else "married"  # type: ignore[union-attr]
    client.sandbox.individual.update(person, marital_status=becomes)  # type: ignore[arg-type]

    job = client.jobs.automated.create(
        type="w4_form_employee_sync", params={"individual_id": person}
    )
    assert job.job_id and job.allowed_refreshes >= 0
    done, _ = wait_for_status(client, job.job_id, until={"complete", "error"})
    assert done.status == "complete"
    assert done.type == "w4_form_employee_sync"
    assert done.params is not None and done.params.individual_id == person
    after = client.hris.documents.retreive(summary.id)
    assert (
        after.data.filing_status == "married_filing_jointly_or_qualifying_surviving_spouse"
    ) == (becomes == "married")
    listed = {j.job_id: j.type for j in client.jobs.automated.list().data}
    assert listed[job.job_id] == "w4_form_employee_sync"


def test_w4_job_for_unknown_person_errors_and_needs_its_params(client: Finch) -> None:
    job = client.jobs.automated.create(
        type="w4_form_employee_sync", params={"individual_id": "nobody"}
    )
    done, _ = wait_for_status(client, job.job_id, until={"complete", "error"})  # type: ignore[arg-type]
    assert done.status == "error"
    with pytest.raises(finch.BadRequestError):
        client.jobs.automated.create(type="w4_form_employee_sync")  # type: ignore[call-overload]


def test_w4_form_is_a_pure_function_of_the_person() -> None:
    individual = {"id": "a", "marital_status": "married"}
    first = w4_document(individual, {"start_date": "2021-03-01"})
    assert first == w4_document(dict(individual), {"start_date": "2021-03-01"})
    assert first["type"] == "w4_2020" and first["year"] == 2021
    old = w4_document(individual, {"start_date": "2012-03-01"})
    assert old["type"] == "w4_2005" and old["data"]["filing_status"] == "married"
    assert old["id"] == first["id"], "one form per person, whichever its edition"
