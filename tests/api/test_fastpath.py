"""Prepared answers (api/fastpath.py) are replayed only while they are still true."""

from __future__ import annotations

import threading
from typing import Any

import finch
import httpx
import pytest
from finch import Finch
from finch.types.hris.individual import IndividualResponseBody as IndividualBody

from finch_sandbox.api.caches import StampedCache
from finch_sandbox.api.deps import Edge
from finch_sandbox.services import Services
from finch_sandbox.testing import ThreadedServer
from tests.clients import make_client
from tests.observe import burst, statements
from tests.spec import SpecRecorder


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cached_answers(server: ThreadedServer) -> int:
    edge: Edge = server.app.state.edge
    return len(edge.caches.responses)


def test_repeated_reads_are_replayed_with_fresh_request_ids(
    raw: httpx.Client, server: ThreadedServer, connection: Any
) -> None:
    # The first request authenticates (and caches the token); the second is captured.
    first = raw.get("/employer/directory", headers=headers(connection.access_token))
    second = raw.get("/employer/directory", headers=headers(connection.access_token))
    before = cached_answers(server)
    third = raw.get("/employer/directory", headers=headers(connection.access_token))
    assert first.status_code == second.status_code == third.status_code == 200
    assert first.content == second.content == third.content
    assert len({r.headers["finch-request-id"] for r in (first, second, third)}) == 3
    assert third.headers["content-type"] == "application/json"
    assert cached_answers(server) == before >= 1, "the third answer came from the cache"


def test_a_publish_ends_every_prepared_answer(
    client: Finch, server: ThreadedServer, connection: Any
) -> None:
    person = client.hris.directory.list().individuals[0]

    def first_name() -> str | None:
        (found,) = client.hris.individuals.retrieve_many(requests=[{"individual_id": person.id}])
        assert isinstance(found.body, IndividualBody)
        return found.body.first_name

    assert first_name() == person.first_name
    assert client.account.introspect().connection_status.status == "connected"
    client.sandbox.individual.update(person.id, first_name="Fresh")
    # Edits alone change nothing visible, cached or not.
    assert client.hris.directory.list().individuals[0].first_name == person.first_name
    services: Services = server.app.state.services
    services.sync.publish(connection.connection_id)
    assert client.hris.directory.list().individuals[0].first_name == "Fresh"
    assert first_name() == "Fresh"


def test_disconnect_and_status_changes_end_cached_tokens(
    app_client: Finch, server: ThreadedServer, raw: httpx.Client
) -> None:
    created = app_client.sandbox.connections.create(provider_id="gusto", employee_size=3)
    token = created.access_token
    for _ in range(2):
        assert raw.get("/employer/directory", headers=headers(token)).status_code == 200
        assert raw.get("/introspect", headers=headers(token)).status_code == 200
    client = make_client(server.base_url, SpecRecorder(), token)
    client.sandbox.connections.accounts.update(connection_status="reauth")
    response = raw.get("/employer/directory", headers=headers(token))
    assert response.status_code == 401 and response.json()["finch_code"] == "reauthenticate_user"
    assert (
        raw.get("/introspect", headers=headers(token)).json()["connection_status"]["status"]
        == "reauth"
    )
    client.sandbox.connections.accounts.update(connection_status="connected")
    assert raw.get("/employer/directory", headers=headers(token)).status_code == 200
    client.account.disconnect()
    for path in ("/employer/directory", "/introspect", "/employer/company"):
        assert raw.get(path, headers=headers(token)).status_code == 401


def test_another_token_of_the_connection_is_judged_on_its_own_products(
    app_client: Finch, raw: httpx.Client
) -> None:
    created = app_client.sandbox.connections.create(provider_id="gusto", employee_size=3)
    narrow = app_client.sandbox.connections.accounts.create(
        company_id=created.company_id or "", provider_id="gusto", products=["company"]
    )
    for _ in range(2):
        assert (
            raw.get("/employer/directory", headers=headers(created.access_token)).status_code == 200
        )
    response = raw.get("/employer/directory", headers=headers(narrow.access_token))
    assert response.status_code == 403
    assert response.json()["name"] == "insufficient_scope_error"


def test_batch_answers_depend_on_the_exact_request(client: Finch) -> None:
    ids = [p.id for p in client.hris.directory.list().individuals]
    one = client.hris.employments.retrieve_many(requests=[{"individual_id": ids[0]}])
    two = client.hris.employments.retrieve_many(requests=[{"individual_id": ids[1]}])
    again = client.hris.employments.retrieve_many(requests=[{"individual_id": ids[0]}])
    assert one.responses[0].individual_id == again.responses[0].individual_id == ids[0]
    assert two.responses[0].individual_id == ids[1]


