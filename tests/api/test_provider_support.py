"""The provider catalog, end to end through the SDK: products a provider does not offer answer
501 (never an empty success), a token without the product 403, and the directory follows its
own catalog entry, also after a sandbox edit."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import finch
import pytest
from finch import Finch

from finch_sandbox.services import Services
from finch_sandbox.testing import ThreadedServer
from tests.clients import make_client
from tests.spec import SpecRecorder

EVERYTHING = ["company", "directory", "individual", "employment", "payment", "pay_statement"]


Auth = Literal["api_token", "assisted", "credential", "oauth"]


def connect(app_client: Finch, server: ThreadedServer, provider: str, auth: Auth) -> Finch:
    created = app_client.sandbox.connections.create(
        provider_id=provider, authentication_type=auth, products=EVERYTHING, employee_size=8
    )
    client = make_client(server.base_url, SpecRecorder(), created.access_token)
    if auth == "assisted":
        client.sandbox.connections.accounts.update(connection_status="connected")
    return client


@pytest.mark.parametrize(
    ("provider", "auth"),
    [
        ("bamboo_hr", "credential"),
        ("personio", "credential"),
        ("aap_isolved", "assisted"),
        ("square_payroll", "api_token"),
    ],
)
def test_payroll_a_provider_lacks_is_501_not_an_empty_list(
    app_client: Finch, server: ThreadedServer, provider: str, auth: Auth
) -> None:
    client = connect(app_client, server, provider, auth)
    assert client.hris.directory.list().paging.count == 8  # what it offers still works
    with pytest.raises(finch.InternalServerError) as info:
        client.hris.payments.list(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1))
    assert info.value.status_code == 501
    assert info.value.body["name"] == "not_implemented_error"  # type: ignore[index]
    assert provider in info.value.body["message"]  # type: ignore[index]
    assert info.value.response.headers["x-should-retry"] == "false"
    with pytest.raises(finch.InternalServerError) as info:
        client.hris.pay_statements.retrieve_many(requests=[{"payment_id": "x"}])
    assert info.value.status_code == 501


@pytest.mark.parametrize(("provider", "auth"), [("gusto", "oauth"), ("paylocity", "credential")])
def test_payroll_providers_answer_payments(
    app_client: Finch, server: ThreadedServer, provider: str, auth: Auth
) -> None:
    client = connect(app_client, server, provider, auth)
    payments = list(
        client.hris.payments.list(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1))
    )
    assert payments and all(p.pay_group_ids for p in payments)


def test_missing_scope_is_403_before_provider_support(
    app_client: Finch, server: ThreadedServer
) -> None:
    created = app_client.sandbox.connections.create(provider_id="bamboo_hr", products=["company"])
    client = make_client(server.base_url, SpecRecorder(), created.access_token)
    with pytest.raises(finch.PermissionDeniedError) as info:
        client.hris.payments.list(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1))
    assert info.value.body["name"] == "insufficient_scope_error"  # type: ignore[index]


def names(client: Finch) -> list[Any]:
    return list(client.hris.directory.list().individuals)


def test_directory_follows_its_own_catalog_entry(app_client: Finch, server: ThreadedServer) -> None:
    personio = connect(app_client, server, "personio", "credential")
    people = names(personio)
    # personio's directory has first names and no middle names; its individuals the reverse.
    assert all(p.first_name and p.middle_name is None for p in people)
    (individual,) = personio.hris.individuals.retrieve_many(
        requests=[{"individual_id": people[0].id}]
    )
    assert individual.body.first_name is None  # type: ignore[union-attr]

    adp_run = connect(app_client, server, "adp_run", "credential")
    people = names(adp_run)
    # adp_run's directory lists managers (its employment does not) and no departments.
    assert all(p.department is None for p in people)
    assert sum(p.manager is not None for p in people) == len(people) - 1
    (employment,) = adp_run.hris.employments.retrieve_many(
        requests=[{"individual_id": people[1].id}]
    )
    assert employment.body.manager is None  # type: ignore[union-attr]
    assert employment.body.department is not None  # type: ignore[union-attr]


def test_a_sandbox_edit_keeps_the_directory_rules(
    app_client: Finch, server: ThreadedServer
) -> None:
    created = app_client.sandbox.connections.create(
        provider_id="personio", authentication_type="credential", employee_size=5
    )
    client = make_client(server.base_url, SpecRecorder(), created.access_token)
    person = names(client)[2]
    client.sandbox.individual.update(person.id, first_name="Zora", middle_name="Neale")
    services: Services = server.app.state.services
    services.sync.publish(created.connection_id)
    after = next(p for p in names(client) if p.id == person.id)
    assert after.first_name == "Zora" and after.middle_name is None
    assert after.last_name == person.last_name
