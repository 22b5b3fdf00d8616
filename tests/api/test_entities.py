"""Multi-entity connections: entities in /introspect, `entity_ids[]` on the employer reads,
and POST /disconnect-entity, through the official SDK over HTTP."""

from __future__ import annotations

from typing import Any

import finch
import httpx
import pytest
from finch import Finch

from finch_sandbox.services import Services
from finch_sandbox.services.employers import MULTI_ENTITY_SIZES, Customer
from finch_sandbox.storage.uow import UnitOfWork
from finch_sandbox.testing import ThreadedServer
from tests.api.test_jobs import wait_for_status
from tests.clients import make_client
from tests.spec import SpecRecorder

PRODUCTS = ["company", "directory", "individual", "employment", "payment", "pay_statement"]


def signed_in(
    server: ThreadedServer, login: str, *, multi_entity: bool, selected: list[int] | None = None
) -> str:
    """An access token for the employer behind a sandbox login (what Connect would issue)."""
    services: Services = server.app.state.services
    connection_id = services.employers.connect(
        login=login,
        provider_id="gusto",
        auth_type="credential",
        multi_entity=multi_entity,
        selected=selected,
        customer=Customer("cust-1", "Acme"),
    )
    with UnitOfWork(services.db, write=True) as uow:
        connection = uow.connections.get(connection_id)
        assert connection is not None
        issued = services.connections.add_account(uow, connection, "credential", PRODUCTS)
        uow.commit()
    return issued.access_token


@pytest.fixture
def multi(server: ThreadedServer, spec_recorder: SpecRecorder) -> Finch:
    return make_client(
        server.base_url, spec_recorder, signed_in(server, "ent_user", multi_entity=True)
    )


def listed(client: Finch) -> list[Any]:
    """The entities /introspect lists (the SDK types the field optional)."""
    entities = client.account.introspect().entities
    assert entities is not None
    return list(entities)


def entity_ids(client: Finch) -> list[str]:
    return [e.id for e in listed(client)]


def test_introspect_lists_every_entity(multi: Finch) -> None:
    info = multi.account.introspect()
    entities = listed(multi)
    assert len(entities) == len(MULTI_ENTITY_SIZES)
    assert all(e.status == "connected" and e.name and e.source_id for e in entities)
    assert len({e.id for e in entities}) == len(MULTI_ENTITY_SIZES)
    assert info.customer_id == "cust-1" and info.customer_name == "Acme"


def test_each_entity_has_its_own_data(multi: Finch) -> None:
    seen: list[set[str]] = []
    for entity, size in zip(entity_ids(multi), MULTI_ENTITY_SIZES, strict=True):
        directory = multi.hris.directory.list(entity_ids=[entity])
        assert directory.paging.count == size
        ids = {p.id for p in directory.individuals}
        seen.append(ids)
        company = multi.hris.company.retrieve(entity_ids=[entity])
        name = next(e.name for e in listed(multi) if e.id == entity)
        assert company.legal_name == name
        one = next(iter(ids))
        found = list(
            multi.hris.individuals.retrieve_many(
                requests=[{"individual_id": one}], entity_ids=[entity]
            )
        )
        assert found[0].code == 200
    assert not seen[0] & seen[1] and not seen[1] & seen[2]
    # An individual of one entity is not found through another.
    other = list(
        multi.hris.individuals.retrieve_many(
            requests=[{"individual_id": next(iter(seen[0]))}], entity_ids=[entity_ids(multi)[1]]
        )
    )
    assert other[0].code == 404


def test_the_spec_plain_array_form_names_an_entity_too(
    multi: Finch, server: ThreadedServer
) -> None:
    # The SDKs send `entity_ids[]=`; a client generated from the spec, or curl, sends the
    # OpenAPI default `entity_ids=` (repeated), or a comma-separated list.
    first, second, _ = entity_ids(multi)
    headers = {"Authorization": f"Bearer {multi.access_token}"}
    for path in ("/employer/directory", "/employer/company", "/employer/pay-groups"):
        via_sdk = multi.get(path, cast_to=object, options={"params": {"entity_ids": [second]}})
        plain = httpx.get(f"{server.base_url}{path}?entity_ids={second}", headers=headers)
        assert plain.status_code == 200, plain.text
        assert plain.json() == via_sdk
    assert (
        httpx.get(
            f"{server.base_url}/employer/directory?entity_ids={first}", headers=headers
        ).json()["paging"]["count"]
        == MULTI_ENTITY_SIZES[0]
    )
    for query in (f"entity_ids={first}&entity_ids={second}", f"entity_ids={first},{second}"):
        both = httpx.get(f"{server.base_url}/employer/directory?{query}", headers=headers)
        assert both.status_code == 400
        assert "at most one entity id" in both.json()["message"]