def test_oversized_body_on_a_cached_route_is_a_finch_413(
    raw: httpx.Client, connection: Any
) -> None:
    for _ in range(2):
        raw.post(
            "/employer/individual", json={"requests": []}, headers=headers(connection.access_token)
        )
    huge = b'{"requests": [' + b'{"individual_id": "x"},' * 2_000_000 + b"{}]}"
    response = raw.post(
        "/employer/individual",
        content=huge,
        headers={**headers(connection.access_token), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["name"] == "payload_too_large_error"


def test_cached_errors_are_never_replayed(
    client: Finch, raw: httpx.Client, connection: Any
) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    for _ in range(2):
        response = raw.get(f"/jobs/automated/{unknown}", headers=headers(connection.access_token))
        assert response.status_code == 404
    job = client.sandbox.jobs.create(type="data_sync_all")
    with pytest.raises(finch.NotFoundError):
        client.jobs.automated.retrieve(unknown)
    assert client.jobs.automated.retrieve(job.job_id).job_id == job.job_id


def test_a_burst_of_misses_after_a_publish_reaches_the_database_once(
    client: Finch, server: ThreadedServer, raw: httpx.Client, connection: Any
) -> None:
    services: Services = server.app.state.services
    token: str = connection.access_token
    person = client.hris.directory.list().individuals[0]

    client.sandbox.individual.update(person.id, first_name="Single")
    services.sync.publish(connection.connection_id)
    with statements(services.db.engine, r"\b(accounts|records)\b") as one:
        assert "Single" in raw.get("/employer/directory", headers=headers(token)).text
    assert one.n > 0

    client.sandbox.individual.update(person.id, first_name="Burst")
    services.sync.publish(connection.connection_id)
    with statements(services.db.engine, r"\b(accounts|records)\b") as many:
        answers = burst(server.base_url, 32, "GET", "/employer/directory", headers=headers(token))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1 and "Burst" in answers[0].text
    # Without single flight each of the 32 misses would authenticate and read on its own.
    assert many.n <= 2 * one.n, (many.n, one.n)


def test_a_burst_with_an_unknown_token_is_refused_every_time(
    server: ThreadedServer, connection: Any
) -> None:
    answers = burst(
        server.base_url, 16, "GET", "/employer/directory", headers=headers("not-a-token")
    )
    assert {a.status_code for a in answers} == {401}


def test_a_burst_with_a_cold_token_looks_it_up_once_whatever_each_request_asks(
    client: Finch, server: ThreadedServer, connection: Any
) -> None:
    services: Services = server.app.state.services
    token: str = connection.access_token
    client.hris.directory.list()
    services.sync.publish(connection.connection_id)  # every cached token of it goes stale
    results: dict[str, list[httpx.Response]] = {}

    def fire(path: str) -> None:
        results[path] = burst(server.base_url, 12, "GET", path, headers=headers(token))

    with statements(services.db.engine, r"WHERE accounts\.token_hash =") as lookups:
        threads = [
            threading.Thread(target=fire, args=(path,))
            for path in ("/employer/directory", "/employer/company", "/introspect")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert {r.status_code for answers in results.values() for r in answers} == {200}
    assert len(results) == 3
    assert lookups.n == 1


def test_answers_vary_by_the_headers_their_route_declares(
    client: Finch, raw: httpx.Client, connection: Any
) -> None:
    job = client.sandbox.jobs.create(type="data_sync_all")
    path = f"/jobs/automated/{job.job_id}"
    for _ in range(2):  # captured and replayed for host a
        answer = raw.get(path, headers={**headers(connection.access_token), "Host": "a.test"})
        assert answer.json()["job_url"].startswith("http://a.test/")
    other = raw.get(path, headers={**headers(connection.access_token), "Host": "b.test"})
    assert other.json()["job_url"].startswith("http://b.test/")

    person = client.hris.directory.list().individuals[0]
    body = b'{"requests": [{"individual_id": "%s"}]}' % person.id.encode()
    as_json = {**headers(connection.access_token), "Content-Type": "application/json"}
    for _ in range(2):
        assert raw.post("/employer/individual", content=body, headers=as_json).status_code == 200
    as_text = {**headers(connection.access_token), "Content-Type": "text/plain"}
    refused = raw.post("/employer/individual", content=body, headers=as_text)
    assert refused.status_code == 400, "a JSON answer must not be replayed to a text body"


def test_the_response_cache_is_bounded_by_bytes(server: ThreadedServer) -> None:
    edge: Edge = server.app.state.edge
    cache = StampedCache[bytes](edge.caches.tracker, max_bytes=10_000)
    for index in range(20):
        cache.put(("k", index), "connection", 0, b"x" * 1_000, 1_000)
    assert cache.bytes <= 10_000
    assert 5 <= len(cache) < 10
    assert cache.get(("k", 19)) is not None and cache.get(("k", 0)) is None, "oldest go first"
    cache.put("huge", "connection", 0, b"", 20_000)
    assert cache.get("huge") is None, "an answer larger than the budget is not kept"