def test_reads_must_name_one_entity(multi: Finch) -> None:
    first, second, _ = entity_ids(multi)
    for kwargs in ({}, {"entity_ids": [first, second]}, {"entity_ids": ["not-an-entity"]}):
        with pytest.raises(finch.BadRequestError) as info:
            multi.hris.directory.list(**kwargs)  # type: ignore[arg-type]
        assert info.value.body["name"] == "invalid_request_error"  # type: ignore[index]
        assert "entity_ids" in info.value.body["message"]  # type: ignore[index]


def test_disconnect_entity_leaves_the_others(multi: Finch) -> None:
    first, second, third = entity_ids(multi)
    assert multi.account.disconnect_entity(entity_ids=[first]).status == "success"
    statuses = {e.id: e.status for e in listed(multi)}
    assert statuses == {first: "disconnected", second: "connected", third: "connected"}
    with pytest.raises(finch.BadRequestError):
        multi.hris.directory.list(entity_ids=[first])
    assert multi.hris.directory.list(entity_ids=[second]).paging.count == MULTI_ENTITY_SIZES[1]
    # Idempotent for an entity already disconnected.
    assert multi.account.disconnect_entity(entity_ids=[first]).status == "success"
    multi.account.disconnect_entity(entity_ids=[second])
    # One entity left: reads need not name it.
    assert multi.hris.directory.list().paging.count == MULTI_ENTITY_SIZES[2]
    multi.account.disconnect_entity(entity_ids=[third])
    with pytest.raises(finch.AuthenticationError):
        multi.account.introspect()


def test_disconnect_entity_refuses_bad_lists(multi: Finch, client: Finch) -> None:
    before = entity_ids(multi)
    for bad in ([], ["00000000-0000-4000-8000-000000000000"], [entity_ids(client)[0]]):
        with pytest.raises(finch.BadRequestError) as info:
            multi.account.disconnect_entity(entity_ids=bad)
        assert "entity_ids" in info.value.body["message"]  # type: ignore[index]
    assert {e.status for e in listed(multi)} == {"connected"}
    assert entity_ids(multi) == before
    assert listed(client)[0].status == "connected"


def test_single_entity_connection_accepts_its_own_entity(client: Finch, connection: Any) -> None:
    entity = connection.entity_id
    assert entity_ids(client) == [entity]
    assert client.hris.directory.list(entity_ids=[entity]).paging.count == 20
    assert client.hris.directory.list().paging.count == 20
    client.account.disconnect_entity(entity_ids=[entity])
    with pytest.raises(finch.AuthenticationError):
        client.hris.directory.list()


def test_selected_entities_only(server: ThreadedServer, spec_recorder: SpecRecorder) -> None:
    token = signed_in(server, "picky_user", multi_entity=True, selected=[1, 2])
    client = make_client(server.base_url, spec_recorder, token)
    entities = listed(client)
    assert len(entities) == 2
    counts = [client.hris.directory.list(entity_ids=[e.id]).paging.count for e in entities]
    assert counts == list(MULTI_ENTITY_SIZES[1:])


def test_one_chosen_entity_is_a_single_entity_connection(
    server: ThreadedServer, spec_recorder: SpecRecorder
) -> None:
    token = signed_in(server, "one_of_three", multi_entity=True, selected=[2])
    client = make_client(server.base_url, spec_recorder, token)
    (entity,) = listed(client)
    assert client.hris.directory.list().paging.count == MULTI_ENTITY_SIZES[2]
    assert client.hris.company.retrieve().legal_name == entity.name
    assert client.hris.company.retrieve(entity_ids=[entity.id]).legal_name == entity.name
    # Signing in again with the same login finds this connection, whichever entity it has.
    again = signed_in(server, "one_of_three", multi_entity=True)
    assert make_client(server.base_url, None, again).account.introspect().connection_id == (
        client.account.introspect().connection_id
    )


def test_sandbox_edits_change_the_first_entity(multi: Finch) -> None:
    first, second, _ = entity_ids(multi)
    created = multi.sandbox.directory.create(body=[{"first_name": "Ada", "last_name": "Entity"}])
    company = multi.hris.company.retrieve(entity_ids=[first])
    multi.sandbox.company.update(
        **{**company.model_dump(exclude={"id"}), "legal_name": "Renamed Holdings LLC"}
    )
    job = multi.sandbox.jobs.create(type="data_sync_all")
    assert job.job_id is not None
    finished, _ = wait_for_status(multi, job.job_id, until={"complete"})
    assert finished.status == "complete"
    assert multi.hris.company.retrieve(entity_ids=[first]).legal_name == "Renamed Holdings LLC"
    assert multi.hris.company.retrieve(entity_ids=[second]).legal_name != "Renamed Holdings LLC"
    new_id = created[0]["id"]  # type: ignore[index]
    assert new_id in {p.id for p in multi.hris.directory.list(entity_ids=[first])}
    assert new_id not in {p.id for p in multi.hris.directory.list(entity_ids=[second])}
    assert multi.hris.directory.list(entity_ids=[first]).paging.count == MULTI_ENTITY_SIZES[0] + 1
